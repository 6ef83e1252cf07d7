/**
 * The unified order and the pure function that folds one observation into it (product.md §3).
 * Pure: the caller passes `now`; nothing here reads a clock, storage or the network. The order Durable Object is
 * the only caller that persists what this returns.
 */
import { isCurrency, sameMoney, type Currency, type Money } from "./money";
import { decidePaymentTransition, isFinalPayment, type InputSource, type PaymentStatus } from "./status";
import type { Customer, GatewayId, JsonValue, NextAction, RefundHint } from "./model";

export interface OrderRecord {
  readonly gateway: GatewayId;
  readonly order_id: string;
  readonly status: PaymentStatus;
  /** Minor units. Null only for an order known so far from an unconfirmed hint without an amount. */
  readonly amount: number | null;
  readonly currency: Currency | null;
  /** True when the amount was registered by the merchant through checkpost; false when taken from the gateway. */
  readonly amount_verified: boolean;
  /**
   * For an order not registered through checkpost: whether its amount came from a status call (true) or only from an
   * unconfirmed input such as a webhook. Absent in orders stored before it existed (read as false).
   */
  readonly amount_confirmed?: boolean;
  readonly requires_review: boolean;
  readonly review_reason: string | null;
  readonly gateway_status: string | null;
  readonly gateway_order_ref: string | null;
  /** An attempt exists (or may exist) at the gateway: a create call was sent or the gateway told us of the order. */
  readonly attempted: boolean;
  readonly next_action: NextAction | null;
  readonly expires_at: number | null;
  readonly customer: Customer | null;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly details: Readonly<Record<string, JsonValue>>;
  /** Bumped once per change the merchant is told about (one outbound event each). */
  readonly sequence: number;
  readonly created_at: number;
  readonly updated_at: number;
}

/** Outbound event types (product.md §4). */
export const EVENT_TYPES = [
  "payment.pending",
  "payment.succeeded",
  "payment.failed",
  "payment.expired",
  "payment.reversed",
  "payment.requires_review",
  "refund.pending",
  "refund.succeeded",
  "refund.failed",
  "refund.requires_review",
  // Juspay mandates (product.md §4), one object per mandate (core/mandate.ts).
  "mandate.created",
  "mandate.activated",
  "mandate.paused",
  "mandate.revoked",
  "mandate.failed",
  "mandate.expired",
  "mandate.notification.succeeded",
  "mandate.notification.failed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const PAYMENT_EVENT: Readonly<Record<PaymentStatus, EventType | null>> = {
  created: null,
  pending: "payment.pending",
  succeeded: "payment.succeeded",
  failed: "payment.failed",
  expired: "payment.expired",
  reversed: "payment.reversed",
};

export interface Observation {
  readonly source: InputSource;
  /** True only for the answer to a server-to-server status call checkpost made itself. */
  readonly confirmed: boolean;
  readonly gatewayStatus: string;
  readonly status: PaymentStatus;
  readonly amount: Money | null;
  /** The gateway gave an amount checkpost cannot read exactly (e.g. `100.005` rupees): never settles the order. */
  readonly amountUnreadable?: boolean;
  readonly gatewayOrderRef?: string | null;
  readonly details?: Readonly<Record<string, JsonValue>>;
  /**
   * A confirmed answer that needs a person though its status settles nothing (`HELD_REVIEW`: money held past the
   * reconciliation window): the order is flagged `requires_review` with this reason, once, and keeps its status.
   */
  readonly review?: string;
}

/** Why an order whose money the gateway still holds (pre-auth, never captured or voided) waits for a person. */
export const HELD_REVIEW = "authorized_not_captured";

/** One observed gateway status as the order object takes it: the observation plus what identifies its delivery. */
export interface ObserveInput extends Observation {
  /** Refunds the gateway listed with a confirmed status (e.g. Juspay `refunds[]`), folded into the refund rows. */
  readonly refunds?: readonly RefundHint[];
  /** Keys identifying the delivery (webhook ids); any key seen before makes the input a duplicate. */
  readonly eventKeys?: readonly string[];
  /** A look's trigger key (a return leg's), kept with this input's audit line without de-duplicating on it. */
  readonly lookKeys?: readonly string[];
  readonly note?: string;
}

export type ObservationOutcome = "applied" | "duplicate" | "stale" | "needs_confirmation" | "requires_review";

export interface Folded {
  readonly order: OrderRecord;
  readonly outcome: ObservationOutcome;
  readonly from: PaymentStatus;
  /** The event the merchant must be told of, if the fold changed something they see. */
  readonly event: EventType | null;
  readonly reviewReason: string | null;
}

export function newOrder(gateway: GatewayId, orderId: string, now: number): OrderRecord {
  return {
    gateway,
    order_id: orderId,
    status: "created",
    amount: null,
    currency: null,
    amount_verified: false,
    requires_review: false,
    review_reason: null,
    gateway_status: null,
    gateway_order_ref: null,
    attempted: false,
    next_action: null,
    expires_at: null,
    customer: null,
    description: null,
    metadata: null,
    details: {},
    sequence: 0,
    created_at: now,
    updated_at: now,
  };
}

/** Why a confirmed amount cannot settle this order, or null when it can. */
function amountProblem(order: OrderRecord, amount: Money | null, unreadable: boolean): string | null {
  if (unreadable) return "amount_unreadable";
  if (!order.amount_verified || order.amount === null || order.currency === null) return null;
  if (amount === null) return "amount_missing";
  if (amount.currency !== order.currency) return "currency_mismatch";
  if (!sameMoney(amount, { minor: order.amount, currency: order.currency })) return "amount_mismatch";
  return null;
}

