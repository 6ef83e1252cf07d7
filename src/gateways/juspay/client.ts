/**
 * Juspay's server-to-server API (juspay.md §2, §4-§6): the raw calls, then the operations the bound
 * gateway and Juspay's own routes use (status, session, refund, refund status). Every call goes through `callGateway`
 * (timeouts, error mapping) and its answer through a zod schema; nothing here touches storage.
 *
 * Headers on every call: `Authorization: Basic base64(API_KEY + ":")` (the documented form; §2), `x-merchantid`,
 * the pinned `version`, `x-routing-id` and, when the customer is known, `x-customerid` (§2, PHP SDK). Juspay asks
 * for "the same x-routing-id for all requests tied to the same customer": every call of one order (session, status,
 * update, refund, refund status) is routed by the order's customer id when it has one, else by the order id
 * (`routeOf`). Mandate calls: the customer id when the caller gives it, else the mandate id.
 *
 * `JUSPAY_AUTH_MODE=jose` (§8, §12): a call that declares its `/v4` form (`v4` on `JuspayCall`: order status, session,
 * refund) goes there sealed (jose.ts) without Authorization; the others use Basic when `JUSPAY_API_KEY` is set, else
 * answer `404 gateway_not_configured` naming it (`wireOf`).
 */
import type * as z from "zod/mini";
import { toBase64, utf8 } from "../../core/crypto";
import { proxyError, type ProxyError, fieldError } from "../../core/errors";
import { toMajorString } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import { callGateway } from "../http";
import type {
  CreateOrderInput,
  CreatedOrder,
  GatewayIO,
  OrderFacts,
  RefundInput,
  RefundLookup,
  StatusSnapshot,
} from "../types";
import type { JsonValue, RefundHint } from "../../core/model";
import type { JuspaySettings } from "./config";
import { joseKeys, openJuspayAnswer, sealJuspayRequest, type JoseKeys } from "./jose";
import { mandateSessionFields, orderCurrency, toRefundHint, toSnapshot } from "./map";
import {
  JuspayErrorSchema,
  JuspayMandateListSchema,
  JuspayOrderSchema,
  JuspayRevokeResponseSchema,
  JuspaySessionResponseSchema,
  JuspayUpdateResponseSchema,
  UNIQUE_REQUEST_ID,
  type JuspayOrder,
} from "./wire";

type Body =
  { readonly form: Readonly<Record<string, string>> } | { readonly json: Readonly<Record<string, JsonValue>> };

/** What a call is routed by: `x-routing-id`, and `x-customerid` when the customer is known. */
export interface JuspayRoute {
  readonly routingId: string;
  readonly customerId: string | null;
}

/** One routing id per order: its customer id when it has one (Juspay's recommendation), else the order id (§2). */
export function routeOf(orderId: string, customerId: string | null | undefined): JuspayRoute {
  return customerId ? { routingId: customerId, customerId } : { routingId: orderId, customerId: null };
}

/** A call's `/v4` form in `jose` mode (juspay.md §8, §12): always a POST with a JSON body, sent sealed (jose.ts). */
export interface JuspayV4 {
  readonly path: string;
  readonly body: Readonly<Record<string, JsonValue>>;
}

export interface JuspayCall<S extends z.ZodMiniType> {
  readonly operation: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly route: JuspayRoute;
  readonly schema: S;
  readonly body?: Body;
  /** Set by calls Juspay has a JOSE endpoint for; in `jose` mode they go there instead of `path`. */
  readonly v4?: JuspayV4;
}

function errorCode(body: unknown): string | null {
  const parsed = JuspayErrorSchema().safeParse(body);
  return parsed.success ? (parsed.data.error_code ?? null) : null;
}

interface Wire {
  readonly path: string;
  readonly method: "GET" | "POST";
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly keys?: JoseKeys;
}

/**
 * How a call goes on the wire. Basic mode: `path`, Basic auth, form or JSON body. `jose` mode, for a call with a
 * `/v4` form: that path, the sealed JSON body, no Authorization (Node and .NET send none; juspay.md §12). `jose` mode
 * for a call without one (update order, mandates, capture / void): Basic, as PHP's `makeServiceCall` always adds
 * it, when `JUSPAY_API_KEY` is set too; otherwise `gateway_not_configured` before anything is sent.
 */
