/**
 * Nimbbl's statuses → checkpost's unified ones (nimbbl.md §4, seed 003), the transaction enquiry → a status
 * snapshot, and verified webhooks → `WebhookEvent`. Pure: data in, data out. Every table is exhaustive over the values Nimbbl documents; anything else maps
 * to `pending`, never to success or failure.
 */
import { fromMajor, formatTwoDecimals, sameMoney, type Money } from "../../core/money";
import type { PaymentStatus, RefundStatus } from "../../core/status";
import type { StatusSnapshot, WebhookEvent } from "../types";
import type { RefundHint } from "../../core/model";
import type { JsonValue } from "../../core/model";
import { isObject, type JsonObject } from "./envelope";
import type {
  NimbblAmount,
  NimbblEnquiryOrder,
  NimbblEnquiryResponse,
  NimbblEnquiryTransaction,
  NimbblSignedEvent,
  SignedTuple,
} from "./wire";

/**
 * Payment (transaction) status [D10][D7]. `reversing` is not final at Nimbbl (it can end as
 * `payment_reversal_failed`), so it stays `pending` and the order keeps being polled until `reversed`;
 * `authorized` (pre-auth) is not a capture.
 */
const PAYMENT_STATUS = {
  new: "pending",
  pending: "pending",
  authorized: "pending",
  succeeded: "succeeded",
  failed: "failed",
  reversing: "pending",
  reversed: "reversed",
} as const satisfies Record<string, PaymentStatus>;

/** Order status, used only when the order has no payment attempt yet [D10 orders]. */
const ORDER_STATUS = {
  new: "created",
  pending: "pending",
  // `completed` means a payment succeeded; without that transaction in the answer, wait for it.
  completed: "pending",
  lapsed: "expired",
} as const satisfies Record<string, PaymentStatus>;

/** Refund status: `new | pending → succeeded | failed` [D8][D10 refunds]. */
const REFUND_STATUS = {
  new: "pending",
  pending: "pending",
  succeeded: "succeeded",
  failed: "failed",
} as const satisfies Record<string, RefundStatus>;

/** The prefix that marks a gateway status taken from the order rather than a transaction. */
export const ORDER_STATUS_PREFIX = "order:";

function lookup<T>(table: Record<string, T>, key: string, fallback: T): T {
  return Object.hasOwn(table, key) ? (table[key] as T) : fallback;
}

export function mapPaymentStatus(status: string): PaymentStatus {
  return lookup<PaymentStatus>(PAYMENT_STATUS, status, "pending");
}

export function mapRefundStatus(status: string): RefundStatus {
  return lookup<RefundStatus>(REFUND_STATUS, status, "pending");
}

/** A gateway status as recorded on the order: a transaction status, or `order:<status>` when there is none. */
export function mapGatewayStatus(status: string): PaymentStatus {
  if (status.startsWith(ORDER_STATUS_PREFIX)) {
    return lookup<PaymentStatus>(ORDER_STATUS, status.slice(ORDER_STATUS_PREFIX.length), "pending");
  }
  return mapPaymentStatus(status);
}

/** Nimbbl spells refund types both `partial_refund` and `partial-refund` (§8). */
export function isRefundType(type: string | null | undefined): boolean {
  return typeof type === "string" && /refund/i.test(type);
}

/** An entry's status: `payment_status`, for refunds too, falling back to `status` (§9, the .NET sample). */
export function entryStatus(t: NimbblEnquiryTransaction): string {
  return t.payment_status ?? t.status ?? "";
}

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Ranking of the unified outcomes of several attempts: a success settles the order whatever else happened. */
const PRECEDENCE: readonly PaymentStatus[] = ["succeeded", "pending", "reversed", "failed"];

/** A decimal as the two-decimal text Nimbbl signs, or null when absent or unreadable. */
export function amountText(value: NimbblAmount | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const text = formatTwoDecimals(value);
  return text.ok ? text.value : null;
}

/** The amount compared with the registered one, or why there is none: absent, or given but not readable exactly. */
export type CapturedAmount =
  { readonly kind: "amount"; readonly money: Money } | { readonly kind: "absent" } | { readonly kind: "unreadable" };

/** An optional decimal field in minor units of `currency`: 0 when absent, null when given but inexact. */
export function minorOrZero(value: NimbblAmount | null | undefined, currency: string): number | null {
  if (value === undefined || value === null) return 0;
  const money = fromMajor(value, currency);
  return money.ok ? money.value.minor : null;
}

/**
 * What the deciding attempt captured, as the amount to compare with the registered one (§3 transaction enquiry,
 * [D7]): `transaction_amount` in `transaction_currency`, never the order's `total_amount`, which only echoes what
 * checkpost itself sent at create-order and proves nothing about the payment. The capture is "the final amount paid"
 * and differs from the order total by Nimbbl's own `additional_charges` (a convenience fee on top) and
 * `offer_discount` [D1][D12], so those lines are taken back out: a capture they do not explain differs from the
 * order and goes to review. When Nimbbl converted the currency (§4 `currency_conversion`), the capture is in the
 * converted currency: it must equal the converted `total_amount`, and the amount compared is then
 * `original_total_amount` in the original currency, which is what the merchant registered; otherwise the capture
 * itself is compared (and differs). Any of these fields given but not readable exactly is `unreadable`.
 */
