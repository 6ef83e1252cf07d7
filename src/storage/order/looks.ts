/**
 * The look budget (product.md §3): every gateway status call that an unauthenticated or replayable input causes goes
 * through the order's object, which allows one call in flight per order — any other trigger joins it — and at most
 * one look per `UNTRUSTED_LOOK_GAP_MS` from untrusted triggers (return legs, `/handleJuspayResponse`, webhooks through
 * the alarm). The merchant's own `?refresh=true` joins a look in flight but is not held back by the gap.
 *
 * The gate lives in memory: an object that is evicted had no traffic, so forgetting when it last looked costs at most
 * one look.
 */
import { proxyError } from "../../core/errors";
import type { OrderRef } from "../../core/model";
import { toPublicOrder, type ObserveInput, type PublicOrder } from "../../core/order";
import type { Result } from "../../core/result";
import { isFinalPayment, type InputSource } from "../../core/status";
import { confirmedLook, type LookFailure, type Looked } from "../../gateways/look";
import type { GatewayIO, GatewaySetup } from "../../gateways/types";
import type { ObserveResult } from "./payments";
import type { OrderTx } from "./context";
import { countRepeat, remembered } from "./dedupe";
import { auditOrder, orderFacts, orderFor } from "./record";

export const UNTRUSTED_LOOK_GAP_MS = 2_000;

export type LookResult = Result<Looked<ObserveResult>, LookFailure>;

export class LookGate {
  private inflight: Promise<LookResult> | null = null;
  private lastStart = Number.NEGATIVE_INFINITY;

  /** The earliest time an untrusted trigger may start the next look. */
  earliestUntrusted(): number {
    return this.lastStart + UNTRUSTED_LOOK_GAP_MS;
  }

  /** Whether a look is on its way to the gateway now (a trigger then joins it). */
  busy(): boolean {
    return this.inflight !== null;
  }

  /** Runs `look`, or joins the one in flight (`joined`: this caller's input was not the one observed). */
  async run(look: () => Promise<LookResult>, now: number): Promise<{ result: LookResult; joined: boolean }> {
    if (this.inflight) return { result: await this.inflight, joined: true };
    this.lastStart = now;
    const running = look().finally(() => {
      if (this.inflight === running) this.inflight = null;
    });
    this.inflight = running;
    return { result: await running, joined: false };
  }
}

/** Who asks for a look, and what they accept instead of one. */
export interface LookRequest {
  /** `return` (a return leg), `api` (`?refresh=true`, `/handleJuspayResponse`). */
  readonly source: InputSource;
  /** The merchant's own call: joins a look in flight but is not held back by the gap. */
  readonly trusted: boolean;
  readonly note?: string | undefined;
  /** An order checkpost does not know gets no gateway call and nothing stored (`/handleJuspayResponse`). */
  readonly knownOnly?: boolean;
  /** A final order is answered from its state (`/handleJuspayResponse`). */
  readonly finalFromState?: boolean;
  /** The calling Worker's `GATEWAY_TIMEOUT_MS`: the request's deadline travels with it into the object. */
  readonly timeoutMs?: number | undefined;
  /**
   * What identifies this input (a digest of what the return leg verified): its first arrival is in the audit trail
   * even when it was answered from state or joined another look; a replay adds no row, its first row counts it.
   */
  readonly triggerKey?: string | undefined;
}

export type LookAnswer =
  | { readonly kind: "observed"; readonly result: ObserveResult }
  /** Answered from what checkpost holds, with no gateway call: the order needs no look, or the budget is spent. */
  | { readonly kind: "held"; readonly order: PublicOrder }
  /** `knownOnly`, and checkpost does not know the order. */
  | { readonly kind: "unknown" }
  /** The budget is spent and checkpost holds nothing to answer with: try again after `retryAfter` seconds. */
  | { readonly kind: "busy"; readonly retryAfter: number }
  | { readonly kind: "failed"; readonly failure: LookFailure };

export interface LookDeps {
  readonly sql: SqlStorage;
  /** Runs `fn` in one transaction (the shell's `apply`). */
  step<T>(fn: (tx: OrderTx) => T): T;
  readonly gate: LookGate;
  readonly setup: GatewaySetup;
  readonly io: GatewayIO;
  /** Folds the confirmed observation (`payments.observe`), inside the transaction `step` runs. */
  observe(tx: OrderTx, input: ObserveInput): ObserveResult;
}

/**
 * One look on behalf of a request, within the budget. A succeeded order needs no look to answer an untrusted
 * trigger (a replayed return leg): it can no longer change but by a refund or reversal, which the gateway tells
 * through webhooks and polls.
 */
export async function lookFor(deps: LookDeps, ref: OrderRef, request: LookRequest, now: number): Promise<LookAnswer> {
  const order = orderFor(deps.sql, ref);
  if (request.knownOnly && !order) return { kind: "unknown" };
  const key = request.triggerKey;
  // A replay of an input seen before is counted on its first row, whatever it gets now.
  // Read first: only a repeat writes (its count), so a first arrival costs no extra transaction.
  // A first arrival's key is kept on the audit line that records it (`lookKeys`).
  const seen = key === undefined ? undefined : remembered(deps.sql, key, now);
  const lookKeys = key === undefined || seen ? [] : [key];
  if (seen) deps.step((tx) => countRepeat(tx, seen.seq));
  const record = (outcome: string) => {
    if (!lookKeys.length) return;
    deps.step((tx) => {
      const current = orderFor(tx.sql, ref);
      if (!current) return;
      auditOrder(tx, current, { source: request.source, kind: "look", outcome, detail: note(request), keys: lookKeys });
    });
  };
  if (order && !request.trusted) {
    const settled = order.status === "succeeded" && !order.requires_review;
    if (settled || (request.finalFromState && isFinalPayment(order.status))) {
      record("answered_from_state");
      return { kind: "held", order: toPublicOrder(order) };
    }
  }
  if (!request.trusted && !deps.gate.busy() && now < deps.gate.earliestUntrusted()) {
    if (!order)
      return { kind: "busy", retryAfter: Math.max(1, Math.ceil((deps.gate.earliestUntrusted() - now) / 1000)) };
    record("answered_from_state");
    return { kind: "held", order: toPublicOrder(order) };
  }
  if (deps.setup.state !== "enabled") {
    return {
      kind: "failed",
      failure: { stage: "unanswered", error: proxyError("gateway_not_configured"), gatewayStatus: null },
    };
  }
  const gateway = deps.setup.gateway;
  const { result, joined } = await deps.gate.run(
    () =>
      confirmedLook({
        gateway,
        ref,
        facts: orderFacts(order),
        io: request.timeoutMs === undefined ? deps.io : { ...deps.io, timeoutMs: request.timeoutMs },
        source: request.source,
        note: request.note,
        // The fold and, for a first arrival, its key: one audit line.
        observe: (input) => deps.step((tx) => deps.observe(tx, { ...input, lookKeys })),
      }),
    now,
  );
  if (!result.ok) return { kind: "failed", failure: result.error };
  const observed = result.value.observed;
  if (joined) record("joined_look");
  return { kind: "observed", result: observed };
}

function note(request: LookRequest): Record<string, string> {
  return request.note ? { note: request.note } : {};
}
