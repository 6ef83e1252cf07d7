/**
 * PhonePe's states and callback names → checkpost's unified ones. Pure: no clock, storage or network.
 * Every table is exhaustive over the values PhonePe documents; anything else maps to `pending`, never to a success or
 * a failure (style.md habit 5).
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { fromMinor, type Money } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import type { RefundStatus, PaymentStatus } from "../../core/status";
import type { WebhookEvent } from "../types";
import type { RefundHint } from "../../core/model";
import type { JsonValue } from "../../core/model";
import type { PhonePeCallback, PhonePeOrderStatus, PhonePePaymentDetail, PhonePeRefundStatus } from "./wire";

/**
 * Order states (phonepe.md §3). Settle on the root `state` only. `EXPIRED` is not on the order-status pages (they
 * list the other three) but is reported for an order left unpaid past its `expireAt` (issue #15): it is checkpost's
 * own `expired`, which a later confirmed `COMPLETED` still overrides (a late success, status.ts). Anything else
 * reads as `pending`.
 */
export const PHONEPE_ORDER_STATES = {
  PENDING: "pending",
  COMPLETED: "succeeded",
  FAILED: "failed",
  EXPIRED: "expired",
} as const satisfies Record<string, PaymentStatus>;
export type PhonePeOrderState = keyof typeof PHONEPE_ORDER_STATES;

/** Refund states (phonepe.md §4): `PENDING` at creation, `CONFIRMED` once accepted, then `COMPLETED` or `FAILED`. */
export const PHONEPE_REFUND_STATES = {
  PENDING: "pending",
  CONFIRMED: "pending",
  COMPLETED: "succeeded",
  FAILED: "failed",
} as const satisfies Record<string, RefundStatus>;
export type PhonePeRefundState = keyof typeof PHONEPE_REFUND_STATES;

export function mapOrderState(state: string): PaymentStatus {
  return Object.hasOwn(PHONEPE_ORDER_STATES, state) ? PHONEPE_ORDER_STATES[state as PhonePeOrderState] : "pending";
}

export function mapRefundState(state: string): RefundStatus {
  return Object.hasOwn(PHONEPE_REFUND_STATES, state) ? PHONEPE_REFUND_STATES[state as PhonePeRefundState] : "pending";
}

/** `order`: settles (confirmed first); `attempt`: one failed try on an open order, only worth a look; `refund`. */
type EventFamily = "order" | "attempt" | "refund";

/**
 * Callback names carried in `event` (phonepe.md §5 table, §11): Standard Checkout's `checkout.*`, Custom Checkout's
 * and the native SDKs' `pg.order.*`, `pg.refund.*` for both, and the attempt failures (Java SDK tests,
 * one-time-mandate page). A failed *attempt* leaves the order open (the customer may retry): never a failure.
 */
export const PHONEPE_EVENTS = {
  "checkout.order.completed": "order",
  "checkout.order.failed": "order",
  "pg.order.completed": "order",
  "pg.order.failed": "order",
  "checkout.transaction.attempt.failed": "attempt",
  "pg.transaction.attempt.failed": "attempt",
  "pg.transaction.failed": "attempt",
  "pg.refund.accepted": "refund",
  "pg.refund.completed": "refund",
  "pg.refund.failed": "refund",
} as const satisfies Record<string, EventFamily>;
export type PhonePeEventName = keyof typeof PHONEPE_EVENTS;

/** The state an order or refund event implies when its payload carries none. */
const IMPLIED_STATE: Readonly<Record<string, string>> = {
  "checkout.order.completed": "COMPLETED",
  "checkout.order.failed": "FAILED",
  "pg.order.completed": "COMPLETED",
  "pg.order.failed": "FAILED",
  "pg.refund.accepted": "CONFIRMED",
  "pg.refund.completed": "COMPLETED",
  "pg.refund.failed": "FAILED",
};

export function isPhonePeEvent(name: string): name is PhonePeEventName {
  return Object.hasOwn(PHONEPE_EVENTS, name);
}

/**
 * The event a callback names: `event` when present (the docs say to rely on it), else the legacy `type` lower-cased
 * with `_` → `.`. The deprecated names (Node SDK `CallbackType`, phonepe.md §5: CHECKOUT_ORDER_COMPLETED,
 * CHECKOUT_ORDER_FAILED, CHECKOUT_TRANSACTION_ATTEMPT_FAILED, PG_ORDER_COMPLETED, PG_ORDER_FAILED,
 * PG_TRANSACTION_ATTEMPT_FAILED, PG_REFUND_ACCEPTED, PG_REFUND_COMPLETED, PG_REFUND_FAILED) are exactly their events
 * so written, so no table is needed; an unknown legacy name (Python's `SUBSCRIPTION_*`) gets the same rule, and its
 * family prefix still decides what it is.
 */
export function callbackEventName(event: string | undefined, type: string | undefined): string | null {
  if (event) return event;
  return type ? type.toLowerCase().replaceAll("_", ".") : null;
}

/** Unknown names still about a PG order or refund (recorded as `other`, with a look); anything else is ignored. */
const PG_FAMILY = /^(checkout|pg)\.(order|transaction|refund)\./;