export function capturedAmount(order: NimbblEnquiryOrder, attempt: NimbblEnquiryTransaction | null): CapturedAmount {
  if (!attempt || attempt.transaction_amount === undefined || attempt.transaction_amount === null) {
    return { kind: "absent" };
  }
  const currency = attempt.transaction_currency ?? order.currency;
  const paid = fromMajor(attempt.transaction_amount, currency);
  const fee = minorOrZero(attempt.additional_charges, currency);
  const discount = minorOrZero(attempt.offer_discount, currency);
  if (!paid.ok || fee === null || discount === null) return { kind: "unreadable" };
  const net = paid.value.minor - fee + discount;
  if (net < 0 || !Number.isSafeInteger(net)) return { kind: "unreadable" };
  const captured: Money = { minor: net, currency: paid.value.currency };
  const conv = order.currency_conversion;
  if (!conv) return { kind: "amount", money: captured };
  const total = fromMajor(order.total_amount, order.currency);
  const original = fromMajor(conv.original_total_amount, conv.original_currency);
  if (!total.ok || !original.ok) return { kind: "unreadable" };
  return sameMoney(total.value, captured)
    ? { kind: "amount", money: original.value }
    : { kind: "amount", money: captured };
}

export function refundDetails(order: { refund_details?: NimbblEnquiryOrder["refund_details"] }): JsonValue {
  const r = order.refund_details;
  if (!r) return null;
  return {
    refundable_currency: r.refundable_currency ?? null,
    total_refundable_amount: amountText(r.total_refundable_amount),
    refunded_amount: amountText(r.refunded_amount),
    available_refundable_amount: amountText(r.available_refundable_amount),
  };
}

/**
 * The order's refund entries as hints (§9): each known by its own transaction id (`gatewayRefundRef`; the enquiry
 * carries no merchant refund id), its status in `payment_status`, its amount in `transaction_amount`.
 * `order.refund_details.refunded_amount` (what "has been already refunded successfully", §4) is the cross-check: when
 * the succeeded entries add up to more than it, none of them is taken as succeeded yet (they stay pending).
 */
export function refundHints(body: NimbblEnquiryResponse): RefundHint[] {
  const order = body.order;
  const currency = order.refund_details?.refundable_currency ?? order.currency;
  const hints = entries(body)
    .filter((t) => isRefundType(t.transaction_type))
    .map((t): RefundHint => {
      const gatewayStatus = entryStatus(t);
      const money = fromMajor(t.transaction_amount, t.transaction_currency ?? currency);
      return {
        gatewayRefundId: null,
        gatewayRefundRef: t.nimbbl_transaction_id,
        status: mapRefundStatus(gatewayStatus),
        gatewayStatus,
        amount: money.ok ? money.value : null,
      };
    });
  const refunded = minorOrZero(order.refund_details?.refunded_amount, currency);
  const succeeded = hints.filter((h) => h.status === "succeeded");
  const claimed = succeeded.reduce((sum, h) => sum + (h.amount?.minor ?? Infinity), 0);
  if (!order.refund_details || order.refund_details.refunded_amount == null || (refunded ?? -1) >= claimed)
    return hints;
  return hints.map((h) => (h.status === "succeeded" ? { ...h, status: "pending" } : h));
}

/** The enquiry's entries as a list, whether `transaction` came as an array, one object or not at all (§9). */
export function entries(body: NimbblEnquiryResponse): readonly NimbblEnquiryTransaction[] {
  const t = body.transaction;
  return t === null || t === undefined ? [] : Array.isArray(t) ? t : [t];
}

/** The attempt that decides the order, by precedence; the last such attempt when several share a status. */
function decidingAttempt(payments: readonly NimbblEnquiryTransaction[]): NimbblEnquiryTransaction | null {
  for (const wanted of PRECEDENCE) {
    const matching = payments.filter((p) => mapPaymentStatus(entryStatus(p)) === wanted);
    const last = matching[matching.length - 1];
    if (last) return last;
  }
  return null;
}

/**
 * The enquiry's answer as a snapshot (§3, §4). With several attempts (an order takes up to 15 or 25), the order is
 * `succeeded` if any payment succeeded, else `pending` while any attempt may still change, else the latest reversal
 * or failure. No attempt at all: the order's own status (`new` → created, `lapsed` → expired).
 */