async function wireOf<S extends z.ZodMiniType>(
  settings: JuspaySettings,
  call: JuspayCall<S>,
): Promise<Result<Wire, ProxyError>> {
  const headers: Record<string, string> = {
    "x-merchantid": settings.merchantId,
    version: settings.apiVersion,
    "x-routing-id": call.route.routingId,
    ...(call.route.customerId ? { "x-customerid": call.route.customerId } : {}),
    accept: "application/json",
  };
  const jose = settings.jose;
  if (jose && call.v4) {
    const keys = await joseKeys(jose);
    if (!keys) {
      const detail = "JUSPAY_JWT_PRIVATE_KEY or JUSPAY_JWT_PUBLIC_KEY cannot be imported as an RSA key";
      return err(proxyError("gateway_not_configured", { detail }));
    }
    headers["content-type"] = "application/json";
    const body = await sealJuspayRequest(jose.keyId, keys, JSON.stringify(call.v4.body));
    return ok({ path: call.v4.path, method: "POST", headers, body, keys });
  }
  if (!settings.apiKey) {
    const detail = `JUSPAY_API_KEY is not set: Juspay's ${call.operation} has no JOSE (/v4) form, so it needs Basic auth`;
    return err(proxyError("gateway_not_configured", { detail }));
  }
  headers["authorization"] = `Basic ${toBase64(utf8(`${settings.apiKey}:`))}`;
  const b = call.body;
  if (!b) return ok({ path: call.path, method: call.method, headers });
  const form = "form" in b;
  headers["content-type"] = form ? "application/x-www-form-urlencoded" : "application/json";
  const body = form ? new URLSearchParams(b.form).toString() : JSON.stringify(b.json);
  return ok({ path: call.path, method: call.method, headers, body });
}

export async function juspayCall<S extends z.ZodMiniType>(
  settings: JuspaySettings,
  io: GatewayIO,
  call: JuspayCall<S>,
): Promise<Result<z.infer<S>, ProxyError>> {
  const wire = await wireOf(settings, call);
  if (!wire.ok) return wire;
  const { path, method, headers, body, keys } = wire.value;
  const reply = await callGateway(io, {
    gateway: "juspay",
    operation: call.operation,
    method,
    url: `${settings.baseUrl}${path}`,
    headers,
    ...(body !== undefined ? { body } : {}),
    // Reads are safe to send twice (order status stays a read as `POST /v4/order-status`); the other POSTs
    // (session, update, refund, revoke) are not.
    idempotent: call.method === "GET",
    errorCode,
  });
  if (!reply.ok) return reply;
  const log = { gateway: "juspay", operation: call.operation };
  let answer = reply.value.body;
  if (keys) {
    // A 2xx that is not a valid envelope changes nothing: the caller sees an unusable answer (jose.ts).
    answer = await openJuspayAnswer(keys, answer);
    if (answer === null) {
      io.log.warn("unusable JOSE answer", log);
      return err(proxyError("gateway_bad_response", { log: { ...log, cause: "jose" } }));
    }
  }
  const parsed = call.schema.safeParse(answer);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".")).join(",");
    io.log.warn("unexpected gateway answer", { ...log, fields });
    return err(proxyError("gateway_bad_response", { log: { ...log, fields } }));
  }
  return ok(parsed.data);
}

const seg = encodeURIComponent;

/** `GET /orders/{order_id}` (§4). */
export function getOrderStatus(settings: JuspaySettings, io: GatewayIO, orderId: string, facts?: OrderFacts) {
  return juspayCall(settings, io, {
    operation: "order_status",
    method: "GET",
    path: `/orders/${seg(orderId)}`,
    route: routeOf(orderId, facts?.customerId),
    schema: JuspayOrderSchema(),
    // PHP `Order::encryptedOrderStatus`, .NET `OrderService.EncryptedOrderStatus`: `{order_id}`.
    v4: { path: "/v4/order-status", body: { order_id: orderId } },
  });
}

