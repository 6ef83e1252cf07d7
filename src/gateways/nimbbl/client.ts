/**
 * Authenticated calls to the Nimbbl v3 API (nimbbl.md §3, §5): `Authorization: Bearer <merchant token>` and JSON.
 * A 401/403 drops the token and the call is sent once more with a fresh one: the gateway refused it before doing
 * anything, so even a create or a refund is safe to repeat. An `{error: …}` body is a refusal whatever the HTTP
 * status, because Nimbbl returns such bodies with a 2xx too (§5: "check both").
 *
 * Orders (§3): create-order, get-order and the transaction enquiry that confirms every status. `next_action` is
 * always `{type: "sdk"}`: Nimbbl's v3 API returns no hosted-checkout URL, only the order token (scoped to one order,
 * 20 minutes, safe for the browser [D4]) that the merchant's page hands to Nimbbl's checkout SDK together with
 * Nimbbl's order id.
 *
 * Refunds (§3): `POST /v3/refund` with checkpost's deterministic `refund_request_id`, and the refund's status from
 * the transaction enquiry (no v3 refund-enquiry endpoint exists). `refund_request_id` is Nimbbl's only idempotency
 * hook: it refuses a second refund with the same id while the first is pending or succeeded. So a refusal is
 * answered by looking that id up: if the refund exists, it is this one, and a retry returns it instead of an error;
 * a timeout is never resolved by sending again blindly. Nothing here touches storage (the token cache aside).
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { gatewayCodeDetail } from "../../core/gateway-code";
import { CURRENCY_EXPONENTS, fromMajor, toMajorNumber, toMajorString, type Money } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import { callGateway, type GatewayReply } from "../http";
import type { CreateOrderInput, CreatedOrder, GatewayIO, RefundInput, RefundLookup, StatusSnapshot } from "../types";
import type { Customer, RefundHint } from "../../core/model";
import type { NimbblSettings } from "./config";
import { isRefundType, mapRefundStatus, refundHint, snapshotFromEnquiry } from "./map";
import { dropToken, getToken } from "./token";
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
  const parsed = NimbblErrorBodySchema.safeParse(body);
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
    const code = nimbblErrorCode(reply.value.body);
    if (code !== null) {
      io.log.warn("nimbbl answered an error body", { operation: call.operation, gateway_code: code });
      return err(
        proxyError("gateway_rejected", {
          ...gatewayCodeDetail(code),
          log: { gateway: "nimbbl", operation: call.operation, gateway_code: code.slice(0, 100) },
        }),
      );
    }
    return ok(reply.value.body);
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

/** `user` for create-order: the name split at its first space; a `+91` prefix moved to `country_code` (§3). */
export function nimbblUser(customer: Customer | null): Record<string, string> | null {
  if (!customer) return null;
  const user: Record<string, string> = {};
  if (customer.email) user["email"] = customer.email;
  if (customer.name) {
    const [first, ...rest] = customer.name.trim().split(/\s+/);
    user["first_name"] = first ?? customer.name;
    if (rest.length) user["last_name"] = rest.join(" ");
  }
  if (customer.phone) {
    const indian = /^(?:\+91)?([0-9]{10})$/.exec(customer.phone);
    if (indian?.[1]) {
      user["country_code"] = "+91";
      user["mobile_number"] = indian[1];
    } else {
      user["mobile_number"] = customer.phone.replace(/^\+/, "");
    }
  }
  return Object.keys(user).length ? user : null;
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
  const parsed = NimbblOrderResponseSchema.safeParse(body);
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
  const user = nimbblUser(input.customer);
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
  const parsed = NimbblEnquiryResponseSchema.safeParse(reply.value);
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
  const reply = await nimbblRequest(settings, io, {
    operation: "refund",
    method: "POST",
    path: "/v3/refund",
    body: {
      invoice_id: input.orderId,
      // Exactly two decimals as text ("12.50"): the amount never passes through a float.
      refund_amount: toMajorString(input.amount),
      refund_request_id: input.gatewayRefundId,
    },
  });
  if (!reply.ok) {
    if (reply.error.reason !== "gateway_rejected") return reply;
    const known = await nimbblRefundStatus(
      settings,
      { orderId: input.orderId, gatewayRefundId: input.gatewayRefundId },
      io,
    );
    return known.ok ? known : reply;
  }
  const parsed = NimbblRefundResponseSchema.safeParse(reply.value);
  if (!parsed.success) {
    return err(proxyError("gateway_bad_response", { log: { gateway: "nimbbl", operation: "refund", check: "shape" } }));
  }
  const amount =
    parsed.data.refund_amount === undefined ? null : fromMajor(parsed.data.refund_amount, input.amount.currency);
  return ok({
    gatewayRefundId: parsed.data.refund_request_id ?? input.gatewayRefundId,
    gatewayRefundRef: parsed.data.transaction_id,
    status: mapRefundStatus(parsed.data.refund_status),
    gatewayStatus: parsed.data.refund_status,
    amount: amount?.ok ? amount.value : input.amount,
  });
}

/** The refund with this `refund_request_id` among the order's transactions, or `gateway_not_found`. */
export async function nimbblRefundStatus(
  settings: NimbblSettings,
  lookup: RefundLookup,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const enquiry = await enquire(settings, lookup.orderId, io);
  if (!enquiry.ok) return enquiry;
  const found = (enquiry.value.transaction ?? []).find(
    (t) => isRefundType(t.transaction_type) && t.refund_request_id === lookup.gatewayRefundId,
  );
  if (!found) return err(proxyError("gateway_not_found", { detail: "no refund with this id at the gateway" }));
  const order = enquiry.value.order;
  return ok(refundHint(found, order.refund_details?.refundable_currency ?? order.currency));
}
