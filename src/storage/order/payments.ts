/**
 * The payment side of the order object: registering the expected amount, the create call's recovery points, and
 * every observed gateway status (confirmed looks, webhooks), folded by `core/order.ts` and written with its audit
 * line and merchant event in the caller's transaction.
 */
import { noteMandateBlock } from "./mandate";
import { proxyError, type ProxyError } from "../../core/errors";
import type { Customer, NextAction, OrderRef } from "../../core/model";
import type { Money } from "../../core/money";
import {
  foldObservation,
  newOrder,
  toPublicOrder,
  type ObservationOutcome,
  type ObserveInput,
  type OrderRecord,
  type PublicOrder,
} from "../../core/order";
import { err, ok, type Result } from "../../core/result";
import { isFinalPayment } from "../../core/status";
import type { CreatedOrder, WebhookEvent } from "../../gateways/types";
import type { OrderTx } from "./context";
import { queueEvent } from "./outbox";
import { confirmClaims, seenBefore } from "./dedupe";
import { audit, auditOrder, firstSeen, loadOrder, orderFor, saveOrder } from "./record";
import { applyRefundHint, claimGatewayRefund } from "./refund-hints";
import { planPaymentLook } from "./schedule";

export interface RegisterInput {
  readonly amount: Money;
  readonly customer: Customer | null;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>> | null;
}

export interface ObserveResult {
  readonly order: PublicOrder;
  readonly outcome: ObservationOutcome | "duplicate_event";
  readonly changed: boolean;
}

/** A webhook's outcome: an observation's, or a notice's (recorded on a known order, or not recorded at all). */
export type WebhookResult =
  | ObserveResult
  | { readonly order: PublicOrder; readonly outcome: "recorded"; readonly changed: false }
  | { readonly order: null; readonly outcome: "not_recorded"; readonly changed: false };

export interface CreateState {
  readonly attempted: boolean;
  readonly nextAction: NextAction | null;
}

/**
 * Registers the expected amount (and who the order is for) before any gateway call. Registering again with the
 * same amount and currency is a no-op that returns the order; different ones are `order_conflict`.
 * An order first seen through the gateway (a webhook or return for an unregistered order) can be registered once,
 * with the amount the gateway already reported, to make it verified.
 */
export function register(
  tx: OrderTx,
  ref: OrderRef,
  input: RegisterInput,
): Result<{ order: PublicOrder; created: boolean }, ProxyError> {
  const existing = orderFor(tx.sql, ref);
  const asked = { amount: input.amount.minor, currency: input.amount.currency };
  if (existing?.amount_verified) {
    const same = existing.amount === input.amount.minor && existing.currency === input.amount.currency;
    auditOrder(tx, existing, {
      source: "api",
      kind: "register",
      outcome: same ? "duplicate" : "conflict",
      detail: asked,
    });
    if (!same) {
      return err(
        proxyError("order_conflict", { detail: "an order with this id exists with another amount or currency" }),
      );
    }
    return ok({ order: toPublicOrder(existing), created: false });
  }
  if (existing && existing.amount !== null) {
    if (existing.amount !== input.amount.minor || existing.currency !== input.amount.currency) {
      return err(
        proxyError("amount_mismatch", { detail: "the gateway already reported another amount for this order" }),
      );
    }
  }
  if (existing && (isFinalPayment(existing.status) || existing.requires_review) && existing.amount_confirmed !== true) {
    // Money may have moved with an amount no status call confirmed: registering now must not certify one.
    auditOrder(tx, existing, { source: "api", kind: "register", outcome: "unconfirmed", detail: asked });
    return err(
      proxyError("amount_unconfirmed", {
        detail: `the order is already ${existing.requires_review ? "under review" : existing.status} and the gateway never confirmed its amount`,
      }),
    );
  }
  const order: OrderRecord = {
    ...(existing ?? newOrder(ref.gateway, ref.orderId, tx.now)),
    amount: input.amount.minor,
    currency: input.amount.currency,
    amount_verified: true,
    customer: input.customer,
    description: input.description,
    metadata: input.metadata,
    updated_at: tx.now,
  };
  saveOrder(tx.sql, order);
  audit(tx, {
    source: "api",
    kind: "register",
    outcome: "applied",
    from: existing?.status ?? null,
    to: order.status,
    detail: asked,
  });
  return ok({ order: toPublicOrder(order), created: !existing });
}

/**
 * Marks that a create call is about to be sent to the gateway ("recorded → sent"): from here on the order may exist
 * at the gateway even if the call times out, so reconciliation will look for it.
 */
export function markAttempt(tx: OrderTx, ref: OrderRef): Result<PublicOrder, ProxyError> {
  const order = orderFor(tx.sql, ref);
  if (!order) return err(proxyError("order_not_found"));
  const next = { ...order, attempted: true, updated_at: tx.now };
  saveOrder(tx.sql, next);
  auditOrder(tx, order, { source: "api", kind: "create_sent", outcome: "recorded" });
  planPaymentLook(tx, next, false);
  return ok(toPublicOrder(next));
}

