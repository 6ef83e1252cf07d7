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
import { proxyError, type ProxyError } from "../core/errors";
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
import { nextPollAt, pollWindow, windowClosed, type PollWindow } from "../core/reconcile";
import { err, ok, type Result } from "../core/result";
import { isFinalPayment, type InputSource, type PaymentStatus } from "../core/status";
import type { Env } from "../env";
import { syncIndex } from "../delivery/kv-index";
import { deliverDue, eventsEndpoint, type DeliveryIO } from "../delivery/run";
import { GATEWAYS, gatewaySetup } from "../gateways";
import type { CreatedOrder, Customer, GatewayId, GatewayIO, JsonValue, WebhookEvent } from "../gateways/types";
import {
  attemptLog,
  enqueueEvent,
  nextDeliveryAt,
  outboxRow,
  requeueDelivery,
  toDeliveryDetail,
  type DeliveryDetail,
} from "./outbox";
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

interface PollState {
  attempt: number;
  /** A webhook or a failed confirmation asked for an immediate look. */
  urgent: boolean;
  /** When the poll is due (epoch ms). */
  due: number;
}

export class OrderObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The alarm work in progress, so two runs never overlap (see `runDue`). */
  private running: Promise<void> = Promise.resolve();

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

  /** The stored next action of an order already created at the gateway, so a repeat create does not call again. */
  nextAction(ref: OrderRef): CreatedOrder["nextAction"] | null {
    return this.load(ref)?.next_action ?? null;
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
   * One alarm serves both jobs: polling the gateway for an order that is not final (product.md §3) and delivering due
   * events to the merchant (§4). It is armed for whichever is due first (`armAlarm`). Alarms are at-least-once, so
   * the work is idempotent: it does what is due as of now and re-arms explicitly.
   *
   * An alarm never fires before its time in production. The test harness can run it early
   * (`runDurableObjectAlarm`); it then acts as of the time it was armed for, which is how tests walk a 24-hour
   * schedule without waiting.
   */
  override async alarm(): Promise<void> {
    await this.runDue(Math.max(Date.now(), this.armedAt() ?? 0));
  }

  /** The alarm's work as of `now` (epoch ms). Runs one at a time: a second call waits for the first to finish. */
  runDue(now: number): Promise<void> {
    const run = this.running.then(() => this.work(now));
    this.running = run.catch(() => undefined);
    return run;
  }

  private async work(now: number): Promise<void> {
    // The alarm that brought us here is spent; `armAlarm` below sets the next one from what is left to do.
    this.sql.exec("DELETE FROM meta WHERE key = 'alarm_at'");
    const order = this.loadAny();
    if (!order) return;
    const started = Date.now();
    const clock = () => now + (Date.now() - started);
    await this.pollIfDue(order, now);
    await deliverDue(this.sql, order.gateway, order.order_id, this.deliveryIO(order, clock));
    this.armAlarm();
    await syncIndex(this.sql, this.env.KV, order.gateway, order.order_id);
  }

  /**
   * Polls the gateway when a poll is due (product.md §3): asks for the status, folds the answer as a confirmed
   * observation, and schedules the next poll. Once the window has closed (core/reconcile.ts), an answer that is still
   * not final makes the order `expired`; a later S2S-confirmed success can still move it to `succeeded`.
   * A gateway that is down or answers for another order is recorded and only delays the next poll.
   */
  private async pollIfDue(order: OrderRecord, now: number): Promise<void> {
    const poll = this.pollState();
    if (!poll || poll.due > now) return;
    if (!poll.urgent && !this.wantsPoll(order)) {
      this.clearPoll();
      return;
    }
    const log = this.logger(order);
    const setup = gatewaySetup(this.env, order.gateway);
    const ref = { gateway: order.gateway, orderId: order.order_id };
    if (setup.state !== "enabled") {
      this.appendAudit(now, "poll", "poll", "gateway_not_configured", null, order.status, order.status, {});
      this.reschedulePoll(order, poll.attempt + 1, now, poll.urgent);
      return;
    }
    const io: GatewayIO = { fetch: (req, init) => fetch(req, init), now: () => Date.now(), kv: this.env.KV, log };
    const snapshot = await setup.gateway.fetchStatus(order.order_id, io);
    const current = this.loadAny() ?? order;
    if (!snapshot.ok) {
      this.appendAudit(now, "poll", "poll", "gateway_error", null, current.status, current.status, {
        error: snapshot.error.reason,
      });
      log.warn("reconciliation poll failed", { reason: snapshot.error.reason, attempt: poll.attempt });
      this.reschedulePoll(current, poll.attempt + 1, now, poll.urgent);
      return;
    }
    const found = snapshot.value;
    if (found.orderId !== order.order_id) {
      this.appendAudit(now, "poll", "poll", "order_mismatch", found.gatewayStatus, current.status, current.status, {});
      this.reschedulePoll(current, poll.attempt + 1, now, poll.urgent);
      return;
    }
    const closing = windowClosed(this.pollWindowOf(current), now) && !isFinalPayment(found.status);
    this.applyObservation(
      ref,
      {
        source: "poll",
        confirmed: true,
        gatewayStatus: found.gatewayStatus,
        status: closing ? "expired" : found.status,
        amount: found.amount,
        gatewayOrderRef: found.gatewayOrderRef,
        details: found.details,
        ...(closing ? { note: `reconciliation window closed; the gateway still reports ${found.status}` } : {}),
      },
      now,
      { attempt: poll.attempt + 1 },
    );
  }

  // ---------------------------------------------------------------- internals

  private applyObservation(
    ref: OrderRef,
    input: ObserveInput,
    now: number,
    pollAfter?: { attempt: number },
  ): ObserveResult {
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
      needsLook = folded.outcome === "needs_confirmation";
      result = { order: toPublicOrder(folded.order), outcome: folded.outcome, changed: folded.event !== null };
      after = folded.order;
    });
    if (pollAfter) this.reschedulePoll(after, pollAfter.attempt, now);
    else this.schedulePoll(after, needsLook);
    return result;
  }

  private createUnknown(ref: OrderRef, now: number): OrderRecord {
    const order = { ...newOrder(ref.gateway, ref.orderId, now), attempted: true };
    this.save(order);
    this.appendAudit(now, "system", "first_seen", "recorded", null, null, order.status, {});
    return order;
  }

  /**
   * Queues the merchant event for a change, inside the transaction that makes the change. Callers arm the alarm
   * after the transaction (`schedulePoll`, `reschedulePoll` and `armAlarm` all do).
   */
  private queueEvent(order: OrderRecord, type: EventType, now: number): void {
    const deliverable = eventsEndpoint(loadConfig(this.env)) !== null;
    enqueueEvent(this.sql, { sequence: order.sequence, type, data: { order: toPublicOrder(order) } }, now, deliverable);
  }

  /**
   * Whether the gateway may still change this order: an attempt exists there and the order is not final. An order
   * flagged for review waits for a person, not for the gateway.
   */
  private wantsPoll(order: OrderRecord): boolean {
    return order.attempted && !isFinalPayment(order.status) && !order.requires_review;
  }

  private pollWindowOf(order: OrderRecord): PollWindow {
    return pollWindow(order.created_at, GATEWAYS[order.gateway].pollWindowMs, order.expires_at);
  }

  /** Plans a poll when the order needs one: now if `urgent`, else on the regular schedule. Then arms the alarm. */
  private schedulePoll(order: OrderRecord, urgent: boolean): void {
    if (urgent || this.wantsPoll(order)) {
      const now = Date.now();
      const current = this.pollState();
      const attempt = current?.attempt ?? 0;
      const regular = urgent ? now : nextPollAt(attempt, now, this.pollWindowOf(order));
      if (regular !== null) {
        const due = current ? Math.min(current.due, regular) : regular;
        this.savePoll({ attempt, urgent: urgent || (current?.urgent ?? false), due });
      }
    }
    this.armAlarm();
  }

  /**
   * After a poll: the next one on the schedule, or none when the order no longer needs one. A look that was asked for
   * (`urgent`) and could not be made is retried on the same schedule. Then arms the alarm.
   */
  private reschedulePoll(order: OrderRecord, attempt: number, now: number, urgent = false): void {
    const needed = urgent || this.wantsPoll(order);
    const at = needed ? nextPollAt(attempt, now, this.pollWindowOf(order)) : null;
    if (at === null) {
      this.clearPoll();
      if (needed) {
        this.appendAudit(now, "poll", "poll_gave_up", "recorded", null, order.status, order.status, {});
        this.logger(order).error("reconciliation stopped: the gateway never answered the final look", {});
      }
    } else {
      this.savePoll({ attempt, urgent, due: at });
    }
    this.armAlarm();
  }

  /**
   * Arms the alarm for the earliest due job — the next poll or the next delivery — or removes it when there is none.
   * The armed time is mirrored in `meta` so the decision needs no asynchronous read; `setAlarm` is issued
   * synchronously, so the output gate covers it.
   */
  private armAlarm(): void {
    const due = [this.pollState()?.due ?? null, nextDeliveryAt(this.sql)].filter((t): t is number => t !== null);
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
    // A poll planned before `due` was stored is due now.
    return { attempt: state.attempt ?? 0, urgent: state.urgent ?? false, due: state.due ?? 0 };
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
  | "nextAction"
  | "observe"
  | "recordWebhook"
  | "requestReconcile"
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
  const stub: unknown = env.ORDERS.getByName(`${ref.gateway}:${ref.orderId}`);
  return stub as OrderClient;
}