/** `POST /session` (§5), JSON. Creates the order and returns the payment link and the SDK payload. */
export function createSession(
  settings: JuspaySettings,
  io: GatewayIO,
  body: Readonly<Record<string, JsonValue>>,
  route: JuspayRoute,
) {
  return juspayCall(settings, io, {
    operation: "session",
    method: "POST",
    path: "/session",
    route,
    schema: JuspaySessionResponseSchema(),
    body: { json: body },
    v4: { path: "/v4/session", body },
  });
}

/** `POST /orders/{order_id}` (Update Order, §5), form-encoded: amount in rupees and UDFs. */
export function updateOrder(
  settings: JuspaySettings,
  io: GatewayIO,
  orderId: string,
  fields: Readonly<Record<string, string>>,
  facts?: OrderFacts,
) {
  return juspayCall(settings, io, {
    operation: "update_order",
    method: "POST",
    path: `/orders/${seg(orderId)}`,
    route: routeOf(orderId, facts?.customerId),
    schema: JuspayUpdateResponseSchema(),
    body: { form: fields },
  });
}

/** `POST /orders/{order_id}/refunds` (§5), form-encoded. Answers with the order, the new refund in `refunds[]`. */
export function createRefund(settings: JuspaySettings, io: GatewayIO, input: RefundInput) {
  const form = { unique_request_id: input.gatewayRefundId, amount: toMajorString(input.amount) };
  const path = `/orders/${seg(input.orderId)}/refunds`;
  return juspayCall(settings, io, {
    operation: "refund",
    method: "POST",
    path,
    route: routeOf(input.orderId, input.customerId),
    schema: JuspayOrderSchema(),
    body: { form },
    // JOSE: the same fields as JSON strings (the form's exact values: amount stays "25.50", never a number), plus
    // `order_id`, as PHP `Order::refund` sends all its params (`/v4/orders/{id}/refunds`; juspay.md §12).
    v4: { path: `/v4${path}`, body: { order_id: input.orderId, ...form } },
  });
}

/** `GET /customers/{customer_id}/mandates` (§6): includes revoked, expired and failed mandates. */
export function listMandates(settings: JuspaySettings, io: GatewayIO, customerId: string) {
  return juspayCall(settings, io, {
    operation: "list_mandates",
    method: "GET",
    path: `/customers/${seg(customerId)}/mandates`,
    route: { routingId: customerId, customerId },
    schema: JuspayMandateListSchema(),
  });
}

/** `POST /mandates/{mandate_id}` with `command=revoke` (§6); routed by the customer id when the caller gives it. */
export function revokeMandate(
  settings: JuspaySettings,
  io: GatewayIO,
  mandateId: string,
  customerId: string | null | undefined,
) {
  return juspayCall(settings, io, {
    operation: "revoke_mandate",
    method: "POST",
    path: `/mandates/${seg(mandateId)}`,
    route: routeOf(mandateId, customerId),
    schema: JuspayRevokeResponseSchema(),
    body: { form: { command: "revoke" } },
  });
}

/** Order Status (§4) as a snapshot; NOT_FOUND is `gateway_not_found`. */
export async function fetchJuspayStatus(
  settings: JuspaySettings,
  io: GatewayIO,
  orderId: string,
  facts?: OrderFacts,
): Promise<Result<StatusSnapshot, ProxyError>> {
  const order = await getOrderStatus(settings, io, orderId, facts);
  return order.ok ? toSnapshot(order.value) : order;
}

/** Splits "First Last name" the way Juspay's `first_name` / `last_name` want it. */
function nameParts(name: string | undefined): Record<string, string> {
  if (!name) return {};
  const [first, ...rest] = name.trim().split(/\s+/);
  return { ...(first ? { first_name: first } : {}), ...(rest.length ? { last_name: rest.join(" ") } : {}) };
}

/**
 * Session API (§5). The return URL is `PUBLIC_BASE_URL/return/juspay` exactly: Juspay appends `order_id`, `status`,
 * `status_id` and the signature itself. Merchant metadata keys `udf1`…`udf10` become Juspay UDFs; other metadata
 * stays in checkpost. `expire_after_seconds` is not sent (the spec documents no session expiry field).
 */
