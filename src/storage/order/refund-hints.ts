/**
 * What the gateway says about refunds, folded into the refund rows: a confirmed answer (a status call, a refund
 * listed on a payment), or a webhook's claim about a refund checkpost never sent. Only a confirmed answer moves a
 * refund; a claim about an unknown refund only reserves its amount until a look confirms it (product.md §3).
 */
import type { RefundHint } from "../../core/model";
import { decideRefund, refundEvent, toPublicRefund, type PublicRefund, type RefundRecord } from "../../core/refunds";
import type { InputSource } from "../../core/status";
import type { OrderTx } from "./context";
import { queueEvent } from "./outbox";
import { audit, loadOrder, saveOrder } from "./record";
import { findRefund, listRefunds, saveRefund } from "./refund-rows";
import { planRefundLook } from "./schedule";

function knownRefund(tx: OrderTx, hint: RefundHint): RefundRecord | null {
  return (
    findRefund(tx.sql, "gateway_refund_id", hint.gatewayRefundId) ??
    findRefund(tx.sql, "gateway_refund_ref", hint.gatewayRefundRef)
  );
}

/** A refund first seen at the gateway (a dashboard refund, an auto-refund): origin `gateway`, counted by the guard. */
function gatewayOrigin(tx: OrderTx, hint: RefundHint, confirmed: boolean): RefundRecord | null {
  const id = hint.gatewayRefundId ?? hint.gatewayRefundRef;
  if (!id || !hint.amount) return null;
  // An unconfirmed claim is held as pending, whatever it claims, with no gateway status of its own yet.
  const status = confirmed ? hint.status : "pending";
  const review = confirmed && status === "pending" ? (hint.reviewReason ?? null) : null;
  const created: RefundRecord = {
    refund_id: `gw_${id}`,
    gateway_refund_id: id,
    gateway_refund_ref: hint.gatewayRefundRef,
    amount: hint.amount.minor,
    currency: hint.amount.currency,
    status,
    phase: status === "pending" ? "sent" : "confirmed",
    gateway_status: confirmed ? hint.gatewayStatus : null,
    reason: null,
    origin: "gateway",
    failure_code: null,
    requires_review: review !== null,
    review_reason: review,
    created_at: tx.now,
    updated_at: tx.now,
  };
  saveRefund(tx.sql, created);
  return created;
}

/**
 * Folds one refund status into the refund rows. A refund the gateway reports that checkpost never sent (a dashboard
 * refund, an auto-refund) is recorded from a confirmed answer with origin `gateway`, so the over-refund guard counts
 * it. A gateway that itself asks for a person (`reviewReason`, Juspay `MANUAL_REVIEW`) flags the pending refund for
 * review, once, with a `refund.requires_review` event; its amount stays reserved.
 */
