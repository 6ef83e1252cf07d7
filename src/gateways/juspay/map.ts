/**
 * Juspay language → checkpost's unified model. Pure: no I/O, no clock.
 *
 * The status table is exhaustive over every status of juspay.md §4 and anything unknown maps to `pending`, never to
 * success or failure. Decisions where the spec leaves a choice:
 * - AUTHORIZED (25) and the pre-auth lifecycle (VOID_INITIATED 32, VOID_FAILED 35, CAPTURE_INITIATED 33,
 *   CAPTURE_FAILED 34) are `pending` and `held`: money is held, not captured, and a capture (→ CHARGED) or a void
 *   may follow.
 *   VOIDED (31) is `failed`: the hold was released and nothing was captured.
 * - PARTIAL_CHARGED (no documented id) is `succeeded` for what was captured: its amount is `effective_amount`, not
 *   `amount` (the authorised amount). Juspay documents neither field for a partial capture; this is the least
 *   convenient reading: with no `effective_amount` the order goes to review (`amount_missing`), never to succeeded.
 * - AUTO_REFUNDED (36) is `reversed`: a late success ("conflicted transaction") that Juspay refunded by itself; the
 *   customer's money went back, so the order is neither paid nor a plain failure.
 * - NOT_FOUND (40) is not a payment status at all: `fetchStatus` answers `gateway_not_found` for it.
 * - PENDING (not in the appendix, but handled by the seeds' `/handleJuspayResponse`) is `pending`.
 *
 * Also here: the Order Status object → `StatusSnapshot`, webhook payloads → `WebhookEvent`, and the shapes Juspay's
 * own routes answer with (`publicMandate`, `seedMessage`).
 */
import { proxyError, type ProxyError } from "../../core/errors";
import type { MandateRequest } from "../../core/mandate";
import { fromMajor, toMajorString, type Money } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import type { PaymentStatus, RefundStatus } from "../../core/status";
import type { RefundHint } from "../../core/model";
import type { JsonValue } from "../../core/model";
import type { StatusSnapshot, WebhookEvent } from "../types";
import type { JuspayListedMandate, JuspayOrder, JuspayRefund, JuspayWebhook } from "./wire";

export const JUSPAY_STATUS_TABLE = {
  NEW: "created", // status_id 10
  STARTED: "pending", // status_id 20
  CHARGED: "succeeded", // status_id 21
  JUSPAY_DECLINED: "failed", // status_id 22
  PENDING_VBV: "pending", // status_id 23
  VBV_SUCCESSFUL: "pending", // status_id 24
  AUTHORIZED: "pending", // status_id 25
  AUTHENTICATION_FAILED: "failed", // status_id 26
  AUTHORIZATION_FAILED: "failed", // status_id 27
  AUTHORIZING: "pending", // status_id 28
  VOIDED: "failed", // status_id 31
  VOID_INITIATED: "pending", // status_id 32
  CAPTURE_INITIATED: "pending", // status_id 33
  CAPTURE_FAILED: "pending", // status_id 34
  VOID_FAILED: "pending", // status_id 35
  AUTO_REFUNDED: "reversed", // status_id 36
  // A partial capture of a pre-authorised order (docs.juspay.io/api-reference/docs/preauth-and-capture/capture-api:
  // "the order status updates to PARTIAL_CHARGED"); Juspay documents no status id for it (juspay.md §4).
  PARTIAL_CHARGED: "succeeded", // no documented status_id
  NOT_FOUND: "pending", // status_id 40
  PENDING: "pending", // no documented status_id
} as const satisfies Record<string, PaymentStatus>;

export type JuspayStatus = keyof typeof JUSPAY_STATUS_TABLE;

/**
 * Statuses in which the money is held, not captured (pre-auth, §12): AUTHORIZED, and a capture or void that is
 * under way or failed (the hold stands until Juspay says CHARGED or VOIDED). Reported `held`: never expired.
 */
const HELD: ReadonlySet<string> = new Set([
  "AUTHORIZED",
  "CAPTURE_INITIATED",
  "CAPTURE_FAILED",
  "VOID_INITIATED",
  "VOID_FAILED",
]);

/** Whether Juspay still holds the money of an order in this status (pre-auth, not captured or voided). */
export function isHeldStatus(status: string | null): boolean {
  return status !== null && HELD.has(status);
}

