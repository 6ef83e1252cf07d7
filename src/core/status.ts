/**
 * The unified payment and refund statuses and their transition rules (product.md §3).
 * Pure: the functions take the current status and an observation and say what to do; they never read a clock,
 * storage or the network. the order object (`storage/`) is the only caller that acts on a decision.
 */

export const PAYMENT_STATUSES = ["created", "pending", "succeeded", "failed", "expired", "reversed"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REFUND_STATUSES = ["pending", "succeeded", "failed"] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Where an input came from; recorded with every audit row. */
export const INPUT_SOURCES = ["return", "webhook", "poll", "api"] as const;
export type InputSource = (typeof INPUT_SOURCES)[number];

const FINAL_PAYMENT: ReadonlySet<PaymentStatus> = new Set(["succeeded", "failed", "expired", "reversed"]);

export function isFinalPayment(status: PaymentStatus): boolean {
  return FINAL_PAYMENT.has(status);
}

export function isFinalRefund(status: RefundStatus): boolean {
  return status !== "pending";
}

/**
 * Every allowed edge. Anything not listed is a stale or out-of-order input and is a no-op.
 * - Forward moves: `created → pending → succeeded | failed | expired`, and `created` straight to any outcome.
 * - Late success: `failed → succeeded` (Juspay "conflicted transaction", juspay.md §4; Nimbbl inside the
 *   authorisation period, nimbbl.md §4). `expired → succeeded` is the same event seen after checkpost or the
 *   gateway gave up on the order (a PhonePe order past `expireAt`, a lapsed Nimbbl order): money was captured, so
 *   hiding it would be the worse error. Both only with S2S confirmation.
 * - Reversal: `succeeded → reversed` (Nimbbl reverses a success reported after the authorisation period), and
 *   `created | pending | failed | expired → reversed` when the late success was never seen before its reversal
 *   (seed 003: a pending or failed Nimbbl payment may next be `reversing` or `reversed`; Juspay AUTO_REFUNDED: the
 *   payment succeeded late and was refunded automatically, juspay.md §4).
 */
const PAYMENT_EDGES: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  created: ["pending", "succeeded", "failed", "expired", "reversed"],
  pending: ["succeeded", "failed", "expired", "reversed"],
  succeeded: ["reversed"],
  failed: ["succeeded", "reversed"],
  expired: ["succeeded", "reversed"],
  reversed: [],
};

const REFUND_EDGES: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  pending: ["succeeded", "failed"],
  // A refund reported failed can still be completed by a delayed partner update (nimbbl.md §4); never the reverse.
  failed: ["succeeded"],
  succeeded: [],
};

export type TransitionDecision<S extends string> =
  | { readonly kind: "apply"; readonly from: S; readonly to: S; readonly late: boolean }
  | { readonly kind: "duplicate" }
  | { readonly kind: "stale"; readonly from: S; readonly to: S }
  /** The edge is allowed but leads to a final state, and the input was not confirmed by a gateway status call. */
  | { readonly kind: "needs_confirmation"; readonly from: S; readonly to: S };

/**
 * Decides what an observed status does to a payment.
 * `confirmed` means the status came from a server-to-server call checkpost itself made; only such inputs may move an
 * order into a final state. Redirect parameters and webhooks are hints (juspay.md §3.4 step 6, phonepe.md §5).
 */
export function decidePaymentTransition(
  from: PaymentStatus,
  to: PaymentStatus,
  confirmed: boolean,
): TransitionDecision<PaymentStatus> {
  if (from === to) return { kind: "duplicate" };
  if (!PAYMENT_EDGES[from].includes(to)) return { kind: "stale", from, to };
  if (isFinalPayment(to) && !confirmed) return { kind: "needs_confirmation", from, to };
  return { kind: "apply", from, to, late: isFinalPayment(from) };
}

/** The same rules for a refund: `pending → succeeded | failed`, and `failed → succeeded` only when confirmed. */
export function decideRefundTransition(
  from: RefundStatus,
  to: RefundStatus,
  confirmed: boolean,
): TransitionDecision<RefundStatus> {
  if (from === to) return { kind: "duplicate" };
  if (!REFUND_EDGES[from].includes(to)) return { kind: "stale", from, to };
  if (isFinalRefund(to) && !confirmed) return { kind: "needs_confirmation", from, to };
  return { kind: "apply", from, to, late: isFinalRefund(from) };
}
