/**
 * The order's one alarm (product.md §3 and §4): it serves the looks at the gateway (`reconcile.ts`), the delivery
 * of due events to the merchant (`delivery/run.ts`) and the retry of the order's D1 index row (`projection.ts`),
 * armed for whichever is due first. Alarms are at-least-once, so
 * the work is idempotent: it does what is due as of now and re-arms explicitly. Two runs never overlap.
 *
 * A just-queued event is sent at once (`deliverNow`) rather than waiting for the alarm; the alarm is then armed no
 * earlier than `DELIVER_NOW_GRACE_MS` ahead for that delivery, a safety net if the object is evicted mid-way.
 *
 * An alarm never fires before its time in production. The test harness can run it early
 * (`runDurableObjectAlarm`); it then acts as of the time it was armed for, which is how tests walk a 24-hour
 * schedule without waiting.
 */
import { loadConfig } from "../../config";
import { createLogger, type Logger } from "../../core/log";
import { syncIndex } from "../../delivery/kv-index";
import { deliverDue, eventsEndpoint, type DeliveryIO } from "../../delivery/run";
import type { Env } from "../../env";
import { gatewaySetup } from "../../gateways";
import { fetchWithRequestId } from "../../gateways/http";
import type { GatewayIO } from "../../gateways/types";
import type { OrderTx } from "./context";
import type { LookGate } from "./looks";
import { mandateConfirmAt, mandateOwner } from "./mandate";
import { confirmDueMandate } from "./mandate-confirm";
import { nextDeliveryAt } from "./outbox";
import { reconcileDue } from "./reconcile";
import { loadOrder } from "./record";
import { nextLookAt } from "./schedule";

/** How far ahead the alarm is armed for a delivery that `deliverNow` is already making. */
const DELIVER_NOW_GRACE_MS = 30_000;

export interface AlarmDeps {
  readonly storage: DurableObjectStorage;
  readonly env: Env;
  /** The order's look budget: the alarm's look at the payment shares it with requests' looks. */
  readonly gate: LookGate;
  /** The order's D1 index row (`projection.ts`): the alarm runs for it while it lags, and retries its write. */
  readonly index: { dueAt(): number | null; write(): Promise<void> };
  /** Runs `fn` in one transaction as of `now`, then arms the alarm (the shell's `apply`). */
  step<T>(now: number, fn: (tx: OrderTx) => T): T;
}

/** The object's logger; `requestId`: the request it works for (over RPC), or its alarm run's own id. */
export function orderLogger(env: Env, order: { gateway: string; order_id: string }, requestId?: string): Logger {
  const fields = { gateway: order.gateway, order_id: order.order_id, request_id: requestId };
  return createLogger(loadConfig(env).logLevel, fields);
}

/** I/O for calls to the gateway from inside the object, carrying `requestId` as `x-request-id`. */
export function gatewayIO(env: Env, log: Logger, requestId?: string): GatewayIO {
  return {
    fetch: fetchWithRequestId(requestId, env.METRICS),
    now: () => Date.now(),
    kv: env.KV,
    log,
    timeoutMs: loadConfig(env).gatewayTimeoutMs ?? undefined,
  };
}

export class OrderAlarm {
  /** The work in progress, so two runs never overlap. */
  private running: Promise<void> = Promise.resolve();
  /** Work is running (its own deliveries cover events it queues). */
  private working = false;
  /** An event was queued since the last delivery run. */
  private queued = false;
  /** Immediate delivery runs started outside the alarm and not finished. */
  private kicks = 0;
  /**
   * The time the alarm is armed for (null: none), as this instance last set it; undefined until it has (a new
   * instance does not know, so its first `arm` sets or deletes the alarm whatever it was). Kept in memory, not in
   * `meta`: `setAlarm` itself is durable, and a row per arm was a third of a payment's SQLite writes
   * (docs/performance.md "Cost per payment").
   */
  private armed: number | null | undefined = undefined;

  constructor(private readonly deps: AlarmDeps) {}

  private get sql(): SqlStorage {
    return this.deps.storage.sql;
  }

