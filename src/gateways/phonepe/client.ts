/**
 * PhonePe's PG API server-to-server: the transport, then the operations the bound gateway calls. No storage here: the
 * order's Durable Object records what these return.
 *
 * Transport: `Authorization: O-Bearer <token>` on every call (phonepe.md §1), JSON bodies, PhonePe's
 * error bodies read as `errorCode ?? code` (§6), and one retry with a fresh token after a 401, as SDK 2.0.6's
 * `executeWithRetry` does. A 401 means PhonePe refused the request before acting on it, so the retry cannot
 * duplicate a payment or a refund. Nothing else is retried here: a timeout or 5xx on pay or refund is ambiguous,
 * and only the caller can resolve it (by asking for the status of the same id, phonepe.md §4 "Proxy rule").
 *
 * The `x-source*` headers the SDK adds are left out: the docs' own samples omit them (phonepe.md §8, open question 5).
 *
 * Operations: create payment (`/checkout/v2/pay`, or `/checkout/v2/sdk/order` for the mobile SDKs) and Order Status
 * (`/checkout/v2/order/{merchantOrderId}/status`), phonepe.md §2–§3; Refund (`POST /payments/v2/refund`) and Refund
 * Status (`GET /payments/v2/refund/{merchantRefundId}/status`), §4. The caller persists `merchantRefundId` before the
 * POST and, after a timeout or 5xx, asks for its status instead of posting again; nothing here retries (a 401
 * excepted).
 */
import type * as z from "zod/mini";
import { fieldError, proxyError, type FieldIssue, type ProxyError } from "../../core/errors";
import { err, ok, type Result } from "../../core/result";
import { callGateway, type GatewayReply } from "../http";
import type { CreateOrderInput, CreatedOrder, GatewayIO, RefundInput, RefundLookup, StatusSnapshot } from "../types";
import type { JsonValue, RefundHint } from "../../core/model";
import { mapOrderState, paiseToMoney, refundHint, statusDetails } from "./map";
import type { TokenSource } from "./token";
import {
  ID_RULE,
  PHONEPE_EXPIRE_AFTER,
  PHONEPE_ID_PATTERN,
  PHONEPE_MIN_AMOUNT,
  phonepeErrorCode,
  PhonePeOrderStatusSchema,
  PhonePePayResponseSchema,
  PhonePeRefundResponseSchema,
  PhonePeRefundStatusSchema,
  PhonePeSdkOrderResponseSchema,
} from "./wire";

export interface PhonePeClient {
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  readonly timeoutMs?: number | undefined;
}

export interface PgRequest {
  readonly operation: string;
  readonly method: "GET" | "POST";
  /** Path below the PG base URL, ids already validated and encoded. */
  readonly path: string;
  readonly body?: unknown;
}

export async function pgCall(
  client: PhonePeClient,
  io: GatewayIO,
  request: PgRequest,
): Promise<Result<GatewayReply, ProxyError>> {
  const token = await client.tokens.get(io);
  if (!token.ok) return token;
  const first = await send(client, io, request, token.value);
  if (first.ok || !isUnauthorized(first.error)) return first;
  io.log.info("phonepe refused the access token, retrying once with a fresh one", { operation: request.operation });
  const fresh = await client.tokens.refresh(io, token.value);
  if (!fresh.ok) return fresh;
  return send(client, io, request, fresh.value);
}

/** `pgCall`, then the reply validated against its schema; a reply of another shape is `gateway_bad_response`. */
export async function pgRead<T>(
  client: PhonePeClient,
  io: GatewayIO,
  request: PgRequest,
  schema: z.ZodMiniType<T>,
): Promise<Result<T, ProxyError>> {
  const reply = await pgCall(client, io, request);
  if (!reply.ok) return reply;
  const parsed = schema.safeParse(reply.value.body);
  if (!parsed.success) {
    const log = { gateway: "phonepe", operation: request.operation, cause: "shape" };
    return err(proxyError("gateway_bad_response", { log }));
  }
  return ok(parsed.data);
}

function isUnauthorized(error: ProxyError): boolean {
  return error.reason === "gateway_auth_failed" && error.log?.["http_status"] === 401;
}

function send(
  client: PhonePeClient,
  io: GatewayIO,
  request: PgRequest,
  token: string,
): Promise<Result<GatewayReply, ProxyError>> {
  const headers: Record<string, string> = { accept: "application/json", authorization: `O-Bearer ${token}` };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  return callGateway(io, {
    gateway: "phonepe",
    operation: request.operation,
    method: request.method,
    url: `${client.baseUrl}${request.path}`,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    // Status reads are safe to send twice; pay and refund are not.
    idempotent: request.method === "GET",
    errorCode: phonepeErrorCode,
    ...(client.timeoutMs !== undefined ? { timeoutMs: client.timeoutMs } : {}),
  });
}

