/**
 * OrderObject: one Durable Object per `(gateway, order_id)`, the only writer of that order's state (product.md §3).
 * This file is the RPC shell: each method takes `now` once, runs one synchronous transaction over a module function
 * of `storage/order/`, and arms the alarm. The modules hold the logic: `record` (the order and its audit trail),
 * `payments`, `refunds`, `idempotency`, `outbox`, `schedule`, `reconcile` and `alarm`, over the SQLite `schema`.
 *
 * Every method that accepts an input writes it before returning. Durable Object output gates hold the RPC reply
 * until those writes are durable, so a caller is never answered for an input that could still be lost
 * (https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/). Each transaction is synchronous (no
 * `await` between the read and the write), so inputs are applied one at a time even though the object may
 * interleave requests while a gateway call is in flight.
 *
 * Methods return values (`Result`s for expected failures) and never throw domain errors: RPC drops custom error
 * classes (style.md §8.3). Nothing here builds an HTTP status or a problem body: `http/` renders what comes back.
 */
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../config";
import { proxyError, type ProxyError } from "../core/errors";
import type { IdempotencyClaim, StoredAnswer } from "../core/idempotency";
import { orderObjectName, type OrderRef, type RefundHint } from "../core/model";
import { toPublicOrder, type ObserveInput, type PublicOrder } from "../core/order";
import { toPublicRefund, type PublicRefund } from "../core/refunds";
import { err, ok, type Result } from "../core/result";
import type { InputSource } from "../core/status";
import { eventsEndpoint } from "../delivery/run";
import type { Env } from "../env";
import { statePoint } from "../metrics";
import type { CreatedOrder, WebhookEvent } from "../gateways/types";
import { gatewaySetup } from "../gateways";
import { OrderAlarm, gatewayIO, orderLogger } from "./order/alarm";
import type { OrderTx } from "./order/context";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "./order/idempotency";
import { outboxRow, requeueDelivery, toDeliveryDetail, type DeliveryDetail } from "./order/outbox";
import * as payments from "./order/payments";
import { audit, auditOrder, auditPage, loadOrder, orderFor, withOrderRow, type AuditPage } from "./order/record";
import { LookGate, lookFor, type LookAnswer, type LookRequest } from "./order/looks";
import { IndexWriter } from "./order/projection";
import { applyRefundHint } from "./order/refund-hints";
import { findRefund, listRefunds } from "./order/refund-rows";
import * as preauth from "./order/preauth";
import * as refunds from "./order/refunds";
import { atomic, getMeta, migrate, setMeta } from "./order/schema";
import * as mandates from "./order/mandate";
import { confirmDueMandate } from "./order/mandate-confirm";
import { applyNote } from "./order/mandate-notes";
import type { MandateNote } from "./order/mandate";
import { mandateRef, toPublicMandate, type MandateSnapshot } from "../core/mandate";

export type { AuditEntry, AuditPage } from "./order/record";
export type { LookAnswer, LookRequest } from "./order/looks";
export type { CreateState, ObserveResult, RegisterInput } from "./order/payments";
export type { BeginPreauth, PreauthAction, PreauthOutcome } from "./order/preauth";
export type {
  BeginRefund,
  BeginRefundInput,
  FinishRefundInput,
  MarkFailedInput,
  RefundCallOutcome,
} from "./order/refunds";

