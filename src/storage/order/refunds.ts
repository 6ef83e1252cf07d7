/**
 * Refunds inside the order object (product.md §3, issue 6): the recovery points recorded → sent → confirmed.
 * `beginRefund` claims the idempotency key, applies the over-refund guard and records the refund, all inside one
 * transaction, so concurrent requests for one order are decided one at a time and pending + succeeded refunds never
 * exceed the captured amount. Answers are values (`StoredAnswer`); the HTTP layer renders them.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import type { StoredAnswer } from "../../core/idempotency";
import type { OrderRef, RefundHint } from "../../core/model";
import type { Money } from "../../core/money";
import {
  markFailedRefusal,
  notFoundReview,
  refundRefusal,
  toPublicRefund,
  type PublicRefund,
  type RefundRecord,
} from "../../core/refunds";
import type { InputSource } from "../../core/status";
import type { OrderFacts } from "../../gateways/types";
import type { OrderTx } from "./context";
import { claimIdempotencyKey, completeIdempotencyKey } from "./idempotency";
import { audit, auditOrder, orderFacts, orderFor } from "./record";
import { applyRefundHint, queueRefundEvent } from "./refund-hints";
import { findRefund, listRefunds, saveRefund } from "./refund-rows";
import { planRefundLook } from "./schedule";

export const REFUND_SCOPE = "POST /v1/orders/:gateway/:order_id/refunds";
const MARK_FAILED_SCOPE = "POST /v1/orders/:gateway/:order_id/refunds/:refund_id/mark-failed";
/** A claim still running after this long belongs to a request that died (a Worker request cannot run this long). */
export const ABANDONED_CLAIM_MS = 5 * 60 * 1000;

export interface BeginRefundInput {
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly refundId: string;
  readonly gatewayRefundId: string;
  readonly amount: Money;
  readonly reason: string | null;
  readonly maxRefunds: number;
  readonly requestId: string;
}

export type BeginRefund =
  | { readonly kind: "proceed"; readonly refund: PublicRefund; readonly facts: OrderFacts }
  | { readonly kind: "answer"; readonly answer: StoredAnswer; readonly replayed: boolean }
  | { readonly kind: "in_use" }
  | { readonly kind: "reused" };

/** What the gateway said to the refund call: accepted, definitely refused, or unknown (timeout, 5xx, bad answer). */
export type RefundCallOutcome =
  | { readonly kind: "accepted"; readonly hint: RefundHint }
  | { readonly kind: "refused"; readonly error: ProxyError }
  | { readonly kind: "unknown"; readonly error: ProxyError };

export interface FinishRefundInput {
  readonly idempotencyKey: string;
  readonly refundId: string;
  readonly outcome: RefundCallOutcome;
  readonly requestId: string;
}