/** PhonePe amounts are integer paise of INR, the only currency it settles (phonepe.md §0). */
export function paiseToMoney(amount: unknown): Money | null {
  const money = fromMinor(amount, "INR");
  return money.ok ? money.value : null;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

/**
 * A verified callback → checkpost's webhook event (still a hint: final transitions are confirmed S2S).
 * - Order events name the order by `payload.merchantOrderId` (§5, §11), else `originalMerchantOrderId` (seed 004's
 *   CallbackData table: "Order ID generated by you (only for order callbacks)"). Refund events name it by
 *   `originalMerchantOrderId` only (§11); the documented `pg.refund.failed` samples leave it empty and carry no
 *   `merchantRefundId` (→ `orderId: null`, acknowledged, not recorded; the refund poll settles the refund).
 * - The claimed state is the root `payload.state` (the docs: settle on the root state only), else the event's own.
 * - Dedupe keys are `phonepe:<event>:<id>:<state>` (phonepe.md §7), one per identifier the payload carries, so a
 *   redelivery that names a refund by `refundId` only still matches one that also had `merchantRefundId`.
 * - A failed attempt, or an unknown PG order/refund event, is `other`: recorded, a look follows, it claims nothing.
 *   Events of other families (`subscription.*`, `paylink.*`, …) are `ignored`: no order, no poll.
 * - A callback naming no event at all is malformed.
 */
export function callbackToEvent(callback: PhonePeCallback): Result<WebhookEvent, ProxyError> {
  const name = callbackEventName(callback.event, callback.type);
  if (name === null) {
    return err(proxyError("malformed_body", { detail: "the callback names no event", log: { cause: "no_event" } }));
  }
  const payload = callback.payload;
  const family: EventFamily | null = isPhonePeEvent(name)
    ? PHONEPE_EVENTS[name]
    : PG_FAMILY.test(name)
      ? name.startsWith("pg.refund.")
        ? "refund"
        : "attempt"
      : null;
  const base = { eventType: name, status: null, amount: paiseToMoney(payload.amount), refund: null };
  if (family === null) {
    const reason = `not a PhonePe PG order or refund event (${name.split(".")[0] ?? ""} family)`;
    return ok({ ...base, kind: "ignored", reason, orderId: null, dedupeKeys: [], gatewayStatus: payload.state ?? "" });
  }
  const implied = IMPLIED_STATE[name];
  const state = payload.state ?? implied ?? "";
  const keys = (ids: readonly (string | null)[]) =>
    ids.filter((id): id is string => id !== null).map((id) => `phonepe:${name}:${id}:${state}`);
  if (family !== "refund") {
    const orderId = nonEmpty(payload.merchantOrderId) ?? nonEmpty(payload.originalMerchantOrderId);
    const known = family === "order" && implied !== undefined;
    return ok({
      ...base,
      kind: known ? "payment" : "other",
      orderId,
      dedupeKeys: keys([orderId]),
      gatewayStatus: state,
      status: known ? mapOrderState(state) : null,
    });
  }
  const refundId = nonEmpty(payload.merchantRefundId);
  const refundRef = nonEmpty(payload.refundId);
  const orderId = nonEmpty(payload.originalMerchantOrderId);
  if (implied === undefined) {
    return ok({ ...base, kind: "other", orderId, dedupeKeys: keys([refundId, refundRef]), gatewayStatus: state });
  }
  return ok({
    ...base,
    kind: "refund",
    orderId,
    dedupeKeys: keys([refundId, refundRef]),
    gatewayStatus: state,
    refund: {
      gatewayRefundId: refundId,
      gatewayRefundRef: refundRef,
      status: mapRefundState(state),
      gatewayStatus: state,
      amount: base.amount,
    },
  });
}

/** The latest attempt: the greatest `timestamp`, else the last listed (`details=false` lists only the latest). */
function latestAttempt(details: readonly PhonePePaymentDetail[] | undefined): PhonePePaymentDetail | null {
  let latest: PhonePePaymentDetail | null = null;
  for (const d of details ?? []) {
    if (latest === null || (d.timestamp ?? -Infinity) >= (latest.timestamp ?? -Infinity)) latest = d;
  }
  return latest;
}

/**
 * The facts an Order Status answer adds to the unified order. Every key is always present (null when absent), so a
 * later answer clears an earlier attempt's error code. Only non-sensitive fields: the mode, PhonePe's transaction id
 * and the attempt's state and codes; never rails or instruments (VPAs, masked cards, account numbers, UTRs).
 */
export function statusDetails(status: PhonePeOrderStatus): Record<string, JsonValue> {
  const attempt = latestAttempt(status.paymentDetails);
  return {
    error_code: status.errorCode ?? null,
    detailed_error_code: status.detailedErrorCode ?? null,
    payment_mode: attempt?.paymentMode ?? null,
    transaction_id: attempt?.transactionId ?? null,
    attempt_state: attempt?.state ?? null,
    attempt_error_code: attempt?.errorCode ?? null,
    attempt_detailed_error_code: attempt?.detailedErrorCode ?? null,
    expire_at: status.expireAt ?? null,
  };
}

/** A refund as PhonePe reports it (refund create or refund status) → checkpost's refund hint. */
export function refundHint(
  reply: Pick<PhonePeRefundStatus, "refundId" | "amount" | "state">,
  merchantRefundId: string,
): RefundHint {
  return {
    gatewayRefundId: merchantRefundId,
    gatewayRefundRef: nonEmpty(reply.refundId),
    status: mapRefundState(reply.state),
    gatewayStatus: reply.state,
    amount: paiseToMoney(reply.amount),
  };
}
