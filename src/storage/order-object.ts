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
  type Observation,
  type ObservationOutcome,
  type OrderRecord,
  type PublicOrder,
} from "../core/order";
import { nextPollAt, pollDelay } from "../core/reconcile";
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
import { GATEWAYS, gatewaySetup } from "../gateways";
import type {
  ConfiguredGateway,
  CreatedOrder,
  Customer,
  GatewayId,
  GatewayIO,
  JsonValue,
  RefundHint,
  WebhookEvent,
} from "../gateways/types";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  type IdempotencyClaim,
  type StoredResponse,
} from "./idempotency";
import { findRefund, listRefunds, saveRefund } from "./refunds";
import { migrate } from "./schema";

export interface OrderRef {
  readonly gateway: GatewayId;
  readonly orderId: string;
}

export interface RegisterInput {
  readonly amount: Money;
  readonly customer: Customer | null;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>> | null;
}

export interface ObserveInput extends Observation {
  /** Refunds the gateway listed with a confirmed status (e.g. Juspay `refunds[]`), folded into the refund rows. */
  readonly refunds?: readonly RefundHint[];
  /** Keys identifying the delivery (webhook ids); any key seen before makes the input a duplicate. */
  readonly eventKeys?: readonly string[];
  readonly note?: string;
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
/** A claim still running after this long belongs to a request that died (a Worker request cannot run this long). */
const ABANDONED_CLAIM_MS = 5 * 60 * 1000;

interface PollState {
  attempt: number;
  /** A webhook or a failed confirmation asked for an immediate look. */
  urgent: boolean;
}

export class OrderObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

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
      return ok(
        this.applyObservation(
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
        ),
      );
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
    return out;
  }

  // ---------------------------------------------------------------- reconciliation

  /**
   * Polls the gateway for an order that is not final (product.md §3). Alarms are at-least-once, so this is
   * idempotent: it reads the current state, asks the gateway, folds a confirmed observation, and re-arms explicitly.
   */
  override async alarm(): Promise<void> {
    this.sql.exec("DELETE FROM meta WHERE key = 'alarm_at'");
    const order = this.loadAny();
    if (!order) return;
    const poll = this.pollState();
    const paymentDue = poll !== null && this.needsPoll(order, poll);
    const refundsDue = this.pendingRefunds().length > 0;
    if (!paymentDue && !refundsDue) {
      this.clearPoll();
      return;
    }
    const attempt = (poll?.attempt ?? 0) + 1;
    const log = this.logger(order);
    const setup = gatewaySetup(this.env, order.gateway);
    if (setup.state !== "enabled") {
      this.appendAudit(Date.now(), "poll", "poll", "gateway_not_configured", null, order.status, order.status, {});
      this.rearm(order, attempt);
      return;
    }
    const io: GatewayIO = { fetch: (req, init) => fetch(req, init), now: () => Date.now(), kv: this.env.KV, log };
    if (paymentDue) await this.pollPayment(order, setup.gateway, io, attempt);
    if (refundsDue) await this.syncRefunds(order, setup.gateway, io);
    this.rearm(this.loadAny() ?? order, attempt);
  }

  /** One confirmed look at the payment; a failed call is recorded and only delays the next one. */
  private async pollPayment(
    order: OrderRecord,
    client: ConfiguredGateway,
    io: GatewayIO,
    attempt: number,
  ): Promise<void> {
    const snapshot = await client.fetchStatus(order.order_id, io);
    const now = Date.now();
    if (!snapshot.ok) {
      this.appendAudit(now, "poll", "poll", "gateway_error", null, order.status, order.status, {
        error: snapshot.error.reason,
      });
      io.log.warn("reconciliation poll failed", { reason: snapshot.error.reason, attempt });
      return;
    }
    if (snapshot.value.orderId !== order.order_id) {
      this.appendAudit(
        now,
        "poll",
        "poll",
        "order_mismatch",
        snapshot.value.gatewayStatus,
        order.status,
        order.status,
        {},
      );
      return;
    }
    this.applyObservation(
      { gateway: order.gateway, orderId: order.order_id },
      {
        source: "poll",
        confirmed: true,
        gatewayStatus: snapshot.value.gatewayStatus,
        status: snapshot.value.status,
        amount: snapshot.value.amount,
        gatewayOrderRef: snapshot.value.gatewayOrderRef,
        details: snapshot.value.details,
        refunds: snapshot.value.refunds,
      },
      now,
    );
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

  private queueEvent(order: OrderRecord, type: EventType, now: number, extra: Record<string, unknown> = {}): void {
    this.sql.exec(
      "INSERT INTO outbox (sequence, type, created_at, data) VALUES (?, ?, ?, ?)",
      order.sequence,
      type,
      now,
      JSON.stringify({ order: toPublicOrder(order), ...extra }),
    );
  }

  private needsPoll(order: OrderRecord, poll: PollState): boolean {
    if (poll.urgent) return true;
    return order.attempted && !isFinalPayment(order.status);
  }

  /**
   * Arms the alarm when the order needs a look: now if `urgent`, else at the regular schedule; `refund` arms it for a
   * pending refund even when the payment itself is final.
   */
  private schedulePoll(order: OrderRecord, urgent: boolean, refund = false): void {
    const paymentOpen = order.attempted && !isFinalPayment(order.status);
    if (!urgent && !refund && !paymentOpen) return;
    const current = this.pollState();
    const state: PollState = { attempt: current?.attempt ?? 0, urgent: urgent || (current?.urgent ?? false) };
    this.savePoll(state);
    const now = Date.now();
    const at = urgent
      ? now
      : refund
        ? now + pollDelay(0)
        : nextPollAt(state.attempt, now, order.created_at, GATEWAYS[order.gateway].pollWindowMs);
    if (at !== null) this.armAt(at, false);
  }

  /** After a poll: the next look for the payment (within its window) or a pending refund, whichever is first. */
  private rearm(order: OrderRecord, attempt: number): void {
    const now = Date.now();
    const paymentAt = isFinalPayment(order.status)
      ? null
      : nextPollAt(attempt, now, order.created_at, GATEWAYS[order.gateway].pollWindowMs);
    if (!isFinalPayment(order.status) && paymentAt === null) {
      this.appendAudit(now, "poll", "poll_window_closed", "recorded", null, order.status, order.status, {});
    }
    const refundAt = this.pendingRefunds().length ? now + pollDelay(Math.min(attempt, 8)) : null;
    const candidates = [paymentAt, refundAt].filter((t): t is number => t !== null);
    if (!candidates.length) {
      this.clearPoll();
      return;
    }
    this.savePoll({ attempt, urgent: false });
    this.armAt(Math.min(...candidates), true);
  }

  /**
   * Sets the alarm to `at`, or keeps an earlier one unless `replace`. The armed time is mirrored in `meta` so the
   * decision needs no asynchronous read; `setAlarm` is issued synchronously, so the output gate covers it.
   */
  private armAt(at: number, replace: boolean): void {
    const row = this.sql.exec("SELECT value FROM meta WHERE key = 'alarm_at'").toArray()[0];
    const existing = row ? Number(row.value) : null;
    if (!replace && existing !== null && existing <= at) return;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('alarm_at', ?)", String(at));
    void this.ctx.storage.setAlarm(at);
  }

  private pollState(): PollState | null {
    const row = this.sql.exec("SELECT value FROM meta WHERE key = 'poll'").toArray()[0];
    return row ? (JSON.parse(row.value as string) as PollState) : null;
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
  const stub: unknown = env.ORDERS.getByName(`${ref.gateway}:${ref.orderId}`);
  return stub as OrderClient;
}