export function mapJuspayStatus(status: string): PaymentStatus {
  return Object.hasOwn(JUSPAY_STATUS_TABLE, status) ? JUSPAY_STATUS_TABLE[status as JuspayStatus] : "pending";
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
    // "Ambiguous PG response; reconcile manually" (§5): Juspay says a person must settle it, so checkpost flags it.
    ...(refund.status === "MANUAL_REVIEW" ? { reviewReason: "manual_review_at_gateway" } : {}),
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
  const raw = order.status === "PARTIAL_CHARGED" ? order.effective_amount : order.amount;
  const amount = juspayMoney(raw, currency);
  // An amount Juspay gave that is not exact rupees and paise (`100.005`, an unknown currency) settles nothing.
  const unreadable = amount === null && raw !== null && raw !== undefined;
  return ok({
    orderId: order.order_id,
    gatewayStatus: order.status,
    status: mapJuspayStatus(order.status),
    amount,
    ...(unreadable ? { amountUnreadable: true } : {}),
    ...(isHeldStatus(order.status) ? { held: true } : {}),
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
 * Webhook payloads → `WebhookEvent` (juspay.md §7, §12).
 *
 * Webhooks authenticate only the sender, so every event is a hint: the order Durable Object confirms final states
 * with Order Status before applying them. Each documented event has a row in `JUSPAY_WEBHOOK_EVENTS`; anything else
 * is `other` (recorded when it names an order, and the order is looked at).
 *
 * Dedupe keys (§7 "dedupe on id, and on (order_id, event_name, status)"), from authenticated content only:
 * `juspay:evt:<id>` when the payload has an `id` (documented samples without one exist: docs.juspay.io/upi-autopay/
 * docs/how-to-integrate/webhooks), and always `juspay:<order_id>:<event_name>:<status>[:<txn>]`. A redelivery repeats
 * the same event about the same state, so it has the same key; a new event differs in its name, its status, the
 * refund it is about (refund events: `<unique_request_id>:<refund status>`, one order can have several refunds) or
 * the payment attempt (`txn_uuid`/`txn_id`: a retry on the same order id is a new transaction, §4). The top-level
 * `date_created` is left out: nothing documents that a redelivery keeps it.
 */

type EventRule =
  | { readonly kind: "payment" | "other" }
  /** `refund`: the `refunds[]` state the event is about; null: none named, the look reads `refunds[]`. */
  | { readonly kind: "refund"; readonly refund: string | null }
  | { readonly kind: "notice" | "ignored"; readonly reason: string };

/** Also noted on the registration order; the mandate's own object confirms it (storage/order/mandate.ts). */
const MANDATE: EventRule = { kind: "notice", reason: "mandate lifecycle: confirmed by the mandate's object" };
const CHARGEBACK: EventRule = { kind: "notice", reason: "chargeback: handled in the Juspay dashboard" };
const NOTIFICATION: EventRule = {
  kind: "notice",
  reason: "mandate pre-debit notification: confirmed by the mandate's object",
};

/**
 * Every documented event and what checkpost does with it. Sources: developer.juspay.in/v3.2/docs/outgoing-webhookcallback-3
 * and docs.juspay.io/upi-tpap-sdk/ios/callbacks/Introduction (the event table) unless the row says otherwise.
 */
export const JUSPAY_WEBHOOK_EVENTS: Readonly<Record<string, EventRule>> = {
  // Payment: the claimed `content.order.status` is observed (final ones confirmed by Order Status).
  ORDER_SUCCEEDED: { kind: "payment" },
  ORDER_FAILED: { kind: "payment" }, // webhook version >= 2016-07-19
  TXN_CREATED: { kind: "payment" }, // >= 2016-10-27; a non-final status (PENDING_VBV), applied at once
  // Refund: the `refunds[]` entry in the named state goes to the order, and the order is looked at.
  ORDER_REFUNDED: { kind: "refund", refund: "SUCCESS" },
  ORDER_REFUND_FAILED: { kind: "refund", refund: "FAILURE" },
  REFUND_MANUAL_REVIEW_NEEDED: { kind: "refund", refund: "MANUAL_REVIEW" },
  // >= 2019-11-11. A conflicted transaction Juspay refunded by itself: no refund checkpost asked for, and nothing
  // documents which `refunds[]` entry (if any) it is, so no entry is named; the look records the order
  // (AUTO_REFUNDED) and whatever `refunds[]` lists, confirmed, as gateway-origin refunds.
  AUTO_REFUND_SUCCEEDED: { kind: "refund", refund: null },
  AUTO_REFUND_FAILED: { kind: "refund", refund: null },
  // Mandates: noted on the registration order (`content.mandate.order_id`); no payment state changes.
  MANDATE_CREATED: MANDATE,
  MANDATE_ACTIVATED: MANDATE,
  MANDATE_FAILED: MANDATE,
  MANDATE_REVOKED: MANDATE, // developer.juspay.in/v3.0/reference/outgoing-webhookcallback-1
  MANDATE_PAUSED: MANDATE, // name inferred (juspay.md §12: pause is documented as an event)
  MANDATE_EXPIRED: MANDATE, // name inferred (juspay.md §12)
  // `content.notification` names a mandate, not an order (developer.juspay.in/v3.2/reference/outgoing-webhookcallback).
  NOTIFICATION_SUCCEEDED: NOTIFICATION,
  NOTIFICATION_FAILED: NOTIFICATION,
  // Chargebacks: `webhookRule` gives every `CHARGEBACK*` name the CHARGEBACK rule. The docs list only labels
  // (docs.juspay.io/agoda-integration/docs/order/webhooks: "Chargeback Received", "… Resolved (In Merchant/ Customer
  // favor)", "… Cancelled", "… Refunded", "… Expired", "… under review", "… Evidence Required"); the names are not
  // documented, so they are matched by prefix (inferred: CHARGEBACK_RECEIVED, CHARGEBACK_EXPIRED, …).
};

export function webhookRule(name: string): EventRule {
  if (Object.hasOwn(JUSPAY_WEBHOOK_EVENTS, name)) return JUSPAY_WEBHOOK_EVENTS[name] as EventRule;
  return name.startsWith("CHARGEBACK") ? CHARGEBACK : { kind: "other" };
}

/** The refund an event is about: the latest entry in that state, else the latest entry. */
function eventRefund(refunds: readonly JuspayRefund[], wanted: string): JuspayRefund | null {
  for (let i = refunds.length - 1; i >= 0; i--) if (refunds[i]?.status === wanted) return refunds[i] ?? null;
  return refunds[refunds.length - 1] ?? null;
}

const text = (value: Shown): string | null => (typeof value === "string" && value !== "" ? value : null);

export function toWebhookEvent(payload: JuspayWebhook): WebhookEvent {
  const name = payload.event_name;
  const rule = webhookRule(name);
  const order = payload.content?.order ?? null;
  const mandate = payload.content?.mandate;
  const orderId = order?.order_id ?? text(mandate?.order_id);
  const currency = order ? orderCurrency(order) : "INR";

  const wanted = rule.kind === "refund" ? rule.refund : null;
  const refundEntry = wanted && order ? eventRefund(order.refunds ?? [], wanted) : null;
  const refund = refundEntry ? toRefundHint(refundEntry, currency) : null;
  const note = rule === NOTIFICATION ? payload.content?.notification : null;
  const mandateStatus = text(mandate?.mandate_status) ?? text(mandate?.status) ?? text(note?.status);
  const gatewayStatus = refundEntry?.status ?? order?.status ?? mandateStatus ?? name;
  const txn = order ? (text(order.txn_uuid ?? order.txn_detail?.txn_uuid) ?? text(order.txn_id)) : null;
  const statusPart = refundEntry
    ? `${refundEntry.unique_request_id ?? refundEntry.id ?? "unknown"}:${refundEntry.status}`
    : mandate && !order
      ? `${text(mandate.mandate_id) ?? ""}:${gatewayStatus}`
      : `${gatewayStatus}${txn ? `:${txn}` : ""}`;

  return {
    kind: rule.kind,
    ...("reason" in rule ? { reason: rule.reason } : {}),
    eventType: name,
    orderId,
    dedupeKeys: [
      ...(payload.id ? [`juspay:evt:${payload.id}`] : []),
      ...(orderId ? [`juspay:${orderId}:${name}:${statusPart}`] : []),
    ],
    gatewayStatus,
    status: rule.kind === "payment" && order ? mapJuspayStatus(order.status) : null,
    amount: order ? juspayMoney(order.amount, currency) : null,
    refund,
    mandate: note
      ? {
          mandateId: text(note.mandate?.mandate_id) ?? "",
          customerId: null,
          notification: text(note.object_reference_id) ?? text(note.id),
        }
      : rule === MANDATE && text(mandate?.mandate_id)
        ? { mandateId: text(mandate?.mandate_id) ?? "", customerId: text(mandate?.customer_id) }
        : undefined,
  };
}

/**
 * The session's mandate fields, flat dotted keys in the JSON body as Juspay's sample shows them
 * (juspay.io/in/docs/upi-autopay/docs/how-to-integrate/session-api-payload-for-mandateautopay): `options.create_mandate`
 * REQUIRED | OPTIONAL, `mandate.max_amount` as exact rupees (for FIXED, the order amount: juspay.md §12), dates as
 * epoch-second strings, booleans as JSON booleans. `required` absent means REQUIRED (the least convenient reading:
 * a merchant asking for a mandate gets one or no payment).
 */
const MANDATE_OPTIONAL_FIELDS = [
  "start_date",
  "end_date",
  "rule_type",
  "rule_value",
  "block_funds",
  "revokable_by_customer",
] as const;

export function mandateSessionFields(m: MandateRequest, amount: Money): Record<string, JsonValue> {
  const max = toMajorString({
    minor: m.amount_rule === "FIXED" ? amount.minor : m.max_amount,
    currency: amount.currency,
  });
  const f: Record<string, JsonValue> = {
    "options.create_mandate": m.required === false ? "OPTIONAL" : "REQUIRED",
    "mandate.max_amount": max,
    "mandate.amount_rule": m.amount_rule,
    "mandate.frequency": m.frequency,
  };
  // In this order; numbers (dates, rule_value) as strings, the rule type and booleans as they are.
  for (const key of MANDATE_OPTIONAL_FIELDS) {
    const value = m[key];
    if (value !== undefined) f[`mandate.${key}`] = typeof value === "number" ? String(value) : value;
  }
  return f;
}