/**
 * Folds one observation into the order.
 * - Transitions follow `decidePaymentTransition`: monotonic, final states only on confirmed input, late success only
 *   when confirmed; duplicates and stale inputs leave the order untouched.
 * - A confirmed success whose amount or currency differs from the registered one never makes the order
 *   `succeeded`: the order is flagged `requires_review` instead, once (product.md §3).
 * - An order not registered through checkpost takes its amount from the first observation that carries one and stays
 *   `amount_verified: false`; `amount_confirmed` says whether a status call gave it.
 * - An amount the gateway gave that checkpost cannot read exactly (`amountUnreadable`) never makes the order
 *   `succeeded`: it is flagged `requires_review` (`amount_unreadable`), registered or not.
 */
export function foldObservation(order: OrderRecord, obs: Observation, now: number): Folded {
  const from = order.status;
  const facts = {
    gateway_status: obs.gatewayStatus,
    gateway_order_ref: obs.gatewayOrderRef ?? order.gateway_order_ref,
    details: obs.details ? { ...order.details, ...obs.details } : order.details,
    attempted: true,
  };
  const unverifiedAmount =
    !order.amount_verified && obs.amount && (obs.confirmed || order.amount === null)
      ? { amount: obs.amount.minor, currency: obs.amount.currency, amount_confirmed: obs.confirmed }
      : {};

  if (obs.review !== undefined && obs.confirmed && !isFinalPayment(obs.status)) {
    const first = !order.requires_review;
    return {
      order: {
        ...order,
        ...facts,
        ...unverifiedAmount,
        requires_review: true,
        review_reason: first ? obs.review : order.review_reason,
        sequence: first ? order.sequence + 1 : order.sequence,
        updated_at: now,
      },
      outcome: first ? "requires_review" : "duplicate",
      from,
      event: first ? "payment.requires_review" : null,
      reviewReason: first ? obs.review : null,
    };
  }
  // Held money that the gateway has since captured, voided or released no longer needs a person for that reason.
  const heldReview = order.requires_review && order.review_reason === HELD_REVIEW;
  const decision = decidePaymentTransition(from, obs.status, obs.confirmed);
  if (decision.kind === "duplicate" || decision.kind === "stale" || decision.kind === "needs_confirmation") {
    // Facts from a confirmed call are still worth keeping (e.g. error codes, gateway reference).
    const keep = obs.confirmed ? { ...facts, ...unverifiedAmount, updated_at: now } : {};
    return { order: { ...order, ...keep }, outcome: decision.kind, from, event: null, reviewReason: null };
  }

  if (decision.to === "succeeded") {
    const problem = amountProblem(order, obs.amount, obs.amountUnreadable === true);
    if (problem !== null) {
      const first = !order.requires_review || heldReview;
      return {
        order: {
          ...order,
          ...facts,
          requires_review: true,
          review_reason: problem,
          sequence: first ? order.sequence + 1 : order.sequence,
          updated_at: now,
        },
        outcome: "requires_review",
        from,
        event: first ? "payment.requires_review" : null,
        reviewReason: problem,
      };
    }
  }

  const event = PAYMENT_EVENT[decision.to];
  const released = heldReview && isFinalPayment(decision.to) ? { requires_review: false, review_reason: null } : {};
  return {
    order: {
      ...order,
      ...facts,
      ...unverifiedAmount,
      ...released,
      status: decision.to,
      sequence: event ? order.sequence + 1 : order.sequence,
      updated_at: now,
    },
    outcome: "applied",
    from,
    event,
    reviewReason: null,
  };
}

/** The order as `/v1` shows it. Times are ISO-8601; amounts are integer minor units. */
export interface PublicOrder {
  readonly gateway: GatewayId;
  readonly order_id: string;
  readonly status: PaymentStatus;
  readonly amount: number | null;
  readonly currency: Currency | null;
  readonly amount_verified: boolean;
  readonly requires_review: boolean;
  readonly review_reason: string | null;
  readonly gateway_status: string | null;
  readonly gateway_reference: string | null;
  readonly customer: Customer | null;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly details: Readonly<Record<string, JsonValue>>;
  readonly expires_at: string | null;
  readonly sequence: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export function toPublicOrder(order: OrderRecord): PublicOrder {
  return {
    gateway: order.gateway,
    order_id: order.order_id,
    status: order.status,
    amount: order.amount,
    currency: order.currency && isCurrency(order.currency) ? order.currency : null,
    amount_verified: order.amount_verified,
    requires_review: order.requires_review,
    review_reason: order.review_reason,
    gateway_status: order.gateway_status,
    gateway_reference: order.gateway_order_ref,
    customer: order.customer,
    description: order.description,
    metadata: order.metadata,
    details: order.details,
    expires_at: order.expires_at === null ? null : new Date(order.expires_at).toISOString(),
    sequence: order.sequence,
    created_at: new Date(order.created_at).toISOString(),
    updated_at: new Date(order.updated_at).toISOString(),
  };
}

/** The status a customer-facing redirect or page shows: `requires_review` wins over the payment status. */
export function displayStatus(order: OrderRecord): PaymentStatus | "requires_review" {
  return order.requires_review ? "requires_review" : order.status;
}
