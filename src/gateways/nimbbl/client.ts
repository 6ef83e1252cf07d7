/**
 * Authenticated calls to the Nimbbl v3 API (nimbbl.md §3, §5): `Authorization: Bearer <merchant token>` and JSON.
 * A 401/403 drops the token and the call is sent once more with a fresh one: the gateway refused it before doing
 * anything, so even a create or a refund is safe to repeat. An `{error: …}` body is a refusal whatever the HTTP
 * status, because Nimbbl returns such bodies with a 2xx too (§5: "check both"); an `{encrypted_response}` answer (a
 * merchant with encryption on, §1.3) is decrypted before anything else is read.
 *
 * Orders (§3): create-order, get-order and the transaction enquiry that confirms every status. `next_action` is
 * always `{type: "sdk"}`: Nimbbl's v3 API returns no hosted-checkout URL, only the order token (scoped to one order,
 * 20 minutes, safe for the browser [D4]) that the merchant's page hands to Nimbbl's checkout SDK together with
 * Nimbbl's order id.
 *
 * Refunds (§3, §9): `POST /v3/refund` with checkpost's deterministic `refund_request_id` (Nimbbl's only idempotency
 * hook) and `refund_amount` as a JSON number. The answer's `transaction_id` is the refund's own id, kept as its
 * `gatewayRefundRef`: the enquiry lists a refund as an ordinary entry with that id and no refund fields, so that id
 * is how its status is found among the order's entries (no v3 refund-enquiry endpoint exists, and enquiring a
 * refund's id directly is not documented). A refund not listed is `gateway_not_found`, never failed; a timeout is
 * never resolved by sending again. Nothing here touches storage (the token cache aside).
 */
import { proxyError, type FieldIssue, type ProxyError, fieldError } from "../../core/errors";
import { gatewayCodeDetail } from "../../core/gateway-code";
import { CURRENCY_EXPONENTS, fromMajor, toMajorNumber, type Money } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import { callGateway, type GatewayReply } from "../http";
import type {
  CreateCheckInput,
  CreateOrderInput,
  CreatedOrder,
  GatewayIO,
  RefundInput,
  RefundLookup,
  StatusSnapshot,
} from "../types";
import type { Customer, RefundHint } from "../../core/model";
import type { NimbblSettings } from "./config";
import { entries, isRefundType, mapRefundStatus, refundHints, snapshotFromEnquiry } from "./map";
import { dropToken, getToken } from "./token";
import { unseal } from "./envelope";
import {
  NimbblEnquiryResponseSchema,
  NimbblErrorBodySchema,
  NimbblOrderResponseSchema,
  NimbblRefundResponseSchema,
  type NimbblEnquiryResponse,
} from "./wire";

export interface NimbblCall {
  /** A short name for logs, e.g. `transaction_enquiry`. */
  readonly operation: string;
  readonly method: "GET" | "POST";
  /** Below the base URL, e.g. `/v3/transaction-enquiry` or `/v3/order?invoice_id=…`. */
  readonly path: string;
  readonly body?: Readonly<Record<string, unknown>>;
  /** A read sent as a POST (transaction enquiry): safe to send twice. GETs always are. */
  readonly read?: boolean;
}

/** `error.nimbbl_error_code`, or the 2021 SDKs' `error.code` (§5). */
export function nimbblErrorCode(body: unknown): string | null {
  const parsed = NimbblErrorBodySchema().safeParse(body);
  if (!parsed.success) return null;
  return parsed.data.error.nimbbl_error_code ?? parsed.data.error.code ?? "unknown";
}

export async function nimbblRequest(
  settings: NimbblSettings,
  io: GatewayIO,
  call: NimbblCall,
): Promise<Result<unknown, ProxyError>> {
  let retried = false;
  for (;;) {
    const token = await getToken(settings, io);
    if (!token.ok) return token;
    const reply = await send(settings, io, call, token.value.token);
    if (!reply.ok && reply.error.reason === "gateway_auth_failed" && !retried) {
      retried = true;
      await dropToken(settings, io, token.value.token);
      io.log.info("nimbbl token refused, retrying once with a new one", { operation: call.operation });
      continue;
    }
    if (!reply.ok) return reply;
    // Encrypted responses (§1.3) are opened first: an error body may be inside, with a 2xx (§5).
    const body = await unseal(reply.value.body, settings.accessSecret);
    if (!body.ok) return err(badResponse(call.operation, "encrypted_response"));
    const code = nimbblErrorCode(body.value);
    if (code !== null) {
      io.log.warn("nimbbl answered an error body", { operation: call.operation, gateway_code: code });
      return err(
        proxyError("gateway_rejected", {
          ...gatewayCodeDetail(code),
          log: { gateway: "nimbbl", operation: call.operation, gateway_code: code.slice(0, 100) },
        }),
      );
    }
    return ok(body.value);
  }
}

