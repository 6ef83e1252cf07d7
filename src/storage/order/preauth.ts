/**
 * Capture and void of a pre-authorised order inside its object (product.md §2, juspay.md §12), with the same
 * idempotency records as refunds: the key is claimed before any gateway call, and its answer stored after.
 * - One capture or void per order at a time, whatever the key: a second one while the first runs is refused
 *   (`busy`), so two keys can never both capture the money one authorisation holds.
 * - An answer that leaves the money held (CAPTURE_INITIATED, AUTHORIZED after a gateway timeout), or no answer at all
 *   (a timeout, a 5xx), is stored as a 202: a replay of that key re-reads the order's status and never sends the
 *   capture again (`reread`). So is a claim left running by a request that died mid-call.
 * - A partial capture that Juspay confirms (PARTIAL_CHARGED for exactly the amount asked) makes that amount the
 *   order's registered amount, in the same transaction as the fold: refunds are then bounded by what was captured,
 *   and the answer's amount is checked against it like any status answer (`core/order.ts`).
 */
import type { ProxyError } from "../../core/errors";
import type { StoredAnswer } from "../../core/idempotency";
import type { OrderRef } from "../../core/model";
import { sameMoney, type Money } from "../../core/money";
import { toPublicOrder, type ObserveInput, type PublicOrder } from "../../core/order";
import type { OrderTx } from "./context";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "./idempotency";
import { observe } from "./payments";
import { auditOrder, orderFor, saveOrder } from "./record";
import { ABANDONED_CLAIM_MS } from "./refunds";
import { planPaymentLook } from "./schedule";

export const PREAUTH_SCOPES = {
  capture: "POST /v1/orders/juspay/:order_id/capture",
  void: "POST /v1/orders/juspay/:order_id/void",
} as const;
export type PreauthAction = keyof typeof PREAUTH_SCOPES;

export interface BeginPreauthInput {
  readonly action: PreauthAction;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
}

export type BeginPreauth =
  | { readonly kind: "in_use" | "reused" | "busy" | "unknown_order" }
  /** With the order as this transaction read it (the route needs no read of its own). */
  | { readonly kind: "proceed" | "reread"; readonly order: PublicOrder }
  | { readonly kind: "answer"; readonly answer: StoredAnswer };

/** What the capture or void call came to: Juspay's answer (folded), a definite refusal, or nothing known. */
export type PreauthOutcome =
  | {
      readonly kind: "answered";
      readonly observation: ObserveInput;
      /** The answer's status still holds the money (AUTHORIZED, CAPTURE_INITIATED, …): answered 202. */
      readonly held: boolean;
      /** The amount a partial capture asked for. */
      readonly partial: Money | null;
    }
  | { readonly kind: "refused" | "unknown"; readonly error: ProxyError };

export interface FinishPreauthInput {
  readonly action: PreauthAction;
  readonly idempotencyKey: string;
  readonly outcome: PreauthOutcome;
  readonly requestId: string;
}

const UNKNOWN_STATUS = 202;
/** How long an unknown or in-flight capture / void keeps other keys out (Juspay answers within seconds). */
const PREAUTH_SETTLE_MS = 15 * 60 * 1000;

export function beginPreauth(tx: OrderTx, ref: OrderRef, input: BeginPreauthInput): BeginPreauth {
  const { sql, now } = tx;
  const order = orderFor(sql, ref);
  if (!order) return { kind: "unknown_order" };
  const scope = PREAUTH_SCOPES[input.action];
  const claim = claimIdempotencyKey(sql, { scope, key: input.idempotencyKey, fingerprint: input.fingerprint }, now);
  switch (claim.kind) {
    case "reused":
      return claim;
    case "replay":
      return claim.answer.kind === "response" && claim.answer.status === UNKNOWN_STATUS
        ? { kind: "reread", order: toPublicOrder(order) }
        : { kind: "answer", answer: claim.answer };
    case "in_use": {
      if (now - claim.since <= ABANDONED_CLAIM_MS) return { kind: "in_use" };
      // The request died with the call possibly sent: from now on the key re-reads the status.
      const body = JSON.stringify(toPublicOrder(order));
      completeIdempotencyKey(sql, scope, input.idempotencyKey, { kind: "response", status: UNKNOWN_STATUS, body });
      return { kind: "reread", order: toPublicOrder(order) };
    }
    case "new":
      break;
  }
  // Another key's capture or void that is running, or whose outcome was unknown or still in flight at Juspay (a
  // stored 202), blocks this one for PREAUTH_SETTLE_MS: a partial capture under a new key carries a new
  // idempotence_key, so Juspay could not tell it from the first. After that, the route's fresh look decides.
  const running = sql
    .exec(
      "SELECT COUNT(*) AS n FROM idempotency WHERE scope IN (?, ?) AND created_at > ? AND NOT (scope = ? AND key = ?) AND (state = 'running' OR json_extract(answer, '$.status') = ?)",
      PREAUTH_SCOPES.capture,
      PREAUTH_SCOPES.void,
      now - PREAUTH_SETTLE_MS,
      scope,
      input.idempotencyKey,
      UNKNOWN_STATUS,
    )
    .one()["n"] as number;
  if (running > 0) {
    releaseIdempotencyKey(sql, scope, input.idempotencyKey);
    return { kind: "busy" };
  }
  return { kind: "proceed", order: toPublicOrder(order) };
}

/**
 * The call is about to be sent: audited, and a look planned, so that if this request dies mid-call the alarm still
 * reads what became of the money.
 */
export function preauthSent(tx: OrderTx, ref: OrderRef, action: PreauthAction, amount: number | null): void {
  const order = orderFor(tx.sql, ref);
  if (!order) return;
  auditOrder(tx, order, { source: "api", kind: `${action}_sent`, outcome: "recorded", detail: { amount } });
  planPaymentLook(tx, order, false);
}

export function finishPreauth(tx: OrderTx, ref: OrderRef, input: FinishPreauthInput): StoredAnswer {
  const { sql, now } = tx;
  const scope = PREAUTH_SCOPES[input.action];
  const order = orderFor(sql, ref);
  if (!order) throw new Error("finishPreauth for an order that does not exist");
  const { outcome } = input;
  let answer: StoredAnswer;
  if (outcome.kind === "answered") {
    const obs = outcome.observation;
    const captured = outcome.partial;
    if (
      captured &&
      order.amount_verified &&
      obs.gatewayStatus === "PARTIAL_CHARGED" &&
      obs.amount !== null &&
      sameMoney(obs.amount, captured)
    ) {
      saveOrder(sql, { ...order, amount: captured.minor, updated_at: now });
      auditOrder(tx, order, {
        source: "api",
        kind: "amount_captured",
        outcome: "applied",
        detail: { from_amount: order.amount, amount: captured.minor },
      });
    }
    const observed = observe(tx, ref, obs);
    const status = outcome.held ? UNKNOWN_STATUS : 200;
    answer = { kind: "response", status, body: JSON.stringify(observed.order) };
  } else {
    auditOrder(tx, order, {
      source: "api",
      kind: `${input.action}_${outcome.kind}`,
      outcome: outcome.error.reason,
    });
    // Either way the order is looked at again soon: a refusal means Juspay's state differs from checkpost's.
    planPaymentLook(tx, order, true);
    answer =
      outcome.kind === "refused"
        ? { kind: "refused", error: outcome.error, requestId: input.requestId }
        : { kind: "response", status: UNKNOWN_STATUS, body: JSON.stringify(toPublicOrder(order)) };
  }
  completeIdempotencyKey(sql, scope, input.idempotencyKey, answer);
  return answer;
}
