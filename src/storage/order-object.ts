/**
 * OrderObject: one Durable Object per `(gateway, order_id)`, the only writer of that order's state (product.md §3).
 *
 * Every RPC method that accepts an input writes it to SQLite before returning. Durable Object output gates hold the
 * RPC reply until those writes are durable, so a caller is never answered for an input that could still be lost
 * (https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/). Each method body that reads and
 * writes state is synchronous (no `await` between the read and the write), so inputs are applied one at a time even
 * though the object may interleave requests while a gateway call is in flight.
 *
 * Methods return `Result` values and never throw domain errors: RPC drops custom error classes (style.md §8.3).
 */
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../config";
import { errorStatus, problemDocument, proxyError, type ProxyError } from "../core/errors";
import { createLogger, type Logger } from "../core/log";
import type { Money } from "../core/money";
import {
  foldObservation,
  newOrder,
  toPublicOrder,
  type EventType,
  type ObserveInput,
  type ObservationOutcome,
  type OrderRecord,
  type PublicOrder,
} from "../core/order";
import { nextPollAt, pollDelay, pollWindow, windowClosed, type PollWindow } from "../core/reconcile";
import {
  decideRefund,
  refundEvent,
  refundRefusal,
  toPublicRefund,
  type PublicRefund,
  type RefundRecord,
} from "../core/refunds";
import { err, ok, type Result } from "../core/result";
import { isFinalPayment, type InputSource, type PaymentStatus } from "../core/status";
import type { Env } from "../env";
import { syncIndex } from "../delivery/kv-index";
import { deliverDue, eventsEndpoint, type DeliveryIO } from "../delivery/run";
import { GATEWAYS, gatewaySetup } from "../gateways";
import type { ConfiguredGateway, CreatedOrder, GatewayIO, WebhookEvent } from "../gateways/types";
import type { RefundHint } from "../core/model";
import { orderObjectName, type Customer, type JsonValue, type OrderRef } from "../core/model";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  type IdempotencyClaim,
  type StoredResponse,
} from "./idempotency";
import {
  attemptLog,
  enqueueEvent,
  nextDeliveryAt,
  outboxRow,
  requeueDelivery,
  toDeliveryDetail,
  type DeliveryDetail,
} from "./outbox";
import { findRefund, listRefunds, saveRefund } from "./refunds";
import { migrate } from "./schema";

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

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly source: InputSource | "system";
  readonly kind: string;
  readonly outcome: string;
  readonly gateway_status: string | null;
  readonly from_status: string | null;
  readonly to_status: string | null;
  readonly detail: Readonly<Record<string, JsonValue>>;
}

export interface AuditPage {
  readonly data: readonly AuditEntry[];
  readonly next_after: number | null;
}

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
  | { readonly kind: "proceed"; readonly refund: PublicRefund }
  | { readonly kind: "answer"; readonly response: StoredResponse; readonly replayed: boolean }
  | { readonly kind: "in_use" }
  | { readonly kind: "reused" };

/** What the gateway said to the refund call: accepted, definitely refused, or unknown (timeout, 5xx, bad answer). */
export type RefundCallOutcome =
  | { readonly kind: "accepted"; readonly hint: RefundHint }
  | { readonly kind: "refused"; readonly error: ProxyError }
  | { readonly kind: "unknown"; readonly error: ProxyError };

/** After this long with the gateway still not knowing a refund whose call failed ambiguously, it is marked failed. */
export const REFUND_NOT_RECEIVED_AFTER_MS = 30 * 60 * 1000;
const REFUND_SCOPE = "POST /v1/orders/:gateway/:order_id/refunds";
/** How far ahead the alarm is armed for a delivery that `deliverNow` is already making. */
const DELIVER_NOW_GRACE_MS = 30_000;
/** A claim still running after this long belongs to a request that died (a Worker request cannot run this long). */
const ABANDONED_CLAIM_MS = 5 * 60 * 1000;

interface PollState {
  attempt: number;
  /** A webhook or a failed confirmation asked for an immediate look. */
  urgent: boolean;
  /** When the next look at the gateway is due (epoch ms). */
  due: number;
  /**
   * How many immediate looks have been asked for so far. A look that was waiting on the gateway compares it before
   * and after: one asked for meanwhile (a webhook saying the order changed) may postdate the gateway's answer, so it
   * is still due at once.
   */
  asks: number;
}