function send(
  settings: NimbblSettings,
  io: GatewayIO,
  call: NimbblCall,
  token: string,
): Promise<Result<GatewayReply, ProxyError>> {
  return callGateway(io, {
    gateway: "nimbbl",
    operation: call.operation,
    method: call.method,
    url: `${settings.baseUrl}${call.path}`,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      ...(call.body ? { "content-type": "application/json" } : {}),
    },
    ...(call.body ? { body: JSON.stringify(call.body) } : {}),
    idempotent: call.method === "GET" || call.read === true,
    errorCode: nimbblErrorCode,
  });
}

/** Nimbbl signs and takes amounts with exactly two decimals (§1.1), so only two-decimal currencies fit. */
export function checkCurrency(money: Money): Result<null, ProxyError> {
  return CURRENCY_EXPONENTS[money.currency] === 2
    ? ok(null)
    : err(proxyError("currency_unsupported", { detail: "Nimbbl takes amounts with two decimals only" }));
}

/**
 * `user` for create-order (§3, §9): nullable, but when sent it needs `email`, `first_name`, `country_code` and
 * `mobile_number`, and the guide calls user data "typically mandatory". A customer with any of email, name or phone
 * is sent as `user`, so it needs all three: the name split at its first space (first_name, last_name), the phone as
 * an Indian mobile (`+91` and ten digits; other country codes cannot be split off a bare E.164 number). A customer
 * with none of them (or only an id) sends no `user`. The missing or unusable fields, named for a 400.
 */
export function nimbblUser(customer: Customer | null): { user: Record<string, string> | null; missing: FieldIssue[] } {
  const { email, name, phone } = customer ?? {};
  if (!email && !name && !phone) return { user: null, missing: [] };
  const [first, ...rest] = (name ?? "").trim().split(/\s+/);
  const mobile = /^(?:\+?91)?([6-9][0-9]{9})$/.exec(phone ?? "")?.[1];
  const missing: FieldIssue[] = [];
  if (!email) missing.push({ path: "customer.email", message: "required by Nimbbl with a customer" });
  if (!first) missing.push({ path: "customer.name", message: "required by Nimbbl with a customer" });
  if (!mobile) {
    missing.push({ path: "customer.phone", message: "Nimbbl needs an Indian mobile number (+91 and 10 digits)" });
  }
  if (missing.length || !email || !first || !mobile) return { user: null, missing };
  const user = { email, first_name: first, country_code: "+91", mobile_number: mobile };
  return { user: rest.length ? { ...user, last_name: rest.join(" ") } : user, missing };
}

/** `checkCreate`: what Nimbbl would refuse at create-order, as one 400 naming each customer field. */
export function checkNimbblCreate(input: CreateCheckInput): ProxyError | null {
  const { missing } = nimbblUser(input.customer);
  return missing.length ? proxyError("validation_failed", { fields: missing }) : null;
}

/** checkpost's return route, carrying the order id and checkpost's own token over it. */
export function callbackUrl(input: CreateOrderInput): string {
  const url = new URL(input.returnUrl);
  url.searchParams.set("order_id", input.orderId);
  // Without a token (no CHECKPOST_SECRET) only a response Nimbbl signed can verify the return (verify.ts).
  if (input.returnToken !== null) url.searchParams.set("t", input.returnToken);
  return url.toString();
}

function badResponse(operation: string, check: string): ProxyError {
  return proxyError("gateway_bad_response", { log: { gateway: "nimbbl", operation, check } });
}

/** The created (or fetched) order as checkpost stores it, after checking it is ours and for the right amount. */
function toCreated(body: unknown, input: CreateOrderInput, operation: string): Result<CreatedOrder, ProxyError> {
  const parsed = NimbblOrderResponseSchema().safeParse(body);
  if (!parsed.success) return err(badResponse(operation, "shape"));
  const order = { ...parsed.data, ...(parsed.data.order ?? {}) };
  if (!order.token || !order.order_id) return err(badResponse(operation, "token_or_order_id_missing"));
  if (order.invoice_id !== undefined && order.invoice_id !== input.orderId) {
    return err(badResponse(operation, "invoice_mismatch"));
  }
  if (order.total_amount !== undefined) {
    const total = fromMajor(order.total_amount, order.currency ?? input.amount.currency);
    if (!total.ok || total.value.minor !== input.amount.minor || total.value.currency !== input.amount.currency) {
      return err(proxyError("order_conflict", { detail: "the gateway holds this order id with another amount" }));
    }
  }
  return ok({
    gatewayOrderRef: order.order_id,
    gatewayStatus: order.status ?? "new",
    nextAction: {
      type: "sdk",
      payload: { gateway: "nimbbl", order_id: order.order_id, token: order.token, invoice_id: input.orderId },
    },
    expiresAt: null,
  });
}

