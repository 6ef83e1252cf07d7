/**
 * The confirmed look, written once for every caller (the return leg, `?refresh=true`, `/handleJuspayResponse`, the
 * alarm's poll): ask the gateway server-to-server for the order's status, check the answer is about that same order,
 * then hand it, as a confirmed observation, to `observe` (the order object's `observe` over RPC, or the alarm's own
 * fold inside the object). This module never touches storage: `observe` is the caller's. It logs nothing either:
 * each caller says what a failure means for it (the return leg logs and asks for reconciliation, `?refresh=true`
 * maps a gateway that does not know the order to 404, the alarm writes an audit row).
 */
import { proxyError, type ProxyError } from "../core/errors";
import type { OrderRef } from "../core/model";
import type { ObserveInput } from "../core/order";
import { err, ok, type Result } from "../core/result";
import type { InputSource } from "../core/status";
import type { ConfiguredGateway, GatewayIO, OrderFacts, StatusSnapshot } from "./types";

export interface LookOptions<T> {
  readonly gateway: ConfiguredGateway;
  readonly ref: OrderRef;
  readonly io: GatewayIO;
  /** What checkpost knows of the order, handed to the gateway's status call. */
  readonly facts: OrderFacts;
  readonly source: InputSource;
  /** A note for the audit trail (e.g. what the browser said). */
  readonly note?: string | undefined;
  /** Records the confirmed observation; may refine it from the snapshot first (the alarm's final look does). */
  observe(input: ObserveInput, snapshot: StatusSnapshot): Promise<T> | T;
}

export interface Looked<T> {
  readonly snapshot: StatusSnapshot;
  readonly observed: T;
}

/** Why a look recorded nothing: the gateway did not answer usably, or answered about another order. */
export interface LookFailure {
  readonly stage: "unanswered" | "other_order";
  readonly error: ProxyError;
  /** The status the gateway gave, when it answered about another order. */
  readonly gatewayStatus: string | null;
}

export async function confirmedLook<T>(options: LookOptions<T>): Promise<Result<Looked<T>, LookFailure>> {
  const { ref, io } = options;
  const answer = await options.gateway.fetchStatus(ref.orderId, io, options.facts);
  if (!answer.ok) return err({ stage: "unanswered", error: answer.error, gatewayStatus: null });
  const snapshot = answer.value;
  if (snapshot.orderId !== ref.orderId) {
    return err({ stage: "other_order", error: proxyError("order_mismatch"), gatewayStatus: snapshot.gatewayStatus });
  }
  const input = confirmedObservation(snapshot, options.source, options.note);
  return ok({ snapshot, observed: await options.observe(input, snapshot) });
}

/** A gateway's answer to a call checkpost made itself (a status call, a capture), as a confirmed observation. */
export function confirmedObservation(snapshot: StatusSnapshot, source: InputSource, note?: string): ObserveInput {
  return {
    source,
    confirmed: true,
    gatewayStatus: snapshot.gatewayStatus,
    status: snapshot.status,
    amount: snapshot.amount,
    ...(snapshot.amountUnreadable ? { amountUnreadable: true } : {}),
    gatewayOrderRef: snapshot.gatewayOrderRef,
    details: snapshot.details,
    // Refunds the answer lists (Juspay `refunds[]`, Nimbbl's refund entries) are folded in by every look, a
    // request's as much as the alarm's, so a dashboard refund counts from the first answer that shows it.
    refunds: snapshot.refunds,
    ...(note ? { note } : {}),
  };
}
