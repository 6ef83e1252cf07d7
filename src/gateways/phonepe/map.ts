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

/** Order states (phonepe.md §3). Settle on the root `state` only. */
export const PHONEPE_ORDER_STATES = {
  PENDING: "pending",
  COMPLETED: "succeeded",
  FAILED: "failed",
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

interface EventMeaning {
  readonly kind: "payment" | "refund";
  /** The state the event implies when its payload carries none. */
  readonly impliedState: string;
}

/**
 * Callback names carried in `event` (phonepe.md §5 table): Standard Checkout's `checkout.*`, Custom Checkout's and the
 * native SDKs' `pg.order.*` / `pg.transaction.failed`, and `pg.refund.*` for both. A failed *attempt* leaves the
 * order open (the customer may retry), so it implies `PENDING`, not `FAILED`.
 */
export const PHONEPE_EVENTS = {
  "checkout.order.completed": { kind: "payment", impliedState: "COMPLETED" },
  "checkout.order.failed": { kind: "payment", impliedState: "FAILED" },
  "checkout.transaction.failed": { kind: "payment", impliedState: "PENDING" },
  "pg.order.completed": { kind: "payment", impliedState: "COMPLETED" },
  "pg.order.failed": { kind: "payment", impliedState: "FAILED" },
  "pg.transaction.failed": { kind: "payment", impliedState: "PENDING" },
  "pg.refund.accepted": { kind: "refund", impliedState: "CONFIRMED" },
  "pg.refund.completed": { kind: "refund", impliedState: "COMPLETED" },
  "pg.refund.failed": { kind: "refund", impliedState: "FAILED" },
} as const satisfies Record<string, EventMeaning>;
export type PhonePeEventName = keyof typeof PHONEPE_EVENTS;

/**
 * The deprecated `type` names (Node SDK `CallbackType`, phonepe.md §5) and the `event` each stands for. No dotted
 * name is documented for `CHECKOUT_TRANSACTION_ATTEMPT_FAILED`; `checkout.transaction.failed` follows the pattern of
 * `PG_TRANSACTION_ATTEMPT_FAILED` → `pg.transaction.failed`, so both spellings of one delivery share dedupe keys.
 */
export const PHONEPE_LEGACY_TYPES = {
  CHECKOUT_ORDER_COMPLETED: "checkout.order.completed",
  CHECKOUT_ORDER_FAILED: "checkout.order.failed",
  CHECKOUT_TRANSACTION_ATTEMPT_FAILED: "checkout.transaction.failed",
  PG_ORDER_COMPLETED: "pg.order.completed",
  PG_ORDER_FAILED: "pg.order.failed",
  PG_TRANSACTION_ATTEMPT_FAILED: "pg.transaction.failed",
  PG_REFUND_ACCEPTED: "pg.refund.accepted",
  PG_REFUND_COMPLETED: "pg.refund.completed",
  PG_REFUND_FAILED: "pg.refund.failed",
} as const satisfies Record<string, PhonePeEventName>;

export function isPhonePeEvent(name: string): name is PhonePeEventName {
  return Object.hasOwn(PHONEPE_EVENTS, name);
}

/**
 * The event a callback names: `event` when present (the docs say to rely on it), else the legacy `type` translated
 * to its dotted name, else the raw `type` (an unknown legacy name is still recorded, as an `other` event).
 */
export function callbackEventName(event: string | undefined, type: string | undefined): string | null {
  if (event) return event;
  if (!type) return null;
  return Object.hasOwn(PHONEPE_LEGACY_TYPES, type)
    ? PHONEPE_LEGACY_TYPES[type as keyof typeof PHONEPE_LEGACY_TYPES]
    : type;
}

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
 * - Order events take the order id from `payload.merchantOrderId`; refund events from `originalMerchantOrderId`,
 *   which the documented `pg.refund.failed` samples leave empty (→ `orderId: null`, acknowledged, not recorded).
 * - The claimed state is the root `payload.state` (the docs: settle on the root state only), else the event's own.
 * - Dedupe keys are `phonepe:<event>:<id>:<state>` (phonepe.md §7), one per identifier the payload carries, so a
 *   redelivery that names a refund by `refundId` only still matches one that also had `merchantRefundId`.
 * - A callback naming no event at all is malformed; an event checkpost does not know is recorded as `other`.
 */
export function callbackToEvent(callback: PhonePeCallback): Result<WebhookEvent, ProxyError> {
  const name = callbackEventName(callback.event, callback.type);
  if (name === null) {
    return err(proxyError("malformed_body", { detail: "the callback names no event", log: { cause: "no_event" } }));
  }
  const payload = callback.payload;
  const amount = paiseToMoney(payload.amount);
  const keys = (state: string, ids: readonly (string | null)[]) =>
    ids.filter((id): id is string => id !== null).map((id) => `phonepe:${name}:${id}:${state}`);

  if (!isPhonePeEvent(name)) {
    const orderId = nonEmpty(payload.merchantOrderId) ?? nonEmpty(payload.originalMerchantOrderId);
    const state = payload.state ?? "";
    return ok({
      kind: "other",
      eventType: name,
      orderId,
      dedupeKeys: keys(state, [orderId]),
      gatewayStatus: state,
      status: null,
      amount,
      refund: null,
    });
  }
  const meaning = PHONEPE_EVENTS[name];
  const state = payload.state ?? meaning.impliedState;
  if (meaning.kind === "payment") {
    const orderId = nonEmpty(payload.merchantOrderId);
    return ok({
      kind: "payment",
      eventType: name,
      orderId,
      dedupeKeys: keys(state, [orderId]),
      gatewayStatus: state,
      status: mapOrderState(state),
      amount,
      refund: null,
    });
  }
  const refundId = nonEmpty(payload.merchantRefundId);
  const refundRef = nonEmpty(payload.refundId);
  return ok({
    kind: "refund",
    eventType: name,
    orderId: nonEmpty(payload.originalMerchantOrderId),
    dedupeKeys: keys(state, [refundId, refundRef]),
    gatewayStatus: state,
    status: null,
    amount,
    refund: {
      gatewayRefundId: refundId,
      gatewayRefundRef: refundRef,
      status: mapRefundState(state),
      gatewayStatus: state,
      amount,
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
