/**
 * Juspay language → checkpost's unified model. Pure: no I/O, no clock.
 *
 * The status table is exhaustive over every status of juspay.md §4 and anything unknown maps to `pending`, never to
 * success or failure. Decisions where the spec leaves a choice:
 * - AUTHORIZED (25) and the pre-auth lifecycle (VOID_INITIATED 32, VOID_FAILED 35, CAPTURE_INITIATED 33,
 *   CAPTURE_FAILED 34) are `pending`: money is held, not captured, and a capture (→ CHARGED) or a void may follow.
 *   VOIDED (31) is `failed`: the hold was released and nothing was captured.
 * - AUTO_REFUNDED (36) is `reversed`: a late success ("conflicted transaction") that Juspay refunded by itself; the
 *   customer's money went back, so the order is neither paid nor a plain failure.
 * - NOT_FOUND (40) is not a payment status at all: `fetchStatus` answers `gateway_not_found` for it.
 * - PENDING (not in the appendix, but handled by the seeds' `/handleJuspayResponse`) is `pending`.
 *
 * Also here: the Order Status object → `StatusSnapshot`, webhook payloads → `WebhookEvent`, and the shapes Juspay's
 * own routes answer with (`publicMandate`, `seedMessage`).
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { fromMajor, type Money } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import type { PaymentStatus, RefundStatus } from "../../core/status";
import type { RefundHint } from "../../core/model";
import type { JsonValue } from "../../core/model";
import type { StatusSnapshot, WebhookEvent } from "../types";
import type { JuspayListedMandate, JuspayOrder, JuspayRefund, JuspayWebhook } from "./wire";

export const JUSPAY_STATUS_TABLE = {
  NEW: { id: 10, status: "created" },
  STARTED: { id: 20, status: "pending" },
  CHARGED: { id: 21, status: "succeeded" },
  JUSPAY_DECLINED: { id: 22, status: "failed" },
  PENDING_VBV: { id: 23, status: "pending" },
  VBV_SUCCESSFUL: { id: 24, status: "pending" },
  AUTHORIZED: { id: 25, status: "pending" },
  AUTHENTICATION_FAILED: { id: 26, status: "failed" },
  AUTHORIZATION_FAILED: { id: 27, status: "failed" },
  AUTHORIZING: { id: 28, status: "pending" },
  VOIDED: { id: 31, status: "failed" },
  VOID_INITIATED: { id: 32, status: "pending" },
  CAPTURE_INITIATED: { id: 33, status: "pending" },
  CAPTURE_FAILED: { id: 34, status: "pending" },
  VOID_FAILED: { id: 35, status: "pending" },
  AUTO_REFUNDED: { id: 36, status: "reversed" },
  NOT_FOUND: { id: 40, status: "pending" },
  PENDING: { id: null, status: "pending" },
} as const satisfies Record<string, { id: number | null; status: PaymentStatus }>;

export type JuspayStatus = keyof typeof JUSPAY_STATUS_TABLE;

export function mapJuspayStatus(status: string): PaymentStatus {
  return Object.hasOwn(JUSPAY_STATUS_TABLE, status) ? JUSPAY_STATUS_TABLE[status as JuspayStatus].status : "pending";
}

/** Refund statuses (§5). MANUAL_REVIEW is an ambiguous gateway answer: still `pending` until reconciled. */
export const JUSPAY_REFUND_STATUS_TABLE = {
  PENDING: "pending",
  SUCCESS: "succeeded",
  FAILURE: "failed",
  MANUAL_REVIEW: "pending",
} as const satisfies Record<string, RefundStatus>;

export function mapJuspayRefundStatus(status: string): RefundStatus {
  return Object.hasOwn(JUSPAY_REFUND_STATUS_TABLE, status)
    ? JUSPAY_REFUND_STATUS_TABLE[status as keyof typeof JUSPAY_REFUND_STATUS_TABLE]
    : "pending";
}

/** Juspay's currency defaults to INR when an order omits it (order object docs: "Default value: INR"). */
export function orderCurrency(order: { currency?: string | null | undefined }): string {
  return order.currency ?? "INR";
}

/** Rupees → Money, exactly; anything inexact or unknown is `null` (a succeeded order then goes to review). */
export function juspayMoney(value: number | string | null | undefined, currency: string): Money | null {
  if (value === null || value === undefined) return null;
  const money = fromMajor(value, currency);
  return money.ok ? money.value : null;
}

export function toRefundHint(refund: JuspayRefund, currency: string): RefundHint {
  return {
    gatewayRefundId: refund.unique_request_id ?? null,
    gatewayRefundRef: refund.id ?? null,
    status: mapJuspayRefundStatus(refund.status),
    gatewayStatus: refund.status,
    amount: juspayMoney(refund.amount, currency),
  };
}

type Shown = string | number | boolean | null | undefined;
const shown = (value: Shown): JsonValue => value ?? null;