export class OrderObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The alarm work in progress, so two runs never overlap (see `runDue`). */
  private running: Promise<void> = Promise.resolve();
  /** Alarm work is running (its own deliveries cover events it queues). */
  private working = false;
  /** An event was queued since the last delivery run. */
  private eventQueued = false;
  /** Immediate delivery runs started outside the alarm and not finished (see `deliverNow`). */
  private kicks = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(() => {
      migrate(this.sql);
      return Promise.resolve();
    });
  }

  // ---------------------------------------------------------------- reads

  get(ref: OrderRef): PublicOrder | null {
    const order = this.load(ref);
    return order ? toPublicOrder(order) : null;
  }

  audit(ref: OrderRef, after: number, limit: number): AuditPage | null {
    if (!this.load(ref)) return null;
    const rows = this.sql
      .exec("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1)
      .toArray() as unknown as AuditRow[];
    const page = rows.slice(0, limit).map(toAuditEntry);
    return { data: page, next_after: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null };
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Registers the expected amount (and who the order is for) before any gateway call. Registering again with the
   * same amount and currency is a no-op that returns the order; different ones are `order_conflict`.
   * An order first seen through the gateway (a webhook or return for an unregistered order) can be registered once,
   * with the amount the gateway already reported, to make it verified.
   */
  register(ref: OrderRef, input: RegisterInput): Result<{ order: PublicOrder; created: boolean }, ProxyError> {
    const now = Date.now();
    const existing = this.load(ref);
    if (existing?.amount_verified) {
      const same = existing.amount === input.amount.minor && existing.currency === input.amount.currency;
      this.appendAudit(
        now,
        "api",
        "register",
        same ? "duplicate" : "conflict",
        null,
        existing.status,
        existing.status,
        {
          amount: input.amount.minor,
          currency: input.amount.currency,
        },
      );
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
    const order: OrderRecord = {
      ...(existing ?? newOrder(ref.gateway, ref.orderId, now)),
      amount: input.amount.minor,
      currency: input.amount.currency,
      amount_verified: true,
      customer: input.customer,
      description: input.description,
      metadata: input.metadata,
      updated_at: now,
    };
    this.ctx.storage.transactionSync(() => {
      this.save(order);
      this.appendAudit(now, "api", "register", "applied", null, existing?.status ?? null, order.status, {
        amount: input.amount.minor,
        currency: input.amount.currency,
      });
    });
    return ok({ order: toPublicOrder(order), created: !existing });
  }

  /**
   * Marks that a create call is about to be sent to the gateway ("recorded → sent"): from here on the order may exist
   * at the gateway even if the call times out, so reconciliation will look for it.
   */
  markAttempt(ref: OrderRef): Result<PublicOrder, ProxyError> {
    const order = this.load(ref);
    if (!order) return err(proxyError("order_not_found"));
    const now = Date.now();
    const next = { ...order, attempted: true, updated_at: now };
    this.ctx.storage.transactionSync(() => {
      this.save(next);
      this.appendAudit(now, "api", "create_sent", "recorded", null, order.status, order.status, {});
    });
    this.schedulePoll(next, false);
    return ok(toPublicOrder(next));
  }

  /** Stores what the gateway answered to the create call. */
  recordCreated(ref: OrderRef, created: CreatedOrder): Result<PublicOrder, ProxyError> {
    const order = this.load(ref);
    if (!order) return err(proxyError("order_not_found"));
    const now = Date.now();
    const next: OrderRecord = {
      ...order,
      attempted: true,
      gateway_order_ref: created.gatewayOrderRef ?? order.gateway_order_ref,
      gateway_status: order.gateway_status ?? created.gatewayStatus,
      next_action: created.nextAction,
      expires_at: created.expiresAt,
      updated_at: now,
    };
    this.ctx.storage.transactionSync(() => {
      this.save(next);
      this.appendAudit(
        now,
        "api",
        "created_at_gateway",
        "recorded",
        created.gatewayStatus,
        order.status,
        order.status,
        {
          gateway_reference: created.gatewayOrderRef,
        },
      );
    });
    return ok(toPublicOrder(next));
  }

  /** The gateway refused the create call outright (a 4xx): nothing exists there, so nothing needs polling. */
  recordCreateRejected(ref: OrderRef, code: string): Result<PublicOrder, ProxyError> {
    const order = this.load(ref);
    if (!order) return err(proxyError("order_not_found"));
    const now = Date.now();
    const next = { ...order, attempted: false, updated_at: now };
    this.ctx.storage.transactionSync(() => {
      this.save(next);
      this.appendAudit(now, "api", "create_rejected", "recorded", null, order.status, order.status, { code });
    });
    return ok(toPublicOrder(next));
  }

  /**
   * Changes the registered amount (e.g. a gateway's update-order call that the merchant made through checkpost).
   * Refused for an order that is final or flagged for review (money may already have moved), for one whose amount
   * was never registered through checkpost, and for another currency. The same amount again is a no-op.
   */
  updateAmount(ref: OrderRef, amount: Money): Result<PublicOrder, ProxyError> {
    const order = this.load(ref);
    if (!order) return err(proxyError("order_not_found"));
    const now = Date.now();
    const refuse = (why: string): Result<PublicOrder, ProxyError> => {
      this.appendAudit(now, "api", "amount_update", "refused", null, order.status, order.status, {
        amount: amount.minor,
        reason: why,
      });
      return err(proxyError("order_not_updatable", { detail: why }));
    };
    if (!order.amount_verified) return refuse("the order's amount was not registered through checkpost");
    if (order.currency !== amount.currency) return refuse("the currency of an order cannot change");
    if (isFinalPayment(order.status)) return refuse(`the order is ${order.status}`);
    if (order.requires_review) return refuse("the order is flagged for review");
    if (order.amount === amount.minor) return ok(toPublicOrder(order));
    const next: OrderRecord = { ...order, amount: amount.minor, updated_at: now };
    this.ctx.storage.transactionSync(() => {
      this.save(next);
      this.appendAudit(now, "api", "amount_update", "applied", null, order.status, order.status, {
        from_amount: order.amount,
        amount: amount.minor,
        currency: amount.currency,
      });
    });
    return ok(toPublicOrder(next));
  }

  /**
   * Where a create stands: whether a create call was ever sent, and the gateway's answer if it came. A create sent
   * without an answer (a timeout) may have made the order at the gateway.
   */
  createState(ref: OrderRef): { attempted: boolean; nextAction: CreatedOrder["nextAction"] | null } | null {
    const order = this.load(ref);
    return order ? { attempted: order.attempted, nextAction: order.next_action } : null;
  }

  /** Claims an idempotency key for a `/v1` POST scoped to this order (see `storage/idempotency.ts`). */
  claimIdempotency(scope: string, key: string, fingerprint: string): IdempotencyClaim {
    let claim!: IdempotencyClaim;
    this.ctx.storage.transactionSync(() => {
      claim = claimIdempotencyKey(this.sql, scope, key, fingerprint, Date.now());
    });
    return claim;
  }

  /** Stores the answer a key replays. */
  completeIdempotency(scope: string, key: string, response: StoredResponse): void {
    completeIdempotencyKey(this.sql, scope, key, response);
  }

  /** Forgets a claim whose request ended without an answer worth replaying (a gateway outage), so a retry runs. */
  releaseIdempotency(scope: string, key: string): void {
    releaseIdempotencyKey(this.sql, scope, key);
  }

  /**
   * Applies one observed gateway status: de-duplicates on `eventKeys`, folds it through the transition rules,
   * records the input and its outcome in the audit trail, queues the merchant event, all in one transaction.
   * An unknown order is created from the observation (its amount then unverified).
   */
  observe(ref: OrderRef, input: ObserveInput): Result<ObserveResult, ProxyError> {
    const result = this.applyObservation(ref, input, Date.now());
    return ok(result);
  }

  /**
   * Records an authenticated webhook. Payment events go through the same fold as any unconfirmed input: a
   * non-final status may apply at once; a final one is confirmed with the gateway by the alarm, which is armed now.
   * Refund events are recorded and trigger the same look at the gateway.
   */
  recordWebhook(ref: OrderRef, event: WebhookEvent): Result<ObserveResult, ProxyError> {
    const now = Date.now();
    if (event.kind === "payment" && event.status !== null) {
      const observed = this.applyObservation(
        ref,
        {
          source: "webhook",
          confirmed: false,
          gatewayStatus: event.gatewayStatus,
          status: event.status,
          amount: event.amount,
          eventKeys: event.dedupeKeys,
          note: event.eventType,
        },
        now,
      );
      // A new webhook is news from the gateway even when its unified status is not (e.g. Nimbbl `reversing` while
      // pending): look now rather than at the next regular poll. Duplicate deliveries ask for nothing.
      const order = this.loadAny();
      if (order && observed.outcome !== "duplicate_event") this.schedulePoll(order, true);
      return ok(observed);
    }
    // Refund and other events: record, de-duplicate, and let the alarm look at the gateway.
    let result!: ObserveResult;
    let current!: OrderRecord;
    this.ctx.storage.transactionSync(() => {
      current = this.load(ref) ?? this.createUnknown(ref, now);
      const duplicate = this.seenAny(event.dedupeKeys);
      this.remember(event.dedupeKeys, now);
      this.appendAudit(
        now,
        "webhook",
        `${event.kind}_event`,
        duplicate ? "duplicate_event" : "recorded",
        event.gatewayStatus,
        null,
        null,
        {
          event: event.eventType,
          ...(event.refund ? { refund_id: event.refund.gatewayRefundId, refund_status: event.refund.status } : {}),
        },
      );
      result = {
        order: toPublicOrder(current),
        outcome: duplicate ? "duplicate_event" : "needs_confirmation",
        changed: false,
      };
    });
    if (result.outcome !== "duplicate_event") this.schedulePoll(current, true);
    return ok(result);
  }

  /** Asks the alarm to look at the gateway now (e.g. a return leg whose status call failed). */
  requestReconcile(ref: OrderRef, reason: string): Result<null, ProxyError> {
    const now = Date.now();
    let order!: OrderRecord;
    this.ctx.storage.transactionSync(() => {
      order = this.load(ref) ?? this.createUnknown(ref, now);
      this.appendAudit(now, "system", "reconcile_requested", "recorded", null, order.status, order.status, { reason });
    });
    this.schedulePoll(order, true);
    return ok(null);
  }

  // ---------------------------------------------------------------- refunds

  /**
   * Step 1 of a refund ("recorded"): claims the idempotency key, applies the over-refund guard and records the
   * refund with its deterministic gateway id, all in one synchronous transaction — so concurrent requests for one
   * order are decided one at a time and pending + succeeded refunds can never exceed the captured amount.
   * A refusal is stored as the key's answer, so a retry with the same key gets the same answer.
   */
  beginRefund(ref: OrderRef, input: BeginRefundInput): BeginRefund {
    const now = Date.now();
    let result!: BeginRefund;
    this.ctx.storage.transactionSync(() => {
      const claim = claimIdempotencyKey(this.sql, REFUND_SCOPE, input.idempotencyKey, input.fingerprint, now);
      if (claim.kind === "replay") {
        result = { kind: "answer", response: claim.response, replayed: true };
        return;
      }
      if (claim.kind === "in_use") {
        // A claim left running by a request that died after recording its refund: answer with the refund as it
        // stands (the alarm is resolving it with the gateway) instead of "in use" for a day.
        const orphan =
          now - claim.since > ABANDONED_CLAIM_MS ? findRefund(this.sql, { refundId: input.refundId }) : null;
        if (orphan) {
          const response = { status: 202, body: JSON.stringify(toPublicRefund(orphan)) };
          completeIdempotencyKey(this.sql, REFUND_SCOPE, input.idempotencyKey, response);
          result = { kind: "answer", response, replayed: true };
        } else {
          result = { kind: "in_use" };
        }
        return;
      }
      if (claim.kind === "reused") {
        result = claim;
        return;
      }
      const order = this.load(ref);
      const refunds = listRefunds(this.sql);
      const existing = findRefund(this.sql, { refundId: input.refundId });
      const refusal = existing
        ? proxyError("refund_id_conflict", { detail: "a refund with this refund_id already exists" })
        : refundRefusal(order, refunds, input.amount, input.maxRefunds);
      if (refusal) {
        const response = {
          status: errorStatus(refusal),
          body: JSON.stringify(problemDocument(refusal, input.requestId)),
        };
        completeIdempotencyKey(this.sql, REFUND_SCOPE, input.idempotencyKey, response);
        if (order) {
          this.appendAudit(now, "api", "refund_refused", refusal.reason, null, order.status, order.status, {
            amount: input.amount.minor,
          });
        }
        result = { kind: "answer", response, replayed: false };
        return;
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
        created_at: now,
        updated_at: now,
      };
      saveRefund(this.sql, refund);
      this.appendAudit(now, "api", "refund_recorded", "recorded", null, null, null, {
        refund_id: refund.refund_id,
        gateway_refund_id: refund.gateway_refund_id,
        amount: refund.amount,
      });
      result = { kind: "proceed", refund: toPublicRefund(refund) };
    });
    // Armed before the gateway call: if this request dies mid-call, the alarm still resolves the refund.
    const order = result.kind === "proceed" ? this.load(ref) : null;
    if (order) this.schedulePoll(order, false, true);
    return result;
  }

  /**
   * Step 2 ("sent"): records what the gateway said and stores the key's answer. A definite refusal fails the refund
   * (releasing its reservation); an unknown outcome leaves it pending and asks the alarm to resolve it by asking the
   * gateway about that same id — never by sending it again.
   */
  finishRefund(
    ref: OrderRef,
    idempotencyKey: string,
    refundId: string,
    outcome: RefundCallOutcome,
    requestId: string,
  ): StoredResponse {
    const now = Date.now();
    let response!: StoredResponse;
    let arm = false;
    this.ctx.storage.transactionSync(() => {
      const refund = findRefund(this.sql, { refundId });
      if (!refund) throw new Error("finishRefund for a refund that was never recorded");
      let next: RefundRecord;
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
        response = { status: 201, body: JSON.stringify(toPublicRefund(next)) };
        arm = status === "pending";
      } else if (outcome.kind === "refused") {
        next = { ...refund, status: "failed", phase: "confirmed", failure_code: outcome.error.reason, updated_at: now };
        response = {
          status: errorStatus(outcome.error),
          body: JSON.stringify(problemDocument(outcome.error, requestId)),
        };
      } else {
        next = { ...refund, failure_code: null, updated_at: now };
        response = { status: 202, body: JSON.stringify(toPublicRefund(next)) };
        arm = true;
      }
      saveRefund(this.sql, next);
      this.appendAudit(now, "api", "refund_sent", outcome.kind, next.gateway_status, null, null, {
        refund_id: refundId,
        refund_status: next.status,
        ...(outcome.kind === "accepted" ? {} : { error: outcome.error.reason }),
      });
      if (outcome.kind !== "refused") this.queueRefundEvent(next, now);
      completeIdempotencyKey(this.sql, REFUND_SCOPE, idempotencyKey, response);
    });
    const order = this.load(ref);
    if (arm && order) this.schedulePoll({ ...order, attempted: true }, false, true);
    else this.armAlarm(); // a refund event queued above is delivered by the alarm
    return response;
  }

  getRefund(ref: OrderRef, refundId: string): PublicRefund | null {
    if (!this.load(ref)) return null;
    const refund = findRefund(this.sql, { refundId });
    return refund ? toPublicRefund(refund) : null;
  }

  refunds(ref: OrderRef): PublicRefund[] {
    if (!this.load(ref)) return [];
    return listRefunds(this.sql).map(toPublicRefund);
  }

  /** Applies what the gateway says about a refund (a status call, or a poll). */
  observeRefund(ref: OrderRef, hint: RefundHint, source: InputSource, confirmed: boolean): PublicRefund | null {
    const now = Date.now();
    let out: PublicRefund | null = null;
    this.ctx.storage.transactionSync(() => {
      if (!this.load(ref)) return;
      out = this.applyRefundHint(hint, source, confirmed, now);
    });
    this.armAlarm(); // a refund event queued above is delivered by the alarm
    return out;
  }

  // ---------------------------------------------------------------- deliveries

  /** One event delivery of this order with its latest attempts, or null. The source of truth for `/v1/deliveries`. */
  delivery(ref: OrderRef, sequence: number): DeliveryDetail | null {
    if (!this.load(ref)) return null;
    const row = outboxRow(this.sql, sequence);
    return row ? toDeliveryDetail(ref.gateway, ref.orderId, row, attemptLog(this.sql, sequence, 50)) : null;
  }

  /**
   * Re-queues a delivery that failed (exhausted, or stopped by a 410), was not deliverable, or was delivered (a
   * replay): it starts a fresh schedule, due now, and as the lowest pending sequence it goes before this order's later
   * events. A pending delivery is left as it is.
   */
  retryDelivery(ref: OrderRef, sequence: number): Result<DeliveryDetail, ProxyError> {
    const order = this.load(ref);
    if (!order || !outboxRow(this.sql, sequence)) return err(proxyError("delivery_not_found"));
    if (!eventsEndpoint(loadConfig(this.env))) return err(proxyError("events_not_configured"));
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      requeueDelivery(this.sql, sequence, now);
      this.appendAudit(now, "api", "delivery_retry", "recorded", null, order.status, order.status, { sequence });
    });
    this.armAlarm();
    const detail = this.delivery(ref, sequence);
    return detail ? ok(detail) : err(proxyError("delivery_not_found"));
  }

  // ---------------------------------------------------------------- alarm: reconciliation and deliveries

  /**
   * One alarm serves both jobs: looking at the gateway for an order that is not final or has a pending refund
   * (product.md §3), and delivering due events to the merchant (§4). It is armed for whichever is due first
   * (`armAlarm`). Alarms are at-least-once, so the work is idempotent: it does what is due as of now and re-arms
   * explicitly.
   *
   * An alarm never fires before its time in production. The test harness can run it early
   * (`runDurableObjectAlarm`); it then acts as of the time it was armed for, which is how tests walk a 24-hour
   * schedule without waiting.
   */
  override async alarm(): Promise<void> {
    // This alarm is spent: forget it, so `armAlarm` sets the next one from what is left to do.
    const armed = this.armedAt();
    this.sql.exec("DELETE FROM meta WHERE key = 'alarm_at'");
    await this.serialise(() => Math.max(Date.now(), armed ?? 0));
  }

  /** The alarm's work as of `now` (epoch ms), after any run in progress. For tests, through `runInDurableObject`. */
  runDue(now: number): Promise<void> {
    return this.serialise(() => now);
  }

  private serialise(asOf: () => number): Promise<void> {
    const run = this.running.then(() => this.work(asOf()));
    this.running = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends a just-queued event at once instead of waiting for the alarm to be scheduled. While it runs, the alarm is
   * armed no earlier than `DELIVER_NOW_GRACE_MS` ahead for that delivery: a safety net if this object is evicted
   * mid-way, which leaves the next look at the gateway on its own schedule.
   */
  private deliverNow(): void {
    this.kicks += 1;
    void this.runDue(Date.now())
      .catch((error: unknown) => {
        const order = this.loadAny();
        if (order) this.logger(order).error("immediate delivery run failed", { error: String(error) });
      })
      .finally(() => {
        this.kicks -= 1;
        this.armAlarm();
      });
  }

  private async work(now: number): Promise<void> {
    const order = this.loadAny();
    if (!order) return;
    const started = Date.now();
    const clock = () => now + (Date.now() - started);
    this.working = true;
    try {
      await this.reconcileIfDue(order, now);
      this.eventQueued = false;
      await deliverDue(this.sql, order.gateway, order.order_id, this.deliveryIO(order, clock));
    } finally {
      this.working = false;
    }
    this.armAlarm();
    // The listing index may lag (kv-index.ts): rows stay marked dirty and are written by the next alarm run.
    await syncIndex(this.sql, this.env.KV, order.gateway, order.order_id).catch(() =>
      this.logger(order).warn("deliveries index not updated in KV", {}),
    );
  }

  /**
   * When a look is due: polls the payment while it may still change (or a hint awaits confirmation) and asks about
   * each pending refund, then plans the next look. A gateway that is down is recorded and only delays it.
   */
  private async reconcileIfDue(order: OrderRecord, now: number): Promise<void> {
    const poll = this.pollState();
    if (!poll || poll.due > now) return;
    const paymentDue = poll.urgent || this.wantsPoll(order);
    const refundsDue = this.pendingRefunds().length > 0;
    if (!paymentDue && !refundsDue) {
      this.clearPoll();
      return;
    }
    const attempt = poll.attempt + 1;
    const log = this.logger(order);
    const setup = gatewaySetup(this.env, order.gateway);
    if (setup.state !== "enabled") {
      this.appendAudit(now, "poll", "poll", "gateway_not_configured", null, order.status, order.status, {});
      this.reschedulePoll(order, attempt, now, poll.urgent);
      return;
    }
    const io: GatewayIO = {
      fetch: (req, init) => fetch(req, init),
      now: () => Date.now(),
      kv: this.env.KV,
      log,
      timeoutMs: loadConfig(this.env).gatewayTimeoutMs ?? undefined,
    };
    const answered = paymentDue ? await this.pollPayment(order, setup.gateway, io, attempt, now) : true;
    if (refundsDue) await this.syncRefunds(order, setup.gateway, io);
    const askedMeanwhile = (this.pollState()?.asks ?? 0) > poll.asks;
    this.reschedulePoll(this.loadAny() ?? order, attempt, now, poll.urgent && !answered);
    if (askedMeanwhile) this.schedulePoll(this.loadAny() ?? order, true);
  }

  /**
   * One confirmed look at the payment; returns whether the gateway answered. A failed call is recorded and only
   * delays the next look. Once the window has closed (core/reconcile.ts), an answer that is still not final makes the
   * order `expired`; a later S2S-confirmed success can still move it to `succeeded` (status.ts).
   */
  private async pollPayment(
    order: OrderRecord,
    client: ConfiguredGateway,
    io: GatewayIO,
    attempt: number,
    now: number,
  ): Promise<boolean> {
    const snapshot = await client.fetchStatus(order.order_id, io);
    const current = this.loadAny() ?? order;
    if (!snapshot.ok) {
      this.appendAudit(now, "poll", "poll", "gateway_error", null, current.status, current.status, {
        error: snapshot.error.reason,
      });
      io.log.warn("reconciliation poll failed", { reason: snapshot.error.reason, attempt });
      return false;
    }
    const found = snapshot.value;
    if (found.orderId !== order.order_id) {
      this.appendAudit(now, "poll", "poll", "order_mismatch", found.gatewayStatus, current.status, current.status, {});
      return false;
    }
    const closing = windowClosed(this.pollWindowOf(current), now) && !isFinalPayment(found.status);
    this.applyObservation(
      { gateway: order.gateway, orderId: order.order_id },
      {
        source: "poll",
        confirmed: true,
        gatewayStatus: found.gatewayStatus,
        status: closing ? "expired" : found.status,
        amount: found.amount,
        gatewayOrderRef: found.gatewayOrderRef,
        details: found.details,
        refunds: found.refunds,
        ...(closing ? { note: `reconciliation window closed; the gateway still reports ${found.status}` } : {}),
      },
      now,
    );
    return true;
  }

  /**
   * Asks the gateway about each pending refund by the id checkpost sent. A refund whose create call failed
   * ambiguously and that the gateway still does not know after `REFUND_NOT_RECEIVED_AFTER_MS` never reached it: it
   * is marked failed, releasing its reservation. It is never sent again.
   */
  private async syncRefunds(order: OrderRecord, client: ConfiguredGateway, io: GatewayIO): Promise<void> {
    for (const refund of this.pendingRefunds()) {
      const res = await client.refundStatus({ orderId: order.order_id, gatewayRefundId: refund.gateway_refund_id }, io);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        if (res.ok) {
          this.applyRefundHint(res.value, "poll", true, now);
        } else if (
          res.error.reason === "gateway_not_found" &&
          refund.phase === "recorded" &&
          now - refund.created_at > REFUND_NOT_RECEIVED_AFTER_MS
        ) {
          const failed: RefundRecord = {
            ...refund,
            status: "failed",
            phase: "confirmed",
            failure_code: "not_received_by_gateway",
            updated_at: now,
          };
          saveRefund(this.sql, failed);
          this.appendAudit(now, "poll", "refund_poll", "applied", null, null, null, {
            refund_id: refund.refund_id,
            refund_status: "failed",
          });
          this.queueRefundEvent(failed, now);
        } else {
          this.appendAudit(now, "poll", "refund_poll", "gateway_error", null, null, null, {
            refund_id: refund.refund_id,
            error: res.error.reason,
          });
        }
      });
    }
  }

  // ---------------------------------------------------------------- internals

  private applyObservation(ref: OrderRef, input: ObserveInput, now: number): ObserveResult {
    let result!: ObserveResult;
    let needsLook = false;
    let after!: OrderRecord;
    this.ctx.storage.transactionSync(() => {
      const order = this.load(ref) ?? this.createUnknown(ref, now);
      const keys = input.eventKeys ?? [];
      if (this.seenAny(keys)) {
        this.appendAudit(
          now,
          input.source,
          "observation",
          "duplicate_event",
          input.gatewayStatus,
          order.status,
          order.status,
          {
            confirmed: input.confirmed,
            ...(input.note ? { note: input.note } : {}),
          },
        );
        result = { order: toPublicOrder(order), outcome: "duplicate_event", changed: false };
        after = order;
        return;
      }
      const folded = foldObservation(order, input, now);
      this.remember(keys, now);
      this.save(folded.order);
      this.appendAudit(
        now,
        input.source,
        "observation",
        folded.outcome,
        input.gatewayStatus,
        folded.from,
        folded.order.status,
        {
          confirmed: input.confirmed,
          claimed: input.status,
          ...(input.amount ? { amount: input.amount.minor, currency: input.amount.currency } : {}),
          ...(folded.reviewReason ? { review_reason: folded.reviewReason } : {}),
          ...(input.note ? { note: input.note } : {}),
        },
      );
      if (folded.event) this.queueEvent(folded.order, folded.event, now);
      if (input.confirmed) for (const hint of input.refunds ?? []) this.applyRefundHint(hint, input.source, true, now);
      after = this.loadAny() ?? folded.order;
      needsLook = folded.outcome === "needs_confirmation";
      result = { order: toPublicOrder(after), outcome: folded.outcome, changed: folded.event !== null };
    });
    this.schedulePoll(after, needsLook);
    return result;
  }

  private createUnknown(ref: OrderRef, now: number): OrderRecord {
    const order = { ...newOrder(ref.gateway, ref.orderId, now), attempted: true };
    this.save(order);
    this.appendAudit(now, "system", "first_seen", "recorded", null, null, order.status, {});
    return order;
  }

  private pendingRefunds(): RefundRecord[] {
    return listRefunds(this.sql).filter((r) => r.status === "pending");
  }

  /**
   * Folds one refund status into the refund rows (inside a transaction). A refund the gateway reports that checkpost
   * never sent (a dashboard refund, an auto-refund) is recorded from a confirmed answer with origin `gateway`, so the
   * over-refund guard counts it.
   */
  private applyRefundHint(hint: RefundHint, source: InputSource, confirmed: boolean, now: number): PublicRefund | null {
    const refund =
      (hint.gatewayRefundId ? findRefund(this.sql, { gatewayRefundId: hint.gatewayRefundId }) : null) ??
      (hint.gatewayRefundRef ? findRefund(this.sql, { gatewayRefundRef: hint.gatewayRefundRef }) : null);
    if (!refund) {
      if (!confirmed || !hint.amount) return null;
      const id = hint.gatewayRefundId ?? hint.gatewayRefundRef;
      if (!id) return null;
      const created: RefundRecord = {
        refund_id: `gw_${id}`,
        gateway_refund_id: id,
        gateway_refund_ref: hint.gatewayRefundRef,
        amount: hint.amount.minor,
        currency: hint.amount.currency,
        status: hint.status,
        phase: hint.status === "pending" ? "sent" : "confirmed",
        gateway_status: hint.gatewayStatus,
        reason: null,
        origin: "gateway",
        failure_code: null,
        created_at: now,
        updated_at: now,
      };
      saveRefund(this.sql, created);
      this.appendAudit(now, source, "refund_observation", "recorded", hint.gatewayStatus, null, null, {
        refund_id: created.refund_id,
        refund_status: created.status,
        origin: "gateway",
      });
      this.queueRefundEvent(created, now);
      return toPublicRefund(created);
    }
    const decision = decideRefund(refund.status, hint.status, confirmed);
    this.appendAudit(now, source, "refund_observation", decision.kind, hint.gatewayStatus, null, null, {
      refund_id: refund.refund_id,
      claimed: hint.status,
      confirmed,
    });
    if (decision.kind !== "apply") {
      if (!confirmed || decision.kind === "stale") return toPublicRefund(refund);
      // Confirmed but unchanged: the gateway knows the refund, so it was received ("sent"); keep its reference.
      const known: RefundRecord = {
        ...refund,
        phase: refund.phase === "recorded" ? "sent" : refund.phase,
        gateway_refund_ref: hint.gatewayRefundRef ?? refund.gateway_refund_ref,
        gateway_status: hint.gatewayStatus,
        updated_at: now,
      };
      saveRefund(this.sql, known);
      return toPublicRefund(known);
    }
    const next: RefundRecord = {
      ...refund,
      status: decision.to,
      phase: decision.to === "pending" ? "sent" : "confirmed",
      gateway_status: hint.gatewayStatus,
      gateway_refund_ref: hint.gatewayRefundRef ?? refund.gateway_refund_ref,
      updated_at: now,
    };
    saveRefund(this.sql, next);
    this.queueRefundEvent(next, now);
    return toPublicRefund(next);
  }

  /** Queues `refund.<status>` with the next per-order sequence. */
  private queueRefundEvent(refund: RefundRecord, now: number): void {
    const order = this.loadAny();
    if (!order) return;
    const next = { ...order, sequence: order.sequence + 1, updated_at: now };
    this.save(next);
    this.queueEvent(next, refundEvent(refund.status), now, { refund: toPublicRefund(refund) });
  }

  /**
   * Queues the merchant event for a change, inside the transaction that makes the change; kept as undeliverable when
   * events are off. Callers arm the alarm after the transaction (`schedulePoll`, `reschedulePoll` and `armAlarm` do).
   */
  private queueEvent(order: OrderRecord, type: EventType, now: number, extra: Record<string, unknown> = {}): void {
    const deliverable = eventsEndpoint(loadConfig(this.env)) !== null;
    const data = { order: toPublicOrder(order), ...extra };
    enqueueEvent(this.sql, { sequence: order.sequence, type, data }, now, deliverable);
    this.eventQueued ||= deliverable;
  }

  /**
   * Whether the gateway may still change this payment: an attempt exists there and the order is not final. An order
   * flagged for review waits for a person, not for the gateway.
   */
  private wantsPoll(order: OrderRecord): boolean {
    return order.attempted && !isFinalPayment(order.status) && !order.requires_review;
  }

  private pollWindowOf(order: OrderRecord): PollWindow {
    return pollWindow(order.created_at, GATEWAYS[order.gateway].pollWindowMs, order.expires_at);
  }

  /**
   * Plans a look at the gateway when the order needs one — now if `urgent`, else on the payment's schedule; `refund`
   * plans one for a pending refund even when the payment itself is final — keeping an earlier one. Then arms the alarm.
   */
  private schedulePoll(order: OrderRecord, urgent: boolean, refund = false): void {
    if (urgent || refund || this.wantsPoll(order)) {
      const now = Date.now();
      const current = this.pollState();
      const attempt = current?.attempt ?? 0;
      const at = urgent ? now : refund ? now + pollDelay(0) : nextPollAt(attempt, now, this.pollWindowOf(order));
      if (at !== null) {
        const due = current ? Math.min(current.due, at) : at;
        const asks = (current?.asks ?? 0) + (urgent ? 1 : 0);
        this.savePoll({ attempt, urgent: urgent || (current?.urgent ?? false), due, asks });
      }
    }
    this.armAlarm();
  }

  /**
   * After a look: the next one for the payment (on its schedule; a look that was asked for — `urgent` — and could not
   * be made is retried the same way) or for a pending refund, whichever is first; none when nothing is open. Then
   * arms the alarm.
   */
  private reschedulePoll(order: OrderRecord, attempt: number, now: number, urgent = false): void {
    const paymentOpen = urgent || this.wantsPoll(order);
    const paymentAt = paymentOpen ? nextPollAt(attempt, now, this.pollWindowOf(order)) : null;
    if (paymentOpen && paymentAt === null) {
      this.appendAudit(now, "poll", "poll_gave_up", "recorded", null, order.status, order.status, {});
      this.logger(order).error("reconciliation stopped: the gateway never answered the final look", {});
    }
    const refundAt = this.pendingRefunds().length ? now + pollDelay(Math.min(attempt, 8)) : null;
    const candidates = [paymentAt, refundAt].filter((t): t is number => t !== null);
    const asks = this.pollState()?.asks ?? 0;
    if (candidates.length)
      this.savePoll({ attempt, urgent: urgent && paymentAt !== null, due: Math.min(...candidates), asks });
    else this.clearPoll();
    this.armAlarm();
  }

  /**
   * Arms the alarm for the earliest due job — the next look at the gateway or the next delivery — or removes it when
   * there is none. The armed time is mirrored in `meta` so the decision needs no asynchronous read; `setAlarm` is
   * issued synchronously, so the output gate covers it.
   */
  private armAlarm(): void {
    if (this.eventQueued && !this.working) {
      this.eventQueued = false;
      this.deliverNow();
    }
    let deliveryAt = nextDeliveryAt(this.sql);
    if (deliveryAt !== null && this.kicks > 0) deliveryAt = Math.max(deliveryAt, Date.now() + DELIVER_NOW_GRACE_MS);
    const due = [this.pollState()?.due ?? null, deliveryAt].filter((t): t is number => t !== null);
    const at = due.length ? Math.min(...due) : null;
    if (at === this.armedAt()) return;
    if (at === null) {
      this.sql.exec("DELETE FROM meta WHERE key = 'alarm_at'");
      void this.ctx.storage.deleteAlarm();
      return;
    }
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('alarm_at', ?)", String(at));
    void this.ctx.storage.setAlarm(at);
  }

  private armedAt(): number | null {
    const row = this.sql.exec("SELECT value FROM meta WHERE key = 'alarm_at'").toArray()[0];
    return row ? Number(row.value) : null;
  }

  private deliveryIO(order: OrderRecord, clock: () => number): DeliveryIO {
    const config = loadConfig(this.env);
    return {
      endpoint: eventsEndpoint(config),
      secrets: config.merchantSecrets,
      fetch: (input, init) => fetch(input, init),
      kv: this.env.KV,
      clock,
      random: Math.random,
      log: this.logger(order),
    };
  }

  private pollState(): PollState | null {
    const row = this.sql.exec("SELECT value FROM meta WHERE key = 'poll'").toArray()[0];
    if (!row) return null;
    const state = JSON.parse(row.value as string) as Partial<PollState>;
    // A look planned before `due` was stored is due now.
    return { attempt: state.attempt ?? 0, urgent: state.urgent ?? false, due: state.due ?? 0, asks: state.asks ?? 0 };
  }

  private savePoll(state: PollState): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('poll', ?)", JSON.stringify(state));
  }

  private clearPoll(): void {
    this.sql.exec("DELETE FROM meta WHERE key = 'poll'");
  }

  private seenAny(keys: readonly string[]): boolean {
    for (const key of keys) {
      if (this.sql.exec("SELECT 1 FROM dedupe WHERE key = ?", key).toArray().length) return true;
    }
    return false;
  }

  private remember(keys: readonly string[], now: number): void {
    for (const key of keys) this.sql.exec("INSERT OR IGNORE INTO dedupe (key, at) VALUES (?, ?)", key, now);
  }

  /** The order, after checking the caller addressed the right object. */
  private load(ref: OrderRef): OrderRecord | null {
    const order = this.loadAny();
    if (order && (order.gateway !== ref.gateway || order.order_id !== ref.orderId)) {
      throw new Error("order object addressed with another order's reference");
    }
    return order;
  }

  private loadAny(): OrderRecord | null {
    const row = this.sql.exec("SELECT doc FROM order_doc WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.doc as string) as OrderRecord) : null;
  }

  private save(order: OrderRecord): void {
    this.sql.exec("INSERT OR REPLACE INTO order_doc (id, doc) VALUES (1, ?)", JSON.stringify(order));
  }

  private appendAudit(
    at: number,
    source: InputSource | "system",
    kind: string,
    outcome: string,
    gatewayStatus: string | null,
    from: PaymentStatus | null,
    to: PaymentStatus | null,
    detail: Record<string, JsonValue>,
  ): void {
    this.sql.exec(
      "INSERT INTO audit (at, source, kind, outcome, gateway_status, from_status, to_status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      at,
      source,
      kind,
      outcome,
      gatewayStatus,
      from,
      to,
      JSON.stringify(detail),
    );
  }

  private logger(order: OrderRecord): Logger {
    return createLogger(loadConfig(this.env).logLevel, { gateway: order.gateway, order_id: order.order_id });
  }
}