export interface RegisteredForCreate {
  readonly order: PublicOrder;
  /** Where the create stood before this call: an answered one (`nextAction`) is not sent again. */
  readonly before: CreateState;
}

/**
 * `register`, then `markAttempt` unless the gateway already answered a create of this order: one transaction, so
 * the order's row is written once for both (what `POST /v1/orders` does before its gateway call).
 */
export function registerForCreate(
  tx: OrderTx,
  ref: OrderRef,
  input: RegisterInput,
): Result<RegisteredForCreate, ProxyError> {
  const registered = register(tx, ref, input);
  if (!registered.ok) return registered;
  // Both fallbacks are for the type checker: `register` succeeded, so the order exists.
  const before = createState(tx.sql, ref) ?? { attempted: false, nextAction: null };
  if (before.nextAction) return ok({ order: registered.value.order, before });
  const marked = markAttempt(tx, ref);
  return marked.ok ? ok({ order: marked.value, before }) : marked;
}

/** Stores what the gateway answered to the create call. */
export function recordCreated(tx: OrderTx, ref: OrderRef, created: CreatedOrder): Result<PublicOrder, ProxyError> {
  const order = orderFor(tx.sql, ref);
  if (!order) return err(proxyError("order_not_found"));
  const next: OrderRecord = {
    ...order,
    attempted: true,
    gateway_order_ref: created.gatewayOrderRef ?? order.gateway_order_ref,
    gateway_status: order.gateway_status ?? created.gatewayStatus,
    next_action: created.nextAction,
    expires_at: created.expiresAt,
    updated_at: tx.now,
  };
  saveOrder(tx.sql, next);
  auditOrder(tx, order, {
    source: "api",
    kind: "created_at_gateway",
    outcome: "recorded",
    gatewayStatus: created.gatewayStatus,
    detail: { gateway_reference: created.gatewayOrderRef },
  });
  return ok(toPublicOrder(next));
}

/** The gateway refused the create call outright (a 4xx): nothing exists there, so nothing needs polling. */
export function recordCreateRejected(tx: OrderTx, ref: OrderRef, code: string): Result<PublicOrder, ProxyError> {
  const order = orderFor(tx.sql, ref);
  if (!order) return err(proxyError("order_not_found"));
  const next = { ...order, attempted: false, updated_at: tx.now };
  saveOrder(tx.sql, next);
  auditOrder(tx, order, { source: "api", kind: "create_rejected", outcome: "recorded", detail: { code } });
  return ok(toPublicOrder(next));
}

/**
 * Changes the registered amount (e.g. a gateway's update-order call that the merchant made through checkpost).
 * Refused for an order that is final or flagged for review (money may already have moved), for one whose amount
 * was never registered through checkpost, and for another currency. The same amount again is a no-op.
 */
export function updateAmount(tx: OrderTx, ref: OrderRef, amount: Money): Result<PublicOrder, ProxyError> {
  const order = orderFor(tx.sql, ref);
  if (!order) return err(proxyError("order_not_found"));
  const refuse = (why: string): Result<PublicOrder, ProxyError> => {
    auditOrder(tx, order, {
      source: "api",
      kind: "amount_update",
      outcome: "refused",
      detail: { amount: amount.minor, reason: why },
    });
    return err(proxyError("order_not_updatable", { detail: why }));
  };
  if (!order.amount_verified) return refuse("the order's amount was not registered through checkpost");
  if (order.currency !== amount.currency) return refuse("the currency of an order cannot change");
  if (isFinalPayment(order.status)) return refuse(`the order is ${order.status}`);
  if (order.requires_review) return refuse("the order is flagged for review");
  if (order.amount === amount.minor) return ok(toPublicOrder(order));
  const next: OrderRecord = { ...order, amount: amount.minor, updated_at: tx.now };
  saveOrder(tx.sql, next);
  auditOrder(tx, order, {
    source: "api",
    kind: "amount_update",
    outcome: "applied",
    detail: { from_amount: order.amount, amount: amount.minor, currency: amount.currency },
  });
  return ok(toPublicOrder(next));
}

/**
 * Where a create stands: whether a create call was ever sent, and the gateway's answer if it came. A create sent
 * without an answer (a timeout) may have made the order at the gateway.
 */
export function createState(sql: SqlStorage, ref: OrderRef): CreateState | null {
  const order = orderFor(sql, ref);
  return order ? { attempted: order.attempted, nextAction: order.next_action } : null;
}

/**
 * Applies one observed gateway status: de-duplicates on `eventKeys` (`dedupe.ts`), folds it through the transition
 * rules, records the input and its outcome in the audit trail, queues the merchant event. An unknown order is created
 * from the observation (its amount then unverified). A repeat of a delivery whose claim no status call has confirmed
 * yet changes nothing but asks for a look now.
 */
