/**
 * The alarm's looks at the gateway (product.md §3, "Reconciliation"): the payment, while it may still change or a
 * hint awaits confirmation, and each pending refund, each on its own schedule (`schedule.ts`). A gateway that is down
 * is recorded and only delays the next look. Every write is one `step` (a transaction as of the look's time).
 */
import type { Logger } from "../../core/log";
import type { OrderRef } from "../../core/model";
import { HELD_REVIEW, type OrderRecord } from "../../core/order";
import { windowClosed } from "../../core/reconcile";
import { isFinalPayment } from "../../core/status";
import { confirmedLook } from "../../gateways/look";
import type { ConfiguredGateway, GatewayIO, GatewaySetup, OrderFacts } from "../../gateways/types";
import type { OrderTx } from "./context";
import type { LookGate } from "./looks";
import { observe } from "./payments";
import { auditOrder, loadOrder, orderFacts } from "./record";
import { pendingRefunds } from "./refund-rows";
import { refundPolled } from "./refunds";
import {
  afterPaymentLook,
  afterRefundLook,
  clearPaymentPoll,
  clearRefundPoll,
  paymentPoll,
  planPaymentLook,
  pollWindowOf,
  refundPoll,
  wantsPoll,
} from "./schedule";

export interface ReconcileDeps {
  readonly sql: SqlStorage;
  readonly setup: GatewaySetup;
  readonly io: GatewayIO;
  readonly gate: LookGate;
  readonly log: Logger;
  /** Runs `fn` in one transaction as of `now`, then arms the alarm. */
  step<T>(now: number, fn: (tx: OrderTx) => T): T;
}

/** The order a look is for, and what the gateway's calls may use of it (Juspay's routing id). */
interface LookTarget {
  readonly ref: OrderRef;
  readonly facts: OrderFacts;
}

/** The looks due as of `now`, then the next ones planned. */
export async function reconcileDue(deps: ReconcileDeps, order: OrderRecord, now: number): Promise<void> {
  const { sql } = deps;
  const payment = paymentPoll(sql);
  const refund = refundPoll(sql);
  const paymentDue = payment !== null && payment.due <= now;
  const refundDue = refund !== null && refund.due <= now;
  if (!paymentDue && !refundDue) return;
  const lookAtPayment = paymentDue && (payment.urgent || wantsPoll(order));
  const lookAtRefunds = refundDue && pendingRefunds(sql).length > 0;
  if (!lookAtPayment && !lookAtRefunds) {
    deps.step(now, () => {
      if (paymentDue) clearPaymentPoll(sql);
      if (refundDue) clearRefundPoll(sql);
    });
    return;
  }
  const ref: OrderRef = { gateway: order.gateway, orderId: order.order_id };
  let answered = true;
  let askedMeanwhile = false;
  let finished = false;
  // The schedules after the looks, in the transaction of the payment look's answer when no refund look follows (the
  // order's row is then written once for both), else in a step of its own.
  const finish = (tx: OrderTx): void => {
    finished = true;
    askedMeanwhile = lookAtPayment && (paymentPoll(tx.sql)?.asks ?? 0) > payment.asks;
    const current = loadOrder(tx.sql) ?? order;
    if (lookAtPayment) afterPaymentLook(tx, current, payment.attempt + 1, payment.urgent && !answered);
    else if (paymentDue) clearPaymentPoll(tx.sql);
    if (refundDue) afterRefundLook(tx, (refund?.attempt ?? 0) + 1, pendingRefunds(tx.sql).length > 0);
  };
  if (deps.setup.state !== "enabled") {
    deps.step(now, (tx) => auditOrder(tx, order, { source: "poll", kind: "poll", outcome: "gateway_not_configured" }));
    answered = false;
  } else {
    const client = deps.setup.gateway;
    const target: LookTarget = { ref, facts: orderFacts(order) };
    const then = lookAtRefunds ? undefined : finish;
    if (lookAtPayment)
      answered = await lookAtThePayment(deps, client, target, { attempt: payment.attempt + 1, now, then });
    if (lookAtRefunds) await lookAtPendingRefunds(deps, client, target);
  }
  if (!finished) deps.step(now, finish);
  // A look asked for while this one waited on the gateway (a webhook) may postdate its answer: still due at once,
  // as of the real time (the alarm may be acting as of an earlier armed time).
  if (askedMeanwhile) deps.step(Date.now(), (tx) => planPaymentLook(tx, loadOrder(sql) ?? order, true));
}

/**
 * One confirmed look at the payment; returns whether the gateway answered. Once the window has closed
 * (core/reconcile.ts), an answer that is still not final makes the order `expired` (a later S2S-confirmed success can
 * still move it to `succeeded`, status.ts), unless the gateway still holds the money (`held`): that order is flagged
 * `requires_review` (`authorized_not_captured`) instead, and keeps its status.
 */
async function lookAtThePayment(
  deps: ReconcileDeps,
  gateway: ConfiguredGateway,
  { ref, facts }: LookTarget,
  { attempt, now, then }: { attempt: number; now: number; then: ((tx: OrderTx) => void) | undefined },
): Promise<boolean> {
  // Through the look budget: a request's look in flight is joined rather than repeated.
  const { result: look } = await deps.gate.run(
    () =>
      confirmedLook({
        gateway,
        ref,
        facts,
        io: deps.io,
        source: "poll",
        observe: (input, snapshot) =>
          deps.step(now, (tx) => {
            const current = loadOrder(tx.sql);
            const closing =
              current !== null && windowClosed(pollWindowOf(current), now) && !isFinalPayment(snapshot.status);
            // Money still held (pre-auth) is never expired: a person captures or voids it (product.md §3).
            const held = closing && snapshot.held === true;
            const observed = observe(tx, ref, {
              ...input,
              status: closing && !held ? "expired" : input.status,
              ...(held ? { review: HELD_REVIEW } : {}),
              ...(closing
                ? { note: `reconciliation window closed; the gateway still reports ${snapshot.gatewayStatus}` }
                : {}),
            });
            then?.(tx);
            return observed;
          }),
      }),
    Date.now(),
  );
  if (look.ok) return true;
  const { stage, error, gatewayStatus } = look.error;
  deps.step(now, (tx) => {
    const current = loadOrder(tx.sql);
    if (!current) return;
    auditOrder(tx, current, {
      source: "poll",
      kind: "poll",
      outcome: stage === "other_order" ? "order_mismatch" : "gateway_error",
      gatewayStatus,
      ...(stage === "other_order" ? {} : { detail: { error: error.reason } }),
    });
  });
  if (stage === "unanswered") deps.log.warn("reconciliation poll failed", { reason: error.reason, attempt });
  return false;
}

/** Asks the gateway about each pending refund by the id checkpost sent (`refundPolled` applies the answer). */
async function lookAtPendingRefunds(
  deps: ReconcileDeps,
  gateway: ConfiguredGateway,
  { ref, facts }: LookTarget,
): Promise<void> {
  for (const refund of pendingRefunds(deps.sql)) {
    const answer = await gateway.refundStatus(
      {
        ...facts,
        orderId: ref.orderId,
        gatewayRefundId: refund.gateway_refund_id,
        gatewayRefundRef: refund.gateway_refund_ref,
      },
      deps.io,
    );
    deps.step(Date.now(), (tx) => refundPolled(tx, refund.refund_id, answer));
  }
}
