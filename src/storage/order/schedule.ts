/**
 * When the order object next looks at the gateway. Two schedules, each with its own stored state and
 * its cadence in `core/reconcile.ts`:
 * - the payment poll (`order_doc.poll`, written with the order), while the payment may still change at the gateway or a hint awaits confirmation:
 *   `nextPollAt` within the order's window, or at once when a webhook or a failed confirmation asks (`urgent`);
 * - the refund poll (`meta.refund_poll`), while a refund is pending: `refundPollAt`.
 * The alarm is armed for the earliest of these and the next delivery (`alarm.ts`).
 */
import type { OrderRecord } from "../../core/order";
import { nextPollAt, pollWindow, refundPollAt, type PollWindow } from "../../core/reconcile";
import { isFinalPayment } from "../../core/status";
import { GATEWAYS } from "../../gateways";
import type { OrderTx } from "./context";
import { auditOrder, loadPoll, savePoll } from "./record";
import { deleteMeta, getMeta, setMeta } from "./schema";
import { pendingRefunds } from "./refund-rows";

export interface PaymentPoll {
  readonly attempt: number;
  /** A webhook or a failed confirmation asked for an immediate look. */
  readonly urgent: boolean;
  /** When the next look at the payment is due (epoch ms). */
  readonly due: number;
  /**
   * How many immediate looks have been asked for so far. A look that was waiting on the gateway compares it before
   * and after: one asked for meanwhile (a webhook saying the order changed) may postdate the gateway's answer, so it
   * is still due at once.
   */
  readonly asks: number;
}

export interface RefundPoll {
  readonly attempt: number;
  /** When pending refunds are next asked about (epoch ms). */
  readonly due: number;
}

// The payment poll lives in the order's own row, written with the order (record.ts `withOrderRow`); the refund
// poll in `meta`.
const REFUND = "refund_poll";

const parsed = (value: string | null): Record<string, unknown> | null =>
  value ? (JSON.parse(value) as Record<string, unknown>) : null;

const writePaymentPoll = (sql: SqlStorage, value: PaymentPoll): void => savePoll(sql, JSON.stringify(value));

const writeRefundPoll = (sql: SqlStorage, value: RefundPoll): void => setMeta(sql, REFUND, JSON.stringify(value));

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

export function paymentPoll(sql: SqlStorage): PaymentPoll | null {
  const state = parsed(loadPoll(sql));
  // A look planned before `due` was stored is due now.
  return state
    ? {
        attempt: num(state["attempt"]),
        urgent: state["urgent"] === true,
        due: num(state["due"]),
        asks: num(state["asks"]),
      }
    : null;
}

export function refundPoll(sql: SqlStorage): RefundPoll | null {
  const state = parsed(getMeta(sql, REFUND));
  return state ? { attempt: num(state["attempt"]), due: num(state["due"]) } : null;
}

export function clearPaymentPoll(sql: SqlStorage): void {
  savePoll(sql, null);
}

export function clearRefundPoll(sql: SqlStorage): void {
  deleteMeta(sql, REFUND);
}

/**
 * Whether the gateway may still change this payment: an attempt exists there and the order is not final. An order
 * flagged for review waits for a person, not for the gateway.
 */
export function wantsPoll(order: OrderRecord): boolean {
  return order.attempted && !isFinalPayment(order.status) && !order.requires_review;
}

export function pollWindowOf(order: OrderRecord): PollWindow {
  return pollWindow(order.created_at, GATEWAYS[order.gateway].pollWindowMs, order.expires_at);
}

/**
 * Plans a look at the payment when it needs one — now if `urgent`, else on its schedule — keeping an earlier one.
 * An urgent look (a webhook, a failed confirmation: news from the gateway) also brings pending refunds' look forward
 * to now. A planned look the payment no longer needs (it became final, and nobody asked) is dropped.
 */
export function planPaymentLook(tx: OrderTx, order: OrderRecord, urgent: boolean): void {
  const current = paymentPoll(tx.sql);
  if (!urgent && !wantsPoll(order)) {
    if (current && !current.urgent) clearPaymentPoll(tx.sql);
    return;
  }
  if (urgent && pendingRefunds(tx.sql).length > 0) planRefundLook(tx, true);
  const attempt = current?.attempt ?? 0;
  // An urgent look waits out the look budget's gap since the last one (a webhook storm makes one look per gap).
  const at = urgent ? Math.max(tx.now, tx.earliestLook) : nextPollAt(attempt, tx.now, pollWindowOf(order));
  if (at === null) return;
  writePaymentPoll(tx.sql, {
    attempt,
    urgent: urgent || (current?.urgent ?? false),
    due: current ? Math.min(current.due, at) : at,
    asks: (current?.asks ?? 0) + (urgent ? 1 : 0),
  });
}

/** Plans a look at pending refunds — now if `urgent`, else on their schedule — keeping an earlier one. */
export function planRefundLook(tx: OrderTx, urgent = false): void {
  const current = refundPoll(tx.sql);
  const attempt = current?.attempt ?? 0;
  const at = urgent ? Math.max(tx.now, tx.earliestLook) : refundPollAt(attempt, tx.now);
  writeRefundPoll(tx.sql, { attempt, due: current ? Math.min(current.due, at) : at });
}

/**
 * After look number `attempt` at the payment: the next one on its schedule (a look that was asked for — `urgent` —
 * and could not be made is retried the same way), or none when the payment can no longer change.
 */
export function afterPaymentLook(tx: OrderTx, order: OrderRecord, attempt: number, urgent: boolean): void {
  const open = urgent || wantsPoll(order);
  const at = open ? nextPollAt(attempt, tx.now, pollWindowOf(order)) : null;
  if (open && at === null) {
    auditOrder(tx, order, { source: "poll", kind: "poll_gave_up", outcome: "recorded" });
    tx.log({ gateway: order.gateway, orderId: order.order_id }).error(
      "reconciliation stopped: the gateway never answered the final look",
      {},
    );
  }
  const asks = paymentPoll(tx.sql)?.asks ?? 0;
  if (at === null) clearPaymentPoll(tx.sql);
  else writePaymentPoll(tx.sql, { attempt, urgent, due: at, asks });
}

/** After look number `attempt` at pending refunds: the next one while any is pending, else none. */
export function afterRefundLook(tx: OrderTx, attempt: number, stillPending: boolean): void {
  if (stillPending) writeRefundPoll(tx.sql, { attempt, due: refundPollAt(attempt, tx.now) });
  else clearRefundPoll(tx.sql);
}

/** When the next look of either kind is due, or null. */
export function nextLookAt(sql: SqlStorage): number | null {
  const due = [paymentPoll(sql)?.due, refundPoll(sql)?.due].filter((t): t is number => t !== undefined);
  return due.length ? Math.min(...due) : null;
}