export class OrderObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly alarms: OrderAlarm;
  private readonly gate = new LookGate();
  /** The order's row in the D1 order index, written after each change (`storage/order/projection.ts`). */
  private readonly index: IndexWriter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.index = new IndexWriter({
      sql: this.sql,
      db: () => env.DB,
      log: (ref) => orderLogger(env, { gateway: ref.gateway, order_id: ref.orderId }),
      arm: () => this.alarms.arm(false),
    });
    this.alarms = new OrderAlarm({
      storage: ctx.storage,
      env,
      gate: this.gate,
      index: this.index,
      step: (now, fn) => this.apply(fn, now),
    });
    void ctx.blockConcurrencyWhile(() => {
      ctx.storage.transactionSync(() => migrate(this.sql));
      return Promise.resolve();
    });
  }

  /**
   * Runs `fn` in one transaction as of `now`, then starts writing the order's index row if it changed, and arms the
   * alarm (and starts delivering what it queued).
   */
  private apply<T>(fn: (tx: OrderTx) => T, now = Date.now()): T {
    const env = this.env;
    const tx: OrderTx = {
      sql: this.sql,
      now,
      deliverable: eventsEndpoint(loadConfig(env)) !== null,
      earliestLook: this.gate.earliestUntrusted(),
      log: (ref) => orderLogger(env, { gateway: ref.gateway, order_id: ref.orderId }),
      eventQueued: false,
    };
    const before = env.METRICS ? loadOrder(this.sql) : null;
    const out = atomic(this.ctx.storage, () => withOrderRow(this.sql, () => fn(tx)));
    this.index.kick();
    const note = mandates.pendingMandateBlock(this.sql);
    if (note) void this.forwardMandate(note);
    this.alarms.arm(tx.eventQueued);
    if (env.METRICS) {
      const after = loadOrder(this.sql);
      if (after && after.status !== before?.status)
        statePoint(env.METRICS, after.gateway, before?.status ?? "none", after.status);
    }
    return out;
  }

  // ---------------------------------------------------------------- reads

  get(ref: OrderRef): PublicOrder | null {
    const order = orderFor(this.sql, ref);
    return order ? toPublicOrder(order) : null;
  }

  audit(ref: OrderRef, after: number, limit: number): AuditPage | null {
    return orderFor(this.sql, ref) ? auditPage(this.sql, after, limit) : null;
  }

  createState(ref: OrderRef): payments.CreateState | null {
    return payments.createState(this.sql, ref);
  }

  getRefund(ref: OrderRef, refundId: string): PublicRefund | null {
    if (!orderFor(this.sql, ref)) return null;
    const refund = findRefund(this.sql, "refund_id", refundId);
    return refund ? toPublicRefund(refund) : null;
  }

  refunds(ref: OrderRef): PublicRefund[] {
    return orderFor(this.sql, ref) ? listRefunds(this.sql).map(toPublicRefund) : [];
  }

  /** One event delivery of this order with its latest attempts, or null. The source of truth for `/v1/deliveries`. */
  delivery(ref: OrderRef, sequence: number): DeliveryDetail | null {
    if (!orderFor(this.sql, ref) && !mandates.loadMandate(this.sql)) return null;
    const row = outboxRow(this.sql, sequence);
    return row ? toDeliveryDetail(ref.gateway, ref.orderId, row) : null;
  }

  // ---------------------------------------------------------------- payments

  register(ref: OrderRef, input: payments.RegisterInput): Result<{ order: PublicOrder; created: boolean }, ProxyError> {
    return this.apply((tx) => payments.register(tx, ref, input));
  }

  registerForCreate(ref: OrderRef, input: payments.RegisterInput): Result<payments.RegisteredForCreate, ProxyError> {
    return this.apply((tx) => payments.registerForCreate(tx, ref, input));
  }

  recordCreated(ref: OrderRef, created: CreatedOrder): Result<PublicOrder, ProxyError> {
    return this.apply((tx) => payments.recordCreated(tx, ref, created));
  }

  recordCreateRejected(ref: OrderRef, code: string): Result<PublicOrder, ProxyError> {
    return this.apply((tx) => payments.recordCreateRejected(tx, ref, code));
  }

  updateAmount(ref: OrderRef, amount: Parameters<typeof payments.updateAmount>[2]): Result<PublicOrder, ProxyError> {
    return this.apply((tx) => payments.updateAmount(tx, ref, amount));
  }

  observe(ref: OrderRef, input: ObserveInput): Result<payments.ObserveResult, ProxyError> {
    return ok(this.apply((tx) => payments.observe(tx, ref, input)));
  }

  recordWebhook(ref: OrderRef, event: WebhookEvent): Result<payments.WebhookResult, ProxyError> {
    return ok(this.apply((tx) => payments.recordWebhook(tx, ref, event)));
  }

  /**
   * A confirmed look at the gateway on behalf of a request (a return leg, `?refresh=true`, `/handleJuspayResponse`),
   * within the order's look budget (`storage/order/looks.ts`): one call in flight, joined by every other trigger.
   * `requestId` goes on the object's log lines and the gateway call.
   */
  async look(ref: OrderRef, request: LookRequest, requestId?: string): Promise<LookAnswer> {
    const env = this.env;
    const log = orderLogger(env, { gateway: ref.gateway, order_id: ref.orderId }, requestId);
    return lookFor(
      {
        sql: this.sql,
        step: (fn) => this.apply(fn),
        gate: this.gate,
        setup: gatewaySetup(env, ref.gateway),
        io: gatewayIO(env, log, requestId),
        observe: (tx, input) => payments.observe(tx, ref, input),
      },
      ref,
      request,
      Date.now(),
    );
  }

  /**
   * `look`, then the order's refunds as they stand after it: what `?refresh=true` answers, in one call to the object
   * instead of two (each call is a billed Durable Object request and a round trip, docs/performance.md).
   */
  async lookWithRefunds(
    ref: OrderRef,
    request: LookRequest,
    requestId?: string,
  ): Promise<{ answer: LookAnswer; refunds: PublicRefund[] }> {
    const answer = await this.look(ref, request, requestId);
    return { answer, refunds: this.refunds(ref) };
  }

  requestReconcile(ref: OrderRef, reason: string): Result<null, ProxyError> {
    this.apply((tx) => payments.requestReconcile(tx, ref, reason));
    return ok(null);
  }

  // ---------------------------------------------------------------- idempotency (`POST /v1/orders`)

  claimIdempotency(scope: string, key: string, fingerprint: string): IdempotencyClaim {
    return this.apply((tx) => claimIdempotencyKey(tx.sql, { scope, key, fingerprint }, tx.now));
  }

  /** Stores the answer a key replays (rendered by the HTTP layer). */
  completeIdempotency(scope: string, key: string, answer: StoredAnswer): void {
    this.apply((tx) => completeIdempotencyKey(tx.sql, scope, key, answer));
  }

  /** Forgets a claim whose request ended without an answer worth replaying (a gateway outage), so a retry runs. */
  releaseIdempotency(scope: string, key: string): void {
    this.apply((tx) => releaseIdempotencyKey(tx.sql, scope, key));
  }

  // ---------------------------------------------------------------- refunds

  beginRefund(ref: OrderRef, input: refunds.BeginRefundInput): refunds.BeginRefund {
    return this.apply((tx) => refunds.beginRefund(tx, ref, input));
  }

  finishRefund(ref: OrderRef, input: refunds.FinishRefundInput): StoredAnswer {
    return this.apply((tx) => refunds.finishRefund(tx, ref, input));
  }

  /** Applies what the gateway says about a refund (a status call made through checkpost). */
  observeRefund(ref: OrderRef, hint: RefundHint, source: InputSource, confirmed: boolean): PublicRefund | null {
    return this.apply((tx) => (orderFor(tx.sql, ref) ? applyRefundHint(tx, hint, source, confirmed) : null));
  }

  /**
   * The gateway's refund status does not show this refund (a refresh): it stays as checkpost holds it, reserved, with
   * `gateway_status: "not_found"`, and is flagged for review once it has been missing for 30 minutes.
   */
  refundNotFound(ref: OrderRef, refundId: string): PublicRefund | null {
    return this.apply((tx) => {
      const refund = orderFor(tx.sql, ref) ? findRefund(tx.sql, "refund_id", refundId) : null;
      return refund ? refunds.refundNotFound(tx, refund, "api") : null;
    });
  }

  /** `POST …/refunds/:refund_id/mark-failed`: the merchant's decision that a refund under review never happened. */
  markRefundFailed(ref: OrderRef, input: refunds.MarkFailedInput): ReturnType<typeof refunds.markRefundFailed> | null {
    return this.apply((tx) => (orderFor(tx.sql, ref) ? refunds.markRefundFailed(tx, input) : null));
  }

  // ---------------------------------------------------------------- pre-authorisation (Juspay capture / void)

  beginPreauth(ref: OrderRef, input: preauth.BeginPreauthInput): preauth.BeginPreauth {
    return this.apply((tx) => preauth.beginPreauth(tx, ref, input));
  }

  preauthSent(ref: OrderRef, action: preauth.PreauthAction, amount: number | null): void {
    this.apply((tx) => preauth.preauthSent(tx, ref, action, amount));
  }

  finishPreauth(ref: OrderRef, input: preauth.FinishPreauthInput): StoredAnswer {
    return this.apply((tx) => preauth.finishPreauth(tx, ref, input));
  }

  // ---------------------------------------------------------------- deliveries

  /**
   * Re-queues a delivery that failed (exhausted, or stopped by a 410), was not deliverable, or was delivered (a
   * replay): it starts a fresh schedule, due now, and as the lowest pending sequence it goes before this order's later
   * events. A pending delivery is left as it is.
   */
  retryDelivery(ref: OrderRef, sequence: number): Result<DeliveryDetail, ProxyError> {
    const order = orderFor(this.sql, ref);
    if ((!order && !mandates.loadMandate(this.sql)) || !outboxRow(this.sql, sequence))
      return err(proxyError("delivery_not_found"));
    if (!eventsEndpoint(loadConfig(this.env))) return err(proxyError("events_not_configured"));
    this.apply((tx) => {
      requeueDelivery(tx.sql, sequence, tx.now);
      const line = { source: "api", kind: "delivery_retry", outcome: "recorded", detail: { sequence } } as const;
      if (order) auditOrder(tx, order, line);
      else audit(tx, line);
    });
    const detail = this.delivery(ref, sequence);
    return detail ? ok(detail) : err(proxyError("delivery_not_found"));
  }

  // ---------------------------------------------------------------- mandates (storage/order/mandate.ts)

  /** A registration order hands its confirmed mandate block to the mandate's object; kept until that succeeds. */
  private async forwardMandate(note: string): Promise<void> {
    const { snapshot, links } = JSON.parse(note) as { snapshot: MandateSnapshot; links: mandates.MandateLinks };
    const ref = mandateRef(snapshot.mandate_id);
    try {
      await orderStub(this.env, ref).observeMandate(ref, snapshot, links);
      this.ctx.storage.transactionSync(() => mandates.mandateBlockForwarded(this.sql, note));
    } catch {
      // Retried after this order's next change (its polls while pending, or its alarm).
    }
  }

  mandate(ref: OrderRef): Record<string, unknown> | null {
    const m = mandates.loadMandate(this.sql);
    // Known only from a webhook nobody confirmed yet: not a mandate checkpost can show.
    return m?.status && mandateRef(m.mandate_id).orderId === ref.orderId ? toPublicMandate(m) : null;
  }

  observeMandate(ref: OrderRef, snapshot: MandateSnapshot, links: mandates.MandateLinks): void {
    if (mandateRef(snapshot.mandate_id).orderId !== ref.orderId) throw new Error("mandate object addressed wrongly");
    this.apply((tx) => mandates.observeMandate(tx, { snapshot, links, source: "order_status" }));
  }

  mandateWebhook(ref: OrderRef, hook: mandates.MandateWebhook): { duplicate: boolean } {
    if (mandateRef(hook.mandateId).orderId !== ref.orderId) throw new Error("mandate object addressed wrongly");
    return this.apply((tx) => mandates.recordMandateWebhook(tx, hook));
  }

  /** A notify call's answer (or, lost, `UNKNOWN`) about a notification of this mandate (`mandate-notes.ts`). */
  applyMandateNote(ref: OrderRef, note: MandateNote): MandateNote | null {
    return this.mandate(ref) ? this.apply((tx) => applyNote(tx, note)) : null;
  }

  /** `GET /v1/juspay/mandates/:id?refresh=true`: a confirmation now (the merchant's own call, not budgeted). */
  async refreshMandate(ref: OrderRef, requestId?: string): Promise<Record<string, unknown> | null> {
    const log = orderLogger(this.env, { gateway: ref.gateway, order_id: ref.orderId }, requestId);
    const io = gatewayIO(this.env, log, requestId);
    await confirmDueMandate({
      sql: this.sql,
      env: this.env,
      io,
      now: Date.now(),
      force: true,
      step: (fn) => this.apply(fn),
    });
    return this.mandate(ref);
  }

  /** A mandate debit is about to be sent for this order (recorded first, like any create): it is polled from now. */
  markExecution(ref: OrderRef, mandateId: string): Result<PublicOrder, ProxyError> {
    return this.apply((tx) => {
      setMeta(tx.sql, "mandate_id", mandateId);
      return payments.markAttempt(tx, ref);
    });
  }

  /** The mandate this order debits, when checkpost sent the debit (`markExecution`). */
  executionOf(ref: OrderRef): string | null {
    if (!orderFor(this.sql, ref)) return null;
    return getMeta(this.sql, "mandate_id");
  }

  // ---------------------------------------------------------------- alarm

  /** Reconciliation and deliveries, whichever is due (`storage/order/alarm.ts`). */
  override async alarm(): Promise<void> {
    await this.alarms.fired();
  }

  /** The alarm's work as of `now` (epoch ms), after any run in progress. For tests, through `runInDurableObject`. */
  runDue(now: number): Promise<void> {
    return this.alarms.runDue(now);
  }
}

/** Every public method but the runtime's own (`alarm`, `fetch`, …) and the tests' `runDue`. */
type OrderMethods = Omit<OrderObject, keyof DurableObject | "runDue">;

/**
 * The RPC surface of one order as callers see it: every method returns a promise of a structured-clone value.
 * Spelled out because the generic `DurableObjectStub<OrderObject>` type is too deep for the compiler with these
 * `Result` unions.
 */
export type OrderClient = {
  [K in keyof OrderMethods]: (...args: Parameters<OrderMethods[K]>) => Promise<Awaited<ReturnType<OrderMethods[K]>>>;
};

/** The stub for one order: its object is named by `orderObjectName`, so each order has exactly one. */
export function orderStub(env: Env, ref: OrderRef): OrderClient {
  const stub: unknown = env.ORDERS.getByName(orderObjectName(ref));
  return stub as OrderClient;
}