/** `udf1`–`udf10`: up to 256 characters of anything; `udf11`–`udf15`: up to 50 of `[A-Za-z0-9_\-+@.]` (§2 table). */
const UDF_FREE = /^udf([1-9]|10)$/;
const UDF_RESTRICTED = /^udf1[1-5]$/;
const UDF_RESTRICTED_VALUE = /^[A-Za-z0-9_\-+@.]{0,50}$/;

/**
 * `metaInfo` from the order's metadata: only the `udf1`–`udf15` keys PhonePe knows (it echoes them back and refuses
 * renamed keys); other metadata stays with checkpost. A udf value PhonePe would refuse is a 400 naming the key.
 * The rule is the docs' (no space in `udf11`–`udf15`), stricter than SDK 2.0.6's pattern, which also allows one.
 */
export function metaInfo(
  metadata: Readonly<Record<string, string>> | null,
): Result<Record<string, string> | null, ProxyError> {
  const out: Record<string, string> = {};
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (UDF_FREE.test(key)) {
      if ([...value].length > 256) issues.push({ path: `metadata.${key}`, message: "at most 256 characters" });
      else out[key] = value;
    } else if (UDF_RESTRICTED.test(key)) {
      if (!UDF_RESTRICTED_VALUE.test(value)) {
        issues.push({ path: `metadata.${key}`, message: "at most 50 characters of A-Z a-z 0-9 _ - + @ ." });
      } else out[key] = value;
    }
  }
  if (issues.length) return err(proxyError("validation_failed", { fields: issues }));
  return ok(Object.keys(out).length ? out : null);
}

/** The pay / SDK-order body (phonepe.md §2), or why PhonePe would refuse it. Undefined fields are left out. */
export function payRequest(input: CreateOrderInput): Result<Record<string, JsonValue>, ProxyError> {
  // The route checks first (`needsReturnToken`); without the token the customer's return could never verify.
  if (input.returnToken === null) return err(proxyError("gateway_not_configured", { detail: "no return token" }));
  if (input.amount.currency !== "INR") {
    return err(proxyError("currency_unsupported", { detail: "PhonePe takes INR only" }));
  }
  if (!PHONEPE_ID_PATTERN.test(input.orderId)) return err(fieldError("order_id", ID_RULE));
  if (input.amount.minor < PHONEPE_MIN_AMOUNT) return err(fieldError("amount", "PhonePe's minimum is 100 paise"));
  const expire = input.expireAfterSeconds;
  if (expire !== null && (expire < PHONEPE_EXPIRE_AFTER.min || expire > PHONEPE_EXPIRE_AFTER.max)) {
    // Refused rather than clamped: a silently shorter payment window would surprise the merchant.
    return err(fieldError("expire_after_seconds", "PhonePe accepts 300 to 3600 seconds"));
  }
  const meta = metaInfo(input.metadata);
  if (!meta.ok) return meta;
  const redirectUrl = new URL(input.returnUrl);
  redirectUrl.searchParams.set("order_id", input.orderId);
  redirectUrl.searchParams.set("t", input.returnToken);
  const flow: Record<string, JsonValue> = { type: "PG_CHECKOUT" };
  if (input.description) flow["message"] = input.description;
  flow["merchantUrls"] = { redirectUrl: redirectUrl.toString() };
  return ok({
    merchantOrderId: input.orderId,
    amount: input.amount.minor,
    ...(meta.value ? { metaInfo: meta.value } : {}),
    ...(expire !== null ? { expireAfter: expire } : {}),
    paymentFlow: flow,
  });
}

export async function createOrder(
  client: PhonePeClient,
  input: CreateOrderInput,
  io: GatewayIO,
): Promise<Result<CreatedOrder, ProxyError>> {
  const body = payRequest(input);
  if (!body.ok) return body;
  if (input.sdk) {
    const path = "/checkout/v2/sdk/order";
    const sdk = await pgRead(
      client,
      io,
      { operation: "sdk_order", method: "POST", path, body: body.value },
      PhonePeSdkOrderResponseSchema(),
    );
    if (!sdk.ok) return sdk;
    const payload: Record<string, JsonValue> = {
      orderId: sdk.value.orderId,
      token: sdk.value.token,
      merchantOrderId: input.orderId,
      state: sdk.value.state,
    };
    if (sdk.value.expireAt !== undefined) payload["expireAt"] = sdk.value.expireAt;
    return ok({
      gatewayOrderRef: sdk.value.orderId,
      gatewayStatus: sdk.value.state,
      nextAction: { type: "sdk", payload },
      expiresAt: sdk.value.expireAt ?? null,
    });
  }
  const path = "/checkout/v2/pay";
  const pay = await pgRead(
    client,
    io,
    { operation: "pay", method: "POST", path, body: body.value },
    PhonePePayResponseSchema(),
  );
  if (!pay.ok) return pay;
  return ok({
    gatewayOrderRef: pay.value.orderId,
    gatewayStatus: pay.value.state,
    nextAction: { type: "redirect", url: pay.value.redirectUrl },
    expiresAt: pay.value.expireAt ?? null,
  });
}

