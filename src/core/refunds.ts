/**
 * Refund rules (product.md §3, issue 6). Pure: the caller passes the order, its refunds and `now`.
 * - Only a `succeeded` order not under review can be refunded.
 * - Pending + succeeded refunds never exceed the captured amount; failed refunds release what they reserved.
 * - At most `maxCount` refunds per order (every attempt counts, failed ones too, so a failing refund cannot be
 *   retried against the gateway without bound).
 */
import { proxyError, type ProxyError, fieldError } from "./errors";
import { sha256, toHex } from "./crypto";
import type { Currency, Money } from "./money";
import type { OrderRecord } from "./order";
import { decideRefundTransition, type RefundStatus, type TransitionDecision } from "./status";

export const DEFAULT_MAX_REFUNDS = 10;

/** Where the refund is in its life at the gateway (Brandur's recovery points): see `storage/order/refunds.ts`. */
export type RefundPhase = "recorded" | "sent" | "confirmed";

export interface RefundRecord {
  readonly refund_id: string;
  /** The id sent to the gateway (`unique_request_id`, `merchantRefundId`, `refund_request_id`); fixed before the call. */
  readonly gateway_refund_id: string;
  readonly gateway_refund_ref: string | null;
  readonly amount: number;
  readonly currency: Currency;
  readonly status: RefundStatus;
  readonly phase: RefundPhase;
  readonly gateway_status: string | null;
  readonly reason: string | null;
  /** `api`: asked for through checkpost; `gateway`: first seen in the gateway's answer (dashboard, auto-refund). */
  readonly origin: "api" | "gateway";
  readonly failure_code: string | null;
  /**
   * Flagged for a person: the gateway does not show the refund (`not_found_at_gateway`) 30 minutes after it was
   * recorded. Its amount stays reserved until the gateway says it failed or the merchant marks it failed.
   */
  readonly requires_review: boolean;
  readonly review_reason: string | null;
  readonly created_at: number;
  readonly updated_at: number;
}

/** Minor units held by refunds that are pending or succeeded. */
export function reservedAmount(refunds: readonly RefundRecord[]): number {
  return refunds.filter((r) => r.status !== "failed").reduce((sum, r) => sum + r.amount, 0);
}

/** Why this refund cannot be made, or null when it can. */
export function refundRefusal(
  order: OrderRecord | null,
  refunds: readonly RefundRecord[],
  amount: Money,
  maxCount: number,
): ProxyError | null {
  if (!order) return proxyError("order_not_found");
  if (order.status !== "succeeded" || order.requires_review || order.amount === null) {
    return proxyError("order_not_refundable", {
      detail: order.requires_review ? "the order is flagged for review" : `the order is ${order.status}, not succeeded`,
    });
  }
  if (amount.currency !== order.currency) {
    return fieldError("currency", "must be the order's currency");
  }
  if (refunds.filter((r) => r.origin === "api").length >= maxCount) {
    return proxyError("refund_limit_reached", { detail: `at most ${maxCount} refunds per order` });
  }
  const available = order.amount - reservedAmount(refunds);
  if (amount.minor > available) {
    return proxyError("refund_exceeds_available", {
      detail: `at most ${Math.max(available, 0)} can still be refunded`,
    });
  }
  return null;
}

/**
 * The id checkpost sends to the gateway for a refund: `cp` + 18 base-36 characters of SHA-256 over the gateway, order
 * and refund id. Deterministic, so a retry of the same refund can never mint a second id; 20 alphanumeric characters
 * fit all three gateways (Juspay `unique_request_id` < 21 characters without special characters; PhonePe
 * `merchantRefundId` ≤ 63; Nimbbl `refund_request_id`), and unique across orders as PhonePe requires.
 */
export async function deriveGatewayRefundId(gateway: string, orderId: string, refundId: string): Promise<string> {
  const digest = toHex(await sha256(`checkpost-refund:v1:${gateway}:${orderId}:${refundId}`));
  return `cp${BigInt(`0x${digest.slice(0, 24)}`)
    .toString(36)
    .padStart(18, "0")
    .slice(-18)}`;
}

/**
 * After this long with the gateway still not showing a refund (its create call failed ambiguously, or it is slow to
 * list it), the refund is flagged for review. Unknown is never failed: its amount stays reserved.
 */
export const REFUND_REVIEW_AFTER_MS = 30 * 60 * 1000;

/**
 * Why a refund the gateway does not show should now be flagged for review, or null. Flagged once, 30 minutes after
 * it was recorded; a refund already flagged or no longer pending is left as it is.
 */
export function notFoundReview(refund: RefundRecord, now: number): string | null {
  if (refund.status !== "pending" || refund.requires_review) return null;
  return now - refund.created_at > REFUND_REVIEW_AFTER_MS ? "not_found_at_gateway" : null;
}

/** Why the merchant may not mark this refund failed, or null when they may: only a pending refund under review. */
export function markFailedRefusal(refund: RefundRecord): ProxyError | null {
  if (refund.status !== "pending" || !refund.requires_review) {
    return proxyError("refund_not_under_review", {
      detail:
        refund.status === "pending"
          ? "only a refund flagged for review can be marked failed"
          : `the refund is already ${refund.status}`,
    });
  }
  return null;
}

/** The merchant-facing refund id when the merchant gave none: derived from the idempotency key. */
export async function refundIdFromKey(key: string): Promise<string> {
  return `rf_${toHex(await sha256(`checkpost-refund-id:v1:${key}`)).slice(0, 24)}`;
}

export function decideRefund(
  from: RefundStatus,
  to: RefundStatus,
  confirmed: boolean,
): TransitionDecision<RefundStatus> {
  return decideRefundTransition(from, to, confirmed);
}

export type RefundEventType = "refund.pending" | "refund.succeeded" | "refund.failed" | "refund.requires_review";

export function refundEvent(status: RefundStatus): RefundEventType {
  return `refund.${status}`;
}

export interface PublicRefund {
  readonly refund_id: string;
  readonly gateway_refund_id: string;
  readonly gateway_reference: string | null;
  readonly amount: number;
  readonly currency: Currency;
  readonly status: RefundStatus;
  readonly gateway_status: string | null;
  readonly reason: string | null;
  readonly origin: "api" | "gateway";
  readonly failure_code: string | null;
  readonly requires_review: boolean;
  readonly review_reason: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export function toPublicRefund(r: RefundRecord): PublicRefund {
  return {
    refund_id: r.refund_id,
    gateway_refund_id: r.gateway_refund_id,
    gateway_reference: r.gateway_refund_ref,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    gateway_status: r.gateway_status,
    reason: r.reason,
    origin: r.origin,
    failure_code: r.failure_code,
    requires_review: r.requires_review,
    review_reason: r.review_reason,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}