export function snapshotFromEnquiry(body: NimbblEnquiryResponse): StatusSnapshot {
  const order = body.order;
  // Pre-auth captures and voids are neither; an entry without a type is taken as a payment attempt.
  const payments = entries(body).filter((t) => (t.transaction_type ?? "payment") === "payment");
  const attempt = decidingAttempt(payments);
  const gatewayStatus = attempt ? entryStatus(attempt) : `${ORDER_STATUS_PREFIX}${order.status}`;
  const captured = capturedAmount(order, attempt);
  return {
    orderId: order.invoice_id,
    gatewayStatus,
    status: mapGatewayStatus(gatewayStatus),
    amount: captured.kind === "amount" ? captured.money : null,
    ...(captured.kind === "unreadable" ? { amountUnreadable: true } : {}),
    // Pre-auth: the money is held, not captured (§4 `authorized`); the status stays pending.
    ...(gatewayStatus === "authorized" ? { held: true } : {}),
    gatewayOrderRef: order.order_id ?? null,
    details: {
      order_status: order.status,
      attempts: payments.length,
      transaction_id: attempt?.nimbbl_transaction_id ?? null,
      transaction_amount: amountText(attempt?.transaction_amount),
      transaction_currency: attempt?.transaction_currency ?? null,
      additional_charges: amountText(attempt?.additional_charges),
      offer_discount: amountText(attempt?.offer_discount),
      payment_mode: text(attempt?.payment_mode),
      error_code: text(attempt?.failure_reason?.nimbbl_error_code),
      error_message: text(attempt?.failure_reason?.nimbbl_merchant_message),
      refund_details: refundDetails(order),
      currency_conversion: order.currency_conversion
        ? {
            original_currency: order.currency_conversion.original_currency,
            converted_currency: order.currency_conversion.converted_currency ?? null,
            original_total_amount: amountText(order.currency_conversion.original_total_amount),
          }
        : null,
    },
    refunds: refundHints(body),
  };
}

/*
 * Verified webhooks → `WebhookEvent` (§2, §6.2). Dedupe keys come only from what the signature covers (product.md §2):
 * `nimbbl:<transaction_type>:<transaction_id>:<status>`, all three from the signed tuple. §6.2's key starts with
 * `event_type`, but a legacy event's `event_type` is not signed (§2: it only picks the formula), so anyone holding one
 * signed body could post it under any number of made-up types, each a "new" event. The same signed tuple is the same
 * event whatever it is labelled, and whichever envelope carried it (legacy, v4, encrypted).
 */

/** [S2 `WebhookEvents`], [S3], [D3]. */
const PAYMENT_EVENTS = new Set([
  "payment_success",
  "payment_failed",
  "payment_reversing",
  "payment_reversal_failed",
  "payment_reversed",
]);
export const REFUND_EVENTS = new Set(["refund_pending", "refund_success", "refund_failed"]);

function dedupeKey(tuple: SignedTuple): string {
  return `nimbbl:${tuple.type}:${tuple.transactionId}:${tuple.status}`;
}

/**
 * `amount` stays null: the order total is not signed and `transaction_amount` includes fees, so an unregistered
 * order takes its amount from the transaction enquiry only.
 */
export function paymentEvent(eventType: string, tuple: SignedTuple): WebhookEvent {
  return {
    // Pre-auth events (payment_authorized, capture_*, void_*) and unknown ones only make the order look again.
    kind: PAYMENT_EVENTS.has(eventType) ? "payment" : "other",
    eventType,
    orderId: tuple.invoiceId,
    dedupeKeys: [dedupeKey(tuple)],
    gatewayStatus: tuple.status,
    status: PAYMENT_EVENTS.has(eventType) ? mapPaymentStatus(tuple.status) : null,
    amount: null,
    refund: null,
  };
}

export function refundEvent(signed: NimbblSignedEvent, eventType: string, tuple: SignedTuple): WebhookEvent {
  const amount = fromMajor(tuple.amount, tuple.currency);
  const requestId = signed.transaction["refund_request_id"];
  return {
    kind: "refund",
    eventType,
    orderId: tuple.invoiceId,
    dedupeKeys: [dedupeKey(tuple)],
    gatewayStatus: tuple.status,
    status: null,
    amount: null,
    refund: {
      gatewayRefundId: typeof requestId === "string" ? requestId : null,
      gatewayRefundRef: tuple.transactionId,
      status: mapRefundStatus(tuple.status),
      gatewayStatus: tuple.status,
      amount: amount.ok ? amount.value : null,
    },
  };
}

/**
 * An event authenticated as a whole (decrypted or v4) whose inner object lacks the per-field shape, e.g. a compact
 * v4 event: it only names the order, which the Durable Object then looks up at Nimbbl. Its `event_type` was inside
 * what the envelope authenticated, so the key may use it.
 */
export function minimalEvent(event: JsonObject, eventType: string): WebhookEvent {
  const order = event["order"];
  const invoice = (isObject(order) ? order["invoice_id"] : undefined) ?? event["invoice_id"];
  const txn = typeof event["nimbbl_transaction_id"] === "string" ? event["nimbbl_transaction_id"] : "-";
  const status = typeof event["status"] === "string" ? event["status"] : "-";
  return {
    kind: "other",
    eventType,
    orderId: typeof invoice === "string" && invoice !== "" ? invoice : null,
    dedupeKeys: [`nimbbl:${eventType}:${txn}:${status}`],
    gatewayStatus: status === "-" ? eventType : status,
    status: null,
    amount: null,
    refund: null,
  };
}