export function observe(tx: OrderTx, ref: OrderRef, input: ObserveInput): ObserveResult {
  const order = orderFor(tx.sql, ref) ?? firstSeen(tx, ref);
  const keys = input.eventKeys ?? [];
  const repeat = seenBefore(tx, keys);
  if (repeat.kind === "repeat") {
    planPaymentLook(tx, order, !repeat.confirmed);
    return { order: toPublicOrder(order), outcome: "duplicate_event", changed: false };
  }
  const folded = foldObservation(order, input, tx.now);
  saveOrder(tx.sql, folded.order);
  audit(tx, {
    source: input.source,
    kind: "observation",
    outcome: folded.outcome,
    gatewayStatus: input.gatewayStatus,
    from: folded.from,
    to: folded.order.status,
    detail: {
      confirmed: input.confirmed,
      claimed: input.status,
      ...(input.amount ? { amount: input.amount.minor, currency: input.amount.currency } : {}),
      ...(folded.reviewReason ? { review_reason: folded.reviewReason } : {}),
      ...(input.note ? { note: input.note } : {}),
    },
    keys: [...keys, ...(input.lookKeys ?? [])],
    claimed: input.status,
    confirmed: input.confirmed,
  });
  if (input.confirmed) confirmClaims(tx, input.status, folded.order.status);
  if (folded.event) queueEvent(tx, folded.order, folded.event);
  if (input.confirmed) noteMandateBlock(tx, folded.order, input.details);
  if (input.confirmed) for (const hint of input.refunds ?? []) applyRefundHint(tx, hint, input.source, true);
  const after = loadOrder(tx.sql) ?? folded.order;
  planPaymentLook(tx, after, folded.outcome === "needs_confirmation");
  return { order: toPublicOrder(after), outcome: folded.outcome, changed: folded.event !== null };
}

/**
 * Records an authenticated webhook. Payment events go through the same fold as any unconfirmed input: a non-final
 * status may apply at once; a final one is confirmed with the gateway by the alarm, asked for now. Refund and other
 * events are recorded, de-duplicated, and ask for the same look at the gateway.
 */
export function recordWebhook(tx: OrderTx, ref: OrderRef, event: WebhookEvent): WebhookResult {
  if (event.kind === "payment" && event.status !== null) {
    const observed = observe(tx, ref, {
      source: "webhook",
      confirmed: false,
      gatewayStatus: event.gatewayStatus,
      status: event.status,
      amount: event.amount,
      eventKeys: event.dedupeKeys,
      note: event.eventType,
    });
    // A new webhook is news from the gateway even when its unified status is not (e.g. Nimbbl `reversing` while
    // pending): look now rather than at the next regular poll. Repeats were handled by `observe`.
    const order = loadOrder(tx.sql);
    if (order && observed.outcome !== "duplicate_event") planPaymentLook(tx, order, true);
    return observed;
  }
  if (event.kind === "notice") return recordNotice(tx, ref, event);
  const current = orderFor(tx.sql, ref) ?? firstSeen(tx, ref);
  const repeat = seenBefore(tx, event.dedupeKeys);
  if (repeat.kind === "repeat") {
    if (!repeat.confirmed) planPaymentLook(tx, current, true);
    return { order: toPublicOrder(current), outcome: "duplicate_event", changed: false };
  }
  audit(tx, {
    source: "webhook",
    kind: `${event.kind}_event`,
    outcome: "recorded",
    gatewayStatus: event.gatewayStatus,
    detail: {
      event: event.eventType,
      ...(event.refund ? { refund_id: event.refund.gatewayRefundId, refund_status: event.refund.status } : {}),
    },
    keys: event.dedupeKeys,
  });
  if (event.kind === "refund" && event.refund) claimGatewayRefund(tx, event.refund);
  planPaymentLook(tx, current, true);
  return { order: toPublicOrder(current), outcome: "needs_confirmation", changed: false };
}

/**
 * A notice (a chargeback, a mandate event): kept in the audit trail of an order checkpost already holds, once per
 * delivery, with the adapter's reason. It never creates an order and never asks for a look: nothing it says can
 * settle the order, and an unknown order id must cost nothing.
 */
function recordNotice(tx: OrderTx, ref: OrderRef, event: WebhookEvent): WebhookResult {
  const current = orderFor(tx.sql, ref);
  if (!current) return { order: null, outcome: "not_recorded", changed: false };
  const repeat = seenBefore(tx, event.dedupeKeys);
  if (repeat.kind === "repeat") return { order: toPublicOrder(current), outcome: "duplicate_event", changed: false };
  audit(tx, {
    source: "webhook",
    kind: "notice_event",
    outcome: "recorded",
    gatewayStatus: event.gatewayStatus,
    detail: { event: event.eventType, ...(event.reason ? { reason: event.reason } : {}) },
    keys: event.dedupeKeys,
  });
  return { order: toPublicOrder(current), outcome: "recorded", changed: false };
}

/** Asks the alarm to look at the gateway now (e.g. a return leg whose status call failed). */
export function requestReconcile(tx: OrderTx, ref: OrderRef, reason: string): void {
  const order = orderFor(tx.sql, ref) ?? firstSeen(tx, ref);
  auditOrder(tx, order, { source: "system", kind: "reconcile_requested", outcome: "recorded", detail: { reason } });
  planPaymentLook(tx, order, true);
}
