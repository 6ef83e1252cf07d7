/**
 * Juspay webhook payloads → `WebhookEvent` (juspay.md §7). Pure.
 *
 * Webhooks authenticate only the sender, so every event is a hint: the order Durable Object confirms final states
 * with Order Status before applying them. Events:
 * - payment: ORDER_SUCCEEDED, ORDER_FAILED, TXN_CREATED and the auto-refund event, whose exact name is unverified
 *   (§7, §11.4): every spelling in `AUTO_REFUND_EVENTS` is accepted. The claimed status is `content.order.status`.
 * - refund: ORDER_REFUNDED, ORDER_REFUND_FAILED, REFUND_MANUAL_REVIEW_NEEDED, with the matching `refunds[]` entry.
 * - other: mandate, notification, chargeback and unknown events (recorded when they name an order, which makes the
 *   object look at the gateway).
 *
 * Dedupe keys (§7 "dedupe on id, and on (order_id, event_name, status)"): `juspay:evt:<id>` and
 * `juspay:<order_id>:<event_name>:<status>`. For refund events the status part is `<unique_request_id>:<refund
 * status>`, because one order can have several refunds and each one's ORDER_REFUNDED must get through.
 */
import type { WebhookEvent } from "../types";
import { juspayMoney, mapJuspayStatus, orderCurrency, toRefundHint } from "./map";
import type { JuspayRefund, JuspayWebhook } from "./wire";

export const AUTO_REFUND_EVENTS = [
  "AUTO_REFUND",
  "AUTO_REFUNDED",
  "AUTO_REFUND_SUCCEEDED",
  "AUTO_REFUND_SUCCESS",
  "AUTOREFUND_SUCCEEDED",
  "ORDER_AUTO_REFUNDED",
  "ORDER_AUTO_REFUND_SUCCEEDED",
] as const;

const PAYMENT_EVENTS: ReadonlySet<string> = new Set([
  "ORDER_SUCCEEDED",
  "ORDER_FAILED",
  "TXN_CREATED",
  ...AUTO_REFUND_EVENTS,
]);

/** Refund events and the refund status each one is about. */
const REFUND_EVENTS: Readonly<Record<string, string>> = {
  ORDER_REFUNDED: "SUCCESS",
  ORDER_REFUND_FAILED: "FAILURE",
  REFUND_MANUAL_REVIEW_NEEDED: "MANUAL_REVIEW",
};

/** The refund an event is about: the latest entry in that state, else the latest entry. */
function eventRefund(refunds: readonly JuspayRefund[], wanted: string): JuspayRefund | null {
  for (let i = refunds.length - 1; i >= 0; i--) if (refunds[i]?.status === wanted) return refunds[i] ?? null;
  return refunds[refunds.length - 1] ?? null;
}

export function toWebhookEvent(payload: JuspayWebhook): WebhookEvent {
  const name = payload.event_name;
  const order = payload.content?.order ?? null;
  const mandateOrder = payload.content?.mandate?.order_id;
  const orderId = order?.order_id ?? (typeof mandateOrder === "string" && mandateOrder ? mandateOrder : null);
  const currency = order ? orderCurrency(order) : "INR";
  const kind = PAYMENT_EVENTS.has(name) ? "payment" : Object.hasOwn(REFUND_EVENTS, name) ? "refund" : "other";

  const refundEntry = kind === "refund" && order ? eventRefund(order.refunds ?? [], REFUND_EVENTS[name] ?? "") : null;
  const refund = refundEntry ? toRefundHint(refundEntry, currency) : null;
  const mandateStatus = payload.content?.mandate?.mandate_status;
  const gatewayStatus =
    refundEntry?.status ?? order?.status ?? (typeof mandateStatus === "string" ? mandateStatus : name);
  const statusPart = refundEntry
    ? `${refundEntry.unique_request_id ?? refundEntry.id ?? "unknown"}:${refundEntry.status}`
    : gatewayStatus;

  return {
    kind,
    eventType: name,
    orderId,
    dedupeKeys: [`juspay:evt:${payload.id}`, ...(orderId ? [`juspay:${orderId}:${name}:${statusPart}`] : [])],
    gatewayStatus,
    status: kind === "payment" && order ? mapJuspayStatus(order.status) : null,
    amount: order ? juspayMoney(order.amount, currency) : null,
    refund,
  };
}