  /**
   * After a transaction: starts delivering what it queued, then arms the alarm for the earliest due job — the next
   * look at the gateway or the next delivery — or removes it when there is none. The armed time is remembered
   * (`armed`) so the decision needs no asynchronous read; `setAlarm` is issued synchronously, so the output gate
   * covers it.
   */
  arm(eventQueued: boolean): void {
    this.queued ||= eventQueued;
    if (this.queued && !this.working) {
      this.queued = false;
      this.deliverNow();
    }
    let deliveryAt = nextDeliveryAt(this.sql);
    if (deliveryAt !== null && this.kicks > 0) deliveryAt = Math.max(deliveryAt, Date.now() + DELIVER_NOW_GRACE_MS);
    const due = [nextLookAt(this.sql), deliveryAt, this.deps.index.dueAt(), mandateConfirmAt(this.sql)].filter(
      (t): t is number => t !== null,
    );
    const at = due.length ? Math.min(...due) : null;
    if (at === this.armed) return;
    this.armed = at;
    void (at === null ? this.deps.storage.deleteAlarm() : this.deps.storage.setAlarm(at));
  }

  /** The alarm fired: it is spent, so `arm` sets the next one from what is left to do. */
  fired(): Promise<void> {
    const armed = this.armed;
    this.armed = null;
    return this.serialise(() => Math.max(Date.now(), armed ?? 0));
  }

  /** The work as of `now` (epoch ms), after any run in progress. */
  runDue(now: number): Promise<void> {
    return this.serialise(() => now);
  }

  private serialise(asOf: () => number): Promise<void> {
    const run = this.running.then(() => this.work(asOf()));
    this.running = run.catch(() => undefined);
    return run;
  }

  private deliverNow(): void {
    this.kicks += 1;
    void this.runDue(Date.now())
      .catch((error: unknown) => {
        const order = loadOrder(this.sql);
        if (order) orderLogger(this.deps.env, order).error("immediate delivery run failed", { error: String(error) });
      })
      .finally(() => {
        this.kicks -= 1;
        this.arm(false);
      });
  }

  private async work(now: number): Promise<void> {
    const { env } = this.deps;
    const order = loadOrder(this.sql) ?? mandateOwner(this.sql);
    if (!order) return;
    const started = Date.now();
    const clock = () => now + (Date.now() - started);
    // One id per run: on its log lines, its gateway calls and its event deliveries (`x-request-id`).
    const runId = `alarm-${crypto.randomUUID()}`;
    const log = orderLogger(env, order, runId);
    this.working = true;
    try {
      if ("mandate" in order) {
        const io = gatewayIO(env, log, runId);
        await confirmDueMandate({ sql: this.sql, env, io, now, step: (fn) => this.deps.step(clock(), fn) });
      } else
        await reconcileDue(
          {
            sql: this.sql,
            setup: gatewaySetup(env, order.gateway),
            io: gatewayIO(env, log, runId),
            gate: this.deps.gate,
            log,
            step: (at, fn) => this.deps.step(at, fn),
          },
          order,
          now,
        );
      this.queued = false;
      await deliverDue(this.sql, order.gateway, order.order_id, this.deliveryIO(clock, log, runId));
    } finally {
      this.working = false;
    }
    this.arm(false);
    // The listing index may lag (kv-index.ts): rows stay marked dirty and are written by the next alarm run.
    await syncIndex(this.sql, env.KV, order.gateway, order.order_id).catch(() =>
      log.warn("deliveries index not updated in KV", {}),
    );
    // The D1 order index: written after every change; here only when a write failed or was cut short.
    await this.deps.index.write();
  }

  private deliveryIO(clock: () => number, log: Logger, runId: string): DeliveryIO {
    const config = loadConfig(this.deps.env);
    return {
      endpoint: eventsEndpoint(config),
      secrets: config.merchantSecrets,
      fetch: fetchWithRequestId(runId),
      kv: this.deps.env.KV,
      clock,
      random: Math.random,
      log,
    };
  }
}