export async function createNimbblOrder(
  settings: NimbblSettings,
  input: CreateOrderInput,
  io: GatewayIO,
): Promise<Result<CreatedOrder, ProxyError>> {
  const currency = checkCurrency(input.amount);
  if (!currency.ok) return currency;
  const { user, missing } = nimbblUser(input.customer);
  if (missing.length) return err(proxyError("validation_failed", { fields: missing }));
  const body = {
    invoice_id: input.orderId,
    total_amount: toMajorNumber(input.amount),
    currency: input.amount.currency,
    callback_url: callbackUrl(input),
    ...(user ? { user } : {}),
    ...(input.description ? { description: input.description } : {}),
    ...(input.metadata ? { custom_attributes: input.metadata } : {}),
  };
  const reply = await nimbblRequest(settings, io, {
    operation: "create_order",
    method: "POST",
    path: "/v3/create-order",
    body,
  });
  if (reply.ok) return toCreated(reply.value, input, "create_order");
  if (reply.error.reason !== "gateway_rejected") return reply;
  // Nimbbl refuses a reused invoice_id (§3). If an earlier call reached it (a timeout, a lost answer), that order is
  // ours: answer with it (and a fresh token) instead of failing the retry.
  const existing = await nimbblRequest(settings, io, {
    operation: "get_order",
    method: "GET",
    path: `/v3/order?invoice_id=${encodeURIComponent(input.orderId)}`,
  });
  if (!existing.ok) return reply;
  return toCreated(existing.value, input, "get_order");
}

/** `POST /v3/transaction-enquiry` by invoice id: every attempt and refund of the order (§3). */
export async function enquire(
  settings: NimbblSettings,
  orderId: string,
  io: GatewayIO,
): Promise<Result<NimbblEnquiryResponse, ProxyError>> {
  const reply = await nimbblRequest(settings, io, {
    operation: "transaction_enquiry",
    method: "POST",
    path: "/v3/transaction-enquiry",
    body: { invoice_id: orderId },
    read: true,
  });
  if (!reply.ok) return reply;
  const parsed = NimbblEnquiryResponseSchema().safeParse(reply.value);
  return parsed.success ? ok(parsed.data) : err(badResponse("transaction_enquiry", "shape"));
}

export async function fetchNimbblStatus(
  settings: NimbblSettings,
  orderId: string,
  io: GatewayIO,
): Promise<Result<StatusSnapshot, ProxyError>> {
  const enquiry = await enquire(settings, orderId, io);
  return enquiry.ok ? ok(snapshotFromEnquiry(enquiry.value)) : enquiry;
}

export async function refundNimbbl(
  settings: NimbblSettings,
  input: RefundInput,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const currency = checkCurrency(input.amount);
  if (!currency.ok) return currency;
  // A JSON number, as refund-a-payment-v-3 types it (§9) and the PHP SDK sends it: built from the exact decimal text,
  // so `JSON.stringify` writes back exactly the paise given (2550 → `25.5`); checked, never assumed.
  const refundAmount = toMajorNumber(input.amount);
  const exact = fromMajor(refundAmount, input.amount.currency);
  if (!exact.ok || exact.value.minor !== input.amount.minor) {
    return err(fieldError("amount", "too large for Nimbbl"));
  }
  const reply = await nimbblRequest(settings, io, {
    operation: "refund",
    method: "POST",
    path: "/v3/refund",
    body: { invoice_id: input.orderId, refund_amount: refundAmount, refund_request_id: input.gatewayRefundId },
  });
  if (!reply.ok) {
    if (reply.error.reason !== "gateway_rejected") return reply;
    // Nimbbl refuses a second refund with the same `refund_request_id` (§3): if an entry still names it, that is
    // this refund (the id is only tolerated in entries; without it the refusal stands).
    const known = await nimbblRefundStatus(settings, input, io);
    return known.ok ? known : reply;
  }
  const parsed = NimbblRefundResponseSchema().safeParse(reply.value);
  if (!parsed.success) return err(badResponse("refund", "shape"));
  const gatewayStatus = parsed.data.refund_status ?? parsed.data.status ?? "";
  return ok({
    gatewayRefundId: input.gatewayRefundId,
    // The refund's own transaction id: how it is found among the order's enquiry entries later (§9).
    gatewayRefundRef: parsed.data.transaction_id,
    status: mapRefundStatus(gatewayStatus),
    gatewayStatus,
    amount: input.amount,
  });
}

/**
 * The refund among the order's enquiry entries (§9): by its own transaction id kept from the create answer, or,
 * without one, by a `refund_request_id` an entry may carry (undocumented, tolerated). Not listed: `gateway_not_found`,
 * which keeps the refund pending and reserved — never failed.
 */
export async function nimbblRefundStatus(
  settings: NimbblSettings,
  lookup: RefundLookup,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const enquiry = await enquire(settings, lookup.orderId, io);
  if (!enquiry.ok) return enquiry;
  const ref = lookup.gatewayRefundRef;
  // `refundHints` keeps the refund entries in order, so an entry's index is its hint's.
  const listed = entries(enquiry.value).filter((t) => isRefundType(t.transaction_type));
  const at = listed.findIndex((t) =>
    ref ? t.nimbbl_transaction_id === ref : t.refund_request_id === lookup.gatewayRefundId,
  );
  const found = refundHints(enquiry.value)[at];
  if (!found) return err(proxyError("gateway_not_found", { detail: "no refund with this id at the gateway" }));
  return ok({ ...found, gatewayRefundId: lookup.gatewayRefundId });
}