/**
 * Order Status with `details=false` (the latest attempt only), sent once: the SDK's duplicated query is an artefact
 * (phonepe.md §3). The id is validated and then encoded anyway, unlike the SDK, whose `String.replace` let
 * `MO/with space?&#` escape into the path, query and fragment.
 */
export async function fetchStatus(
  client: PhonePeClient,
  orderId: string,
  io: GatewayIO,
): Promise<Result<StatusSnapshot, ProxyError>> {
  if (!PHONEPE_ID_PATTERN.test(orderId)) return err(fieldError("order_id", ID_RULE));
  const path = `/checkout/v2/order/${encodeURIComponent(orderId)}/status?details=false`;
  const status = await pgRead(
    client,
    io,
    { operation: "order_status", method: "GET", path },
    PhonePeOrderStatusSchema(),
  );
  if (!status.ok) return status;
  const amount = paiseToMoney(status.value.amount);
  return ok({
    // The answer names the order when it carries `merchantOrderId`; a different one is caught as `order_mismatch`.
    orderId: status.value.merchantOrderId ?? orderId,
    gatewayStatus: status.value.state,
    status: mapOrderState(status.value.state),
    amount,
    // Given, but not whole paise (`100.5`, a string): never settles the order (product.md §3 `amount_unreadable`).
    ...(amount === null && status.value.amount != null ? { amountUnreadable: true } : {}),
    gatewayOrderRef: status.value.orderId ?? null,
    details: statusDetails(status.value),
    refunds: [],
  });
}

/**
 * `merchantRefundId` is documented as at most 63 characters and unique; checkpost mints it, and holds it to the
 * order-id charset too, since it goes into a URL path on the status call.
 */
function checkIds(orderId: string, refundId: string): ProxyError | null {
  if (!PHONEPE_ID_PATTERN.test(orderId)) return fieldError("order_id", ID_RULE);
  if (!PHONEPE_ID_PATTERN.test(refundId)) return fieldError("refund_id", ID_RULE);
  return null;
}

export async function refund(
  client: PhonePeClient,
  input: RefundInput,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const invalid = checkIds(input.orderId, input.gatewayRefundId);
  if (invalid) return err(invalid);
  if (input.amount.currency !== "INR")
    return err(proxyError("currency_unsupported", { detail: "PhonePe takes INR only" }));
  if (input.amount.minor < 1) return err(fieldError("amount", "must be at least 1 paisa"));
  const body = {
    merchantRefundId: input.gatewayRefundId,
    originalMerchantOrderId: input.orderId,
    amount: input.amount.minor,
  };
  const path = "/payments/v2/refund";
  const created = await pgRead(
    client,
    io,
    { operation: "refund", method: "POST", path, body },
    PhonePeRefundResponseSchema(),
  );
  if (!created.ok) return created;
  return ok(refundHint(created.value, input.gatewayRefundId));
}

/**
 * A refund to look up may be one checkpost did not mint (a dashboard refund named by a callback, whose
 * `merchantRefundId` PhonePe or the merchant chose): only the documented 63-character limit applies, the id is
 * path-encoded, and the dot segments `.` / `..` (which encoding leaves alone) are refused.
 */
function checkLookupId(refundId: string): ProxyError | null {
  if (refundId.length < 1 || refundId.length > 63 || refundId === "." || refundId === "..") {
    return fieldError("refund_id", "1-63 characters");
  }
  return null;
}

export async function refundStatus(
  client: PhonePeClient,
  lookup: RefundLookup,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const invalid = PHONEPE_ID_PATTERN.test(lookup.orderId)
    ? checkLookupId(lookup.gatewayRefundId)
    : fieldError("order_id", ID_RULE);
  if (invalid) return err(invalid);
  const path = `/payments/v2/refund/${encodeURIComponent(lookup.gatewayRefundId)}/status`;
  const status = await pgRead(
    client,
    io,
    { operation: "refund_status", method: "GET", path },
    PhonePeRefundStatusSchema(),
  );
  if (!status.ok) return status;
  const { originalMerchantOrderId: orderId, merchantRefundId: refundId } = status.value;
  if ((orderId && orderId !== lookup.orderId) || (refundId && refundId !== lookup.gatewayRefundId)) {
    return err(proxyError("order_mismatch", { log: { gateway: "phonepe", operation: "refund_status" } }));
  }
  return ok(refundHint(status.value, lookup.gatewayRefundId));
}