export async function createJuspayOrder(
  settings: JuspaySettings,
  input: CreateOrderInput,
  io: GatewayIO,
): Promise<Result<CreatedOrder, ProxyError>> {
  if (!settings.paymentPageClientId) {
    return err(proxyError("gateway_not_configured", { detail: "JUSPAY_PAYMENT_PAGE_CLIENT_ID is not set" }));
  }
  const customer = input.customer;
  const udfs = Object.entries(input.metadata ?? {}).filter(([k]) => /^udf([1-9]|10)$/.test(k));
  const body: Record<string, JsonValue> = {
    order_id: input.orderId,
    amount: toMajorString(input.amount),
    currency: input.amount.currency,
    payment_page_client_id: settings.paymentPageClientId,
    action: "paymentPage",
    return_url: input.returnUrl.toString(),
    ...(customer?.id ? { customer_id: customer.id } : {}),
    ...(customer?.email ? { customer_email: customer.email } : {}),
    ...(customer?.phone ? { customer_phone: customer.phone } : {}),
    ...nameParts(customer?.name),
    ...(input.description ? { description: input.description } : {}),
    ...Object.fromEntries(udfs),
    ...(input.mandate ? mandateSessionFields(input.mandate, input.amount) : {}),
  };
  const session = await createSession(settings, io, body, routeOf(input.orderId, customer?.id));
  if (!session.ok) return session;
  const answer = session.value;
  const bad = (field: string) =>
    err(proxyError("gateway_bad_response", { log: { gateway: "juspay", operation: "session", field } }));
  if (answer.order_id !== input.orderId) return bad("order_id");
  let nextAction: CreatedOrder["nextAction"];
  if (input.sdk) {
    if (!answer.sdk_payload) return bad("sdk_payload");
    // Parsed from the answer's JSON, so JSON throughout (wire.ts).
    nextAction = { type: "sdk", payload: answer.sdk_payload as Record<string, JsonValue> };
  } else {
    const url = answer.payment_links?.web;
    if (!url || !/^https?:\/\//i.test(url)) return bad("payment_links.web");
    nextAction = { type: "redirect", url };
  }
  const expiry = answer.payment_links?.expiry ? Date.parse(answer.payment_links.expiry) : NaN;
  return ok({
    gatewayOrderRef: answer.id ?? null,
    gatewayStatus: answer.status ?? "NEW",
    nextAction,
    expiresAt: Number.isFinite(expiry) ? expiry : null,
  });
}

function findRefund(order: JuspayOrder, uniqueRequestId: string): RefundHint | null {
  const entry = (order.refunds ?? []).find((r) => r.unique_request_id === uniqueRequestId);
  return entry ? toRefundHint(entry, orderCurrency(order)) : null;
}

/**
 * Refund (§5). `unique_request_id` is validated, never derived here (the caller derives it deterministically). The
 * answer is the order with the new entry in `refunds[]`, initially PENDING.
 */
export async function refundJuspay(
  settings: JuspaySettings,
  input: RefundInput,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  if (!UNIQUE_REQUEST_ID.test(input.gatewayRefundId)) {
    return err(fieldError("refund_id", "Juspay needs 1-20 characters of A-Z a-z 0-9"));
  }
  if (input.amount.minor <= 0) {
    return err(fieldError("amount", "must be positive"));
  }
  const order = await createRefund(settings, io, input);
  if (!order.ok) return order;
  const hint = findRefund(order.value, input.gatewayRefundId);
  if (hint) return ok(hint);
  // Accepted (2xx) but not listed: Juspay queues refunds as PENDING (§5); the status call will tell the rest.
  io.log.warn("refund accepted without its refunds[] entry", { gateway: "juspay", order_id: input.orderId });
  return ok({
    gatewayRefundId: input.gatewayRefundId,
    gatewayRefundRef: null,
    status: "pending",
    gatewayStatus: "PENDING",
    amount: input.amount,
  });
}

/** A refund's state is read from the order's `refunds[]` (§4). */
export async function refundStatusJuspay(
  settings: JuspaySettings,
  input: RefundLookup,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const order = await getOrderStatus(settings, io, input.orderId, input);
  if (!order.ok) return order;
  if (order.value.status === "NOT_FOUND") return err(proxyError("gateway_not_found"));
  const hint = findRefund(order.value, input.gatewayRefundId);
  return hint ? ok(hint) : err(proxyError("gateway_not_found", { detail: "Juspay lists no refund with this id" }));
}