/** Step 1 ("recorded"). A refusal is stored as the key's answer, so a retry with the same key gets the same answer. */
export function beginRefund(tx: OrderTx, ref: OrderRef, input: BeginRefundInput): BeginRefund {
  const { sql, now } = tx;
  const claim = claimIdempotencyKey(
    sql,
    { scope: REFUND_SCOPE, key: input.idempotencyKey, fingerprint: input.fingerprint },
    now,
  );
  if (claim.kind === "replay") return { kind: "answer", answer: claim.answer, replayed: true };
  if (claim.kind === "reused") return claim;
  if (claim.kind === "in_use") {
    // A claim left running by a request that died after recording its refund: answer with the refund as it stands
    // (the alarm is resolving it with the gateway) instead of "in use" for a day.
    const orphan = now - claim.since > ABANDONED_CLAIM_MS ? findRefund(sql, "refund_id", input.refundId) : null;
    if (!orphan) return { kind: "in_use" };
    const answer: StoredAnswer = { kind: "refund", outcome: "unknown", refund: toPublicRefund(orphan) };
    completeIdempotencyKey(sql, REFUND_SCOPE, input.idempotencyKey, answer);
    return { kind: "answer", answer, replayed: true };
  }
  const order = orderFor(sql, ref);
  const existing = findRefund(sql, "refund_id", input.refundId);
  const refusal = existing
    ? proxyError("refund_id_conflict", { detail: "a refund with this refund_id already exists" })
    : refundRefusal(order, listRefunds(sql), input.amount, input.maxRefunds);
  if (refusal) {
    const answer: StoredAnswer = { kind: "refused", error: refusal, requestId: input.requestId };
    completeIdempotencyKey(sql, REFUND_SCOPE, input.idempotencyKey, answer);
    if (order) {
      auditOrder(tx, order, {
        source: "api",
        kind: "refund_refused",
        outcome: refusal.reason,
        detail: { amount: input.amount.minor },
      });
    }
    return { kind: "answer", answer, replayed: false };
  }
  const refund: RefundRecord = {
    refund_id: input.refundId,
    gateway_refund_id: input.gatewayRefundId,
    gateway_refund_ref: null,
    amount: input.amount.minor,
    currency: input.amount.currency,
    status: "pending",
    phase: "recorded",
    gateway_status: null,
    reason: input.reason,
    origin: "api",
    failure_code: null,
    requires_review: false,
    review_reason: null,
    created_at: now,
    updated_at: now,
  };
  saveRefund(sql, refund);
  audit(tx, {
    source: "api",
    kind: "refund_recorded",
    outcome: "recorded",
    detail: { refund_id: refund.refund_id, gateway_refund_id: refund.gateway_refund_id, amount: refund.amount },
  });
  // Planned before the gateway call: if this request dies mid-call, the alarm still resolves the refund.
  if (order) planRefundLook(tx);
  return { kind: "proceed", refund: toPublicRefund(refund), facts: orderFacts(order) };
}

/**
 * Step 2 ("sent"): records what the gateway said and stores the key's answer. A definite refusal fails the refund
 * (releasing its reservation); an unknown outcome leaves it pending for the alarm to resolve by asking the gateway
 * about that same id — never by sending it again.
 */
export function finishRefund(tx: OrderTx, ref: OrderRef, input: FinishRefundInput): StoredAnswer {
  const { sql, now } = tx;
  const { outcome } = input;
  const refund = findRefund(sql, "refund_id", input.refundId);
  if (!refund) throw new Error("finishRefund for a refund that was never recorded");
  let next: RefundRecord;
  let answer: StoredAnswer;
  if (outcome.kind === "accepted") {
    const status = outcome.hint.status;
    next = {
      ...refund,
      status,
      phase: status === "pending" ? "sent" : "confirmed",
      gateway_status: outcome.hint.gatewayStatus,
      gateway_refund_ref: outcome.hint.gatewayRefundRef ?? refund.gateway_refund_ref,
      updated_at: now,
    };
    answer = { kind: "refund", outcome: "accepted", refund: toPublicRefund(next) };
  } else if (outcome.kind === "refused") {
    next = { ...refund, status: "failed", phase: "confirmed", failure_code: outcome.error.reason, updated_at: now };
    answer = { kind: "refused", error: outcome.error, requestId: input.requestId };
  } else {
    next = { ...refund, failure_code: null, updated_at: now };
    answer = { kind: "refund", outcome: "unknown", refund: toPublicRefund(next) };
  }
  saveRefund(sql, next);
  audit(tx, {
    source: "api",
    kind: "refund_sent",
    outcome: outcome.kind,
    gatewayStatus: next.gateway_status,
    detail: {
      refund_id: input.refundId,
      refund_status: next.status,
      ...(outcome.kind === "accepted" ? {} : { error: outcome.error.reason }),
    },
  });
  if (outcome.kind !== "refused") queueRefundEvent(tx, next);
  completeIdempotencyKey(sql, REFUND_SCOPE, input.idempotencyKey, answer);
  if (next.status === "pending" && orderFor(sql, ref)) planRefundLook(tx);
  return answer;
}

/**
 * What the alarm learnt about one pending refund by asking the gateway about the id checkpost sent. The row is read
 * again here, inside the transaction that changes it: the gateway call took time, and another input may have moved it.
 */
