/**
 * Juspay with its settings bound: the `ConfiguredGateway` the generic return, webhook, order and reconciliation code
 * calls. Verification is pure (verify.ts); S2S calls go through client.ts; translation is in map.ts and events.ts.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { toMajorString } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import { parseJsonBody } from "../../core/body";
import type {
  ConfiguredGateway,
  CreateOrderInput,
  CreatedOrder,
  GatewayIO,
  RefundInput,
  RefundLookup,
  StatusSnapshot,
} from "../types";
import type { RefundHint } from "../../core/model";
import type { JsonValue } from "../../core/model";
import { createRefund, createSession, getOrderStatus } from "./client";
import type { JuspaySettings } from "./config";
import { toWebhookEvent } from "./events";
import { juspayMoney, mapJuspayStatus, orderCurrency, orderDetails, toRefundHint } from "./map";
import { verifyJuspayReturn, verifyWebhookAuth } from "./verify";
import { JuspayWebhookSchema, type JuspayOrder } from "./wire";

/** `unique_request_id`: "shorter than 21 characters" and "no special characters" (juspay.md §5). */
export const UNIQUE_REQUEST_ID = /^[A-Za-z0-9]{1,20}$/;

export function toSnapshot(order: JuspayOrder): Result<StatusSnapshot, ProxyError> {
  // NOT_FOUND (40) is "order unknown to Juspay" (§4), whatever HTTP status carried it.
  if (order.status === "NOT_FOUND") return err(proxyError("gateway_not_found", { detail: "Juspay: NOT_FOUND" }));
  const currency = orderCurrency(order);
  return ok({
    orderId: order.order_id,
    gatewayStatus: order.status,
    status: mapJuspayStatus(order.status),
    amount: juspayMoney(order.amount, currency),
    gatewayOrderRef: order.id ?? null,
    details: orderDetails(order),
    refunds: (order.refunds ?? []).map((r) => toRefundHint(r, currency)),
  });
}

export async function fetchJuspayStatus(
  settings: JuspaySettings,
  io: GatewayIO,
  orderId: string,
): Promise<Result<StatusSnapshot, ProxyError>> {
  const order = await getOrderStatus(settings, io, orderId);
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
async function createJuspayOrder(
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
  };
  const session = await createSession(settings, io, body, customer?.id ?? input.orderId);
  if (!session.ok) return session;
  const answer = session.value;
  const bad = (field: string) =>
    err(proxyError("gateway_bad_response", { log: { gateway: "juspay", operation: "session", field } }));
  if (answer.order_id !== input.orderId) return bad("order_id");
  let nextAction: CreatedOrder["nextAction"];
  if (input.sdk) {
    if (!answer.sdk_payload) return bad("sdk_payload");
    nextAction = { type: "sdk", payload: answer.sdk_payload };
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
async function refundJuspay(
  settings: JuspaySettings,
  input: RefundInput,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  if (!UNIQUE_REQUEST_ID.test(input.gatewayRefundId)) {
    return err(
      proxyError("validation_failed", {
        fields: [{ path: "refund_id", message: "Juspay needs 1-20 characters of A-Z a-z 0-9" }],
      }),
    );
  }
  if (input.amount.minor <= 0) {
    return err(proxyError("validation_failed", { fields: [{ path: "amount", message: "must be positive" }] }));
  }
  const order = await createRefund(settings, io, input.orderId, input.gatewayRefundId, toMajorString(input.amount));
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
async function refundStatusJuspay(
  settings: JuspaySettings,
  input: RefundLookup,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const order = await getOrderStatus(settings, io, input.orderId);
  if (!order.ok) return order;
  if (order.value.status === "NOT_FOUND") return err(proxyError("gateway_not_found"));
  const hint = findRefund(order.value, input.gatewayRefundId);
  return hint ? ok(hint) : err(proxyError("gateway_not_found", { detail: "Juspay lists no refund with this id" }));
}

export function juspayGateway(settings: JuspaySettings): ConfiguredGateway {
  return {
    async verifyReturn(input) {
      const verified = await verifyJuspayReturn(input, settings.responseKey);
      if (!verified.ok) return verified;
      const { orderId, status } = verified.value;
      if (!orderId) {
        return err(proxyError("validation_failed", { fields: [{ path: "order_id", message: "missing" }] }));
      }
      return ok({ orderId, gatewayStatus: status });
    },
    async verifyWebhook(raw) {
      const auth = await verifyWebhookAuth(
        raw.headers.get("authorization"),
        settings.webhookUsername,
        settings.webhookPassword,
      );
      if (!auth.ok) return auth;
      const body = parseJsonBody(raw.bytes);
      if (!body.ok) return body;
      const payload = JuspayWebhookSchema.safeParse(body.value);
      if (!payload.success) {
        const fields = payload.error.issues.slice(0, 10).map((i) => ({
          path: i.path.map(String).join(".") || "(body)",
          message: i.message,
        }));
        return err(proxyError("malformed_body", { detail: "not a Juspay webhook payload", fields }));
      }
      return ok(toWebhookEvent(payload.data));
    },
    fetchStatus: (orderId, io) => fetchJuspayStatus(settings, io, orderId),
    createOrder: (input, io) => createJuspayOrder(settings, input, io),
    refund: (input, io) => refundJuspay(settings, input, io),
    refundStatus: (input, io) => refundStatusJuspay(settings, input, io),
  };
}