/**
 * Gateway facts surfaced on the unified order. Every key is always present (null when Juspay did not say), so a
 * later answer clears an earlier attempt's error code. Amounts are minor units, like everything on `/v1`. No card,
 * VPA or customer contact data.
 */
export function orderDetails(order: JuspayOrder): Record<string, JsonValue> {
  const currency = orderCurrency(order);
  const minor = (v: number | string | null | undefined) => juspayMoney(v, currency)?.minor ?? null;
  const txn = order.txn_detail;
  const mandate = order.mandate;
  return {
    status_id: shown(order.status_id),
    txn_id: shown(order.txn_id ?? txn?.txn_id),
    txn_uuid: shown(order.txn_uuid ?? txn?.txn_uuid),
    payment_method_type: shown(order.payment_method_type),
    payment_method: shown(order.payment_method),
    auth_type: shown(order.auth_type),
    effective_amount: minor(order.effective_amount),
    refunded: shown(order.refunded),
    amount_refunded: minor(order.amount_refunded),
    error_code: shown(txn?.error_code),
    error_message: shown(txn?.error_message),
    bank_error_code: shown(order.bank_error_code),
    bank_error_message: shown(order.bank_error_message),
    gateway_id: shown(order.gateway_id),
    gateway_reference_id: shown(order.gateway_reference_id),
    mandate: mandate
      ? {
          mandate_id: shown(mandate.mandate_id),
          mandate_status: shown(mandate.mandate_status),
          mandate_type: shown(mandate.mandate_type),
          frequency: shown(mandate.frequency),
          start_date: shown(mandate.start_date),
          end_date: shown(mandate.end_date),
          max_amount: typeof mandate.max_amount === "boolean" ? null : minor(mandate.max_amount),
          amount_rule: shown(mandate.amount_rule),
        }
      : null,
  };
}

export function toSnapshot(order: JuspayOrder): Result<StatusSnapshot, ProxyError> {
  // NOT_FOUND (40) is "order unknown to Juspay" (§4), whatever HTTP status carried it.
  if (order.status === "NOT_FOUND") return err(proxyError("gateway_not_found", { detail: "Juspay: NOT_FOUND" }));
  const currency = orderCurrency(order);
  const amount = juspayMoney(order.amount, currency);
  // An amount Juspay gave that is not exact rupees and paise (`100.005`, an unknown currency) settles nothing.
  const unreadable = amount === null && order.amount !== null && order.amount !== undefined;
  return ok({
    orderId: order.order_id,
    gatewayStatus: order.status,
    status: mapJuspayStatus(order.status),
    amount,
    ...(unreadable ? { amountUnreadable: true } : {}),
    gatewayOrderRef: order.id ?? null,
    details: orderDetails(order),
    refunds: (order.refunds ?? []).map((r) => toRefundHint(r, currency)),
  });
}

/**
 * One mandate as `/v1/juspay/customers/:id/mandates` shows it: its state and limits, the amount in minor units. The
 * one-time `mandate_debit_token` and the payment instrument's details are not passed on.
 */
export function publicMandate(mandate: JuspayListedMandate): Record<string, JsonValue> {
  const currency = mandate.currency ?? "INR";
  return {
    mandate_id: mandate.mandate_id,
    status: shown(mandate.mandate_status ?? mandate.status),
    mandate_type: shown(mandate.mandate_type),
    frequency: shown(mandate.frequency),
    start_date: shown(mandate.start_date),
    end_date: shown(mandate.end_date),
    amount_rule: shown(mandate.amount_rule),
    max_amount: juspayMoney(mandate.max_amount, currency)?.minor ?? null,
    currency,
    payment_method_type: shown(mandate.payment_info?.payment_method_type),
    payment_method: shown(mandate.payment_info?.payment_method),
  };
}

/**
 * Juspay's status as a public answer may show it (`/handleJuspayResponse`'s `order_status`, the seeds' contract):
 * one of the statuses juspay.md §4 documents (the table above), else `UNKNOWN`. An undocumented value is text from
 * the gateway that checkpost never vetted, and public answers carry none (only `/v1` shows the raw status).
 */
export function publicJuspayStatus(status: string): JuspayStatus | "UNKNOWN" {
  return Object.hasOwn(JUSPAY_STATUS_TABLE, status) ? (status as JuspayStatus) : "UNKNOWN";
}

/** The messages of the seeds' `/handleJuspayResponse` (seed 000), verbatim. */
export function seedMessage(status: string): string {
  switch (status) {
    case "CHARGED":
      return "order payment done successfully";
    case "PENDING":
    case "PENDING_VBV":
      return "order payment pending";
    case "AUTHORIZATION_FAILED":
      return "order payment authorization failed";
    case "AUTHENTICATION_FAILED":
      return "order payment authentication failed";
    default:
      return `order status ${status}`;
  }
}

/**
 * Webhook payloads → `WebhookEvent` (juspay.md §7).
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