export function refundPolled(
  tx: OrderTx,
  refundId: string,
  answer: { ok: true; value: RefundHint } | { ok: false; error: ProxyError },
): void {
  if (answer.ok) {
    applyRefundHint(tx, answer.value, "poll", true);
    return;
  }
  const refund = findRefund(tx.sql, "refund_id", refundId);
  if (!refund) return;
  if (answer.error.reason === "gateway_not_found") {
    refundNotFound(tx, refund, "poll");
    return;
  }
  audit(tx, {
    source: "poll",
    kind: "refund_poll",
    outcome: "gateway_error",
    detail: { refund_id: refund.refund_id, error: answer.error.reason },
  });
}

/**
 * The gateway does not (yet) show this refund. Unknown is never failed (product.md §3): its amount stays reserved and
 * it is still polled; 30 minutes after it was recorded it is flagged for review, once, with a `refund.requires_review`
 * event. Only the gateway saying it failed, or the merchant's `mark-failed`, releases it.
 */
export function refundNotFound(tx: OrderTx, refund: RefundRecord, source: InputSource): PublicRefund {
  const review = notFoundReview(refund, tx.now);
  const next: RefundRecord = {
    ...refund,
    gateway_status: NOT_FOUND,
    ...(review ? { requires_review: true, review_reason: review } : {}),
    updated_at: review || refund.gateway_status !== NOT_FOUND ? tx.now : refund.updated_at,
  };
  saveRefund(tx.sql, next);
  audit(tx, {
    source,
    kind: "refund_observation",
    outcome: review ? "requires_review" : "not_found",
    gatewayStatus: NOT_FOUND,
    detail: { refund_id: refund.refund_id, ...(review ? { review_reason: review } : {}) },
  });
  if (review) queueRefundEvent(tx, next, "refund.requires_review");
  return toPublicRefund(next);
}

/**
 * The merchant's decision, after checking with the gateway, that a refund under review never happened: it fails and
 * its reserved amount is released. Only a pending refund flagged for review; audited with who decided.
 */
export function markRefundFailed(
  tx: OrderTx,
  input: MarkFailedInput,
):
  { readonly kind: "answer"; readonly answer: StoredAnswer; readonly replayed: boolean } | { readonly kind: "reused" } {
  const scope = MARK_FAILED_SCOPE;
  const claim = claimIdempotencyKey(
    tx.sql,
    { scope, key: input.idempotencyKey, fingerprint: input.fingerprint },
    tx.now,
  );
  if (claim.kind === "replay") return { kind: "answer", answer: claim.answer, replayed: true };
  // The claim and its answer are written in this one transaction, so no other request ever sees it running.
  if (claim.kind !== "new") return { kind: "reused" };
  const answer = markFailed(tx, input);
  completeIdempotencyKey(tx.sql, scope, input.idempotencyKey, answer);
  return { kind: "answer", answer, replayed: false };
}

function markFailed(tx: OrderTx, input: MarkFailedInput): StoredAnswer {
  const refund = findRefund(tx.sql, "refund_id", input.refundId);
  if (!refund) return { kind: "refused", error: proxyError("refund_not_found"), requestId: input.requestId };
  const refusal = markFailedRefusal(refund);
  if (refusal) return { kind: "refused", error: refusal, requestId: input.requestId };
  const failed: RefundRecord = {
    ...refund,
    status: "failed",
    phase: "confirmed",
    failure_code: "marked_failed",
    updated_at: tx.now,
  };
  saveRefund(tx.sql, failed);
  audit(tx, {
    source: "api",
    kind: "refund_marked_failed",
    outcome: "applied",
    gatewayStatus: refund.gateway_status,
    detail: {
      refund_id: refund.refund_id,
      review_reason: refund.review_reason,
      note: input.note,
      api_key: input.apiKeyFingerprint,
    },
  });
  queueRefundEvent(tx, failed);
  return { kind: "refund", outcome: "updated", refund: toPublicRefund(failed) };
}

export interface MarkFailedInput {
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly refundId: string;
  readonly note: string;
  /** A fingerprint of the API key that asked (never the key). */
  readonly apiKeyFingerprint: string;
  readonly requestId: string;
}

/** `gateway_status` of a refund the gateway's refund status says it does not know. */
const NOT_FOUND = "not_found";