export function applyRefundHint(
  tx: OrderTx,
  hint: RefundHint,
  source: InputSource,
  confirmed: boolean,
): PublicRefund | null {
  const { sql, now } = tx;
  const refund = knownRefund(tx, hint);
  if (!refund) {
    if (!confirmed) return null;
    const created = gatewayOrigin(tx, hint, true);
    if (!created) return null;
    audit(tx, {
      source,
      kind: "refund_observation",
      outcome: "recorded",
      gatewayStatus: hint.gatewayStatus,
      detail: { refund_id: created.refund_id, refund_status: created.status, origin: "gateway" },
    });
    queueRefundEvent(tx, created);
    if (created.requires_review) queueRefundEvent(tx, created, "refund.requires_review");
    return toPublicRefund(created);
  }
  const decision = decideRefund(refund.status, hint.status, confirmed);
  // What a confirmed answer says about review: the gateway's own reason, or (it shows the refund) none of ours.
  const askedReview =
    (confirmed && decision.kind !== "apply" && refund.status === "pending" ? hint.reviewReason : null) ?? null;
  const flagged = askedReview !== null && !refund.requires_review;
  const flag =
    askedReview !== null
      ? { requires_review: true, review_reason: askedReview }
      : confirmed && refund.requires_review
        ? { requires_review: false, review_reason: null }
        : {};
  audit(tx, {
    source,
    kind: "refund_observation",
    outcome: flagged ? "requires_review" : decision.kind,
    gatewayStatus: hint.gatewayStatus,
    detail: {
      refund_id: refund.refund_id,
      claimed: hint.status,
      confirmed,
      ...(askedReview !== null ? { review_reason: askedReview } : {}),
    },
  });
  if (decision.kind !== "apply") {
    if (!confirmed || decision.kind === "stale") return toPublicRefund(refund);
    // Confirmed but unchanged: the gateway knows the refund, so it was received ("sent"); keep its reference.
    const known: RefundRecord = {
      ...refund,
      ...flag,
      phase: refund.phase === "recorded" ? "sent" : refund.phase,
      gateway_refund_ref: hint.gatewayRefundRef ?? refund.gateway_refund_ref,
      gateway_status: hint.gatewayStatus,
      updated_at: now,
    };
    saveRefund(sql, known);
    if (flagged) queueRefundEvent(tx, known, "refund.requires_review");
    return toPublicRefund(known);
  }
  const next: RefundRecord = {
    ...refund,
    ...flag,
    status: decision.to,
    phase: decision.to === "pending" ? "sent" : "confirmed",
    gateway_status: hint.gatewayStatus,
    gateway_refund_ref: hint.gatewayRefundRef ?? refund.gateway_refund_ref,
    updated_at: now,
  };
  saveRefund(sql, next);
  queueRefundEvent(tx, next);
  return toPublicRefund(next);
}

/**
 * A webhook's claim about a refund (authenticated, not confirmed). For a refund checkpost never sent — a dashboard
 * refund announced by `pg.refund.completed` — that is not yet a fact, but it may be one: its amount is reserved at
 * once as a pending gateway-origin refund (no event: nothing is confirmed), so a refund through checkpost cannot
 * exceed what is left, and the refund look (planned now) asks the gateway about that id. Only the gateway's answer
 * moves it; a gateway that never shows it leaves it reserved and, after 30 minutes, under review. A claim that it
 * failed, or one without an id or amount, reserves nothing.
 */
/** Unconfirmed gateway-origin refunds an order holds at once; a claim beyond them waits for the payment's look. */
export const MAX_UNCONFIRMED_CLAIMS = 5;

export function claimGatewayRefund(tx: OrderTx, hint: RefundHint): void {
  if (knownRefund(tx, hint) || hint.status === "failed") return;
  // Each claim costs a refund-status call per poll: an order holds at most a few the gateway has not yet shown.
  const unconfirmed = listRefunds(tx.sql).filter(
    (r) => r.origin === "gateway" && r.status === "pending" && (r.gateway_status ?? "not_found") === "not_found",
  );
  if (unconfirmed.length >= MAX_UNCONFIRMED_CLAIMS) {
    audit(tx, { source: "webhook", kind: "refund_claimed", outcome: "over_budget", gatewayStatus: hint.gatewayStatus });
    return;
  }
  const claimed = gatewayOrigin(tx, hint, false);
  if (!claimed) return;
  audit(tx, {
    source: "webhook",
    kind: "refund_claimed",
    outcome: "recorded",
    gatewayStatus: hint.gatewayStatus,
    detail: { refund_id: claimed.refund_id, claimed: hint.status, amount: claimed.amount, origin: "gateway" },
  });
  planRefundLook(tx, true);
}

/** Queues `refund.<status>` with the next per-order sequence. */
export function queueRefundEvent(tx: OrderTx, refund: RefundRecord, type = refundEvent(refund.status)): void {
  const order = loadOrder(tx.sql);
  if (!order) return;
  const next = { ...order, sequence: order.sequence + 1, updated_at: tx.now };
  saveOrder(tx.sql, next);
  queueEvent(tx, next, type, { refund: toPublicRefund(refund) });
}