interface AuditRow {
  seq: number;
  at: number;
  source: InputSource | "system";
  kind: string;
  outcome: string;
  gateway_status: string | null;
  from_status: string | null;
  to_status: string | null;
  detail: string;
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    source: row.source,
    kind: row.kind,
    outcome: row.outcome,
    gateway_status: row.gateway_status,
    from_status: row.from_status,
    to_status: row.to_status,
    detail: JSON.parse(row.detail) as Record<string, JsonValue>,
  };
}

type OrderMethods = Pick<
  OrderObject,
  | "get"
  | "audit"
  | "register"
  | "markAttempt"
  | "recordCreated"
  | "recordCreateRejected"
  | "createState"
  | "claimIdempotency"
  | "completeIdempotency"
  | "releaseIdempotency"
  | "updateAmount"
  | "observe"
  | "recordWebhook"
  | "requestReconcile"
  | "beginRefund"
  | "finishRefund"
  | "getRefund"
  | "refunds"
  | "observeRefund"
  | "delivery"
  | "retryDelivery"
>;

/**
 * The RPC surface of one order as callers see it: every method returns a promise of a structured-clone value.
 * Spelled out because the generic `DurableObjectStub<OrderObject>` type is too deep for the compiler with these
 * `Result` unions.
 */
export type OrderClient = {
  [K in keyof OrderMethods]: (...args: Parameters<OrderMethods[K]>) => Promise<Awaited<ReturnType<OrderMethods[K]>>>;
};

/** The stub for one order. The object's name is `<gateway>:<order_id>`, so each order has exactly one. */
export function orderStub(env: Env, ref: OrderRef): OrderClient {
  const stub: unknown = env.ORDERS.getByName(orderObjectName(ref));
  return stub as OrderClient;
}
