/**
 * The order's outbox: one row per event for the merchant (product.md §4), written in the same transaction as the
 * change it reports (`queueEvent` below), with its delivery state and attempt log (`attempt_log`: the latest
 * 50 attempts, oldest first, as JSON, written by the update that records each). Functions over the
 * Durable Object's SQLite; only the order Durable Object calls them, so every sequence of writes here without an
 * `await` in between is atomic.
 *
 * States: `pending` (queued or retrying) → `delivered` | `failed` (exhausted, or stopped by a 410 from the
 * endpoint); `undeliverable` when events are not configured (no `MERCHANT_WEBHOOK_URL`). A manual retry puts any
 * of them but `pending` back to `pending`. Per order, only the lowest pending `sequence` is ever attempted, so an event
 * is never sent before the ones before it are delivered or have failed for good.
 */
import { deliveryId, type AttemptOutcome } from "../../core/delivery";
import { toPublicOrder, type EventType, type OrderRecord } from "../../core/order";
import type { OrderTx } from "./context";
import type { GatewayId } from "../../core/model";

export const DELIVERY_STATES = ["pending", "delivered", "failed", "undeliverable"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface OutboxRow {
  readonly sequence: number;
  readonly type: EventType;
  readonly created_at: number;
  readonly data: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly next_attempt_at: number | null;
  readonly first_attempt_at: number | null;
  readonly last_attempt_at: number | null;
  readonly last_status: number | null;
  readonly last_error: string | null;
  readonly finished_at: number | null;
  readonly resumed_at: number | null;
  readonly indexed_key: string | null;
  readonly index_dirty: number;
  readonly updated_at: number | null;
  /** JSON `AttemptRow[]`, oldest first; null: no attempt yet. */
  readonly attempt_log: string | null;
}

/** One attempt as the attempt log keeps it: never the body that was sent. */
export interface AttemptRecord {
  readonly at: number;
  /** The merchant's HTTP status, or null when there was no answer (timeout, network). */
  readonly status: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** At most `RESPONSE_EXCERPT_CHARS` of the answer. */
  readonly response: string | null;
}

export interface NewEvent {
  readonly sequence: number;
  readonly type: EventType;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Queues an event: due now when events are configured, else kept as `undeliverable`. */
export function enqueueEvent(sql: SqlStorage, event: NewEvent, now: number, deliverable: boolean): void {
  sql.exec(
    `INSERT INTO outbox (sequence, type, created_at, data, state, next_attempt_at, last_error, finished_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    event.sequence,
    event.type,
    now,
    JSON.stringify(event.data),
    deliverable ? "pending" : "undeliverable",
    deliverable ? now : null,
    deliverable ? null : "not_configured",
    deliverable ? null : now,
    now,
  );
}

export function outboxRow(sql: SqlStorage, sequence: number): OutboxRow | null {
  return (sql.exec("SELECT * FROM outbox WHERE sequence = ?", sequence).toArray()[0] as unknown as OutboxRow) ?? null;
}

/** The one event of this order that may be attempted next: the lowest pending sequence. */
export function headPending(sql: SqlStorage): OutboxRow | null {
  return (
    (sql
      .exec("SELECT * FROM outbox WHERE state = 'pending' ORDER BY sequence LIMIT 1")
      .toArray()[0] as unknown as OutboxRow) ?? null
  );
}

/** When the alarm must run for deliveries, or null when nothing is pending. */
export function nextDeliveryAt(sql: SqlStorage): number | null {
  const head = headPending(sql);
  return head ? (head.next_attempt_at ?? head.created_at) : null;
}

/** Logs an attempt and applies its outcome to the row, in one statement. */
export function recordAttempt(sql: SqlStorage, row: OutboxRow, attempt: AttemptRecord, outcome: AttemptOutcome): void {
  const attempts = row.attempts + 1;
  const entry: AttemptRow = [attempts, attempt.at, attempt.status, attempt.latencyMs, attempt.error, attempt.response];
  const state: DeliveryState =
    outcome.kind === "delivered" ? "delivered" : outcome.kind === "retry" ? "pending" : "failed";
  const lastError =
    outcome.kind === "gone" ? "endpoint_gone" : outcome.kind === "exhausted" ? "exhausted" : attempt.error;
  sql.exec(
    `UPDATE outbox SET state = ?, attempts = ?, first_attempt_at = coalesce(first_attempt_at, ?), last_attempt_at = ?,
       last_status = ?, last_error = ?, next_attempt_at = ?, finished_at = ?, index_dirty = 1, updated_at = ?,
       attempt_log = ? WHERE sequence = ?`,
    state,
    attempts,
    attempt.at,
    attempt.at,
    attempt.status,
    lastError,
    outcome.kind === "retry" ? outcome.at : null,
    state === "pending" ? null : attempt.at,
    attempt.at,
    JSON.stringify([...attemptLog(row), entry].slice(-50)), // the latest 50
    row.sequence,
  );
}

/** Ends a pending delivery without an attempt: the endpoint is gone, or events are no longer configured. */
export function stopDelivery(
  sql: SqlStorage,
  sequence: number,
  state: "failed" | "undeliverable",
  reason: string,
  now: number,
): void {
  sql.exec(
    `UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = NULL, finished_at = ?, index_dirty = 1,
       updated_at = ? WHERE sequence = ? AND state = 'pending'`,
    state,
    reason,
    now,
    now,
    sequence,
  );
}

/**
 * A manual retry or replay: the delivery starts a fresh schedule (another ≥ 16 attempts over ≥ 24 h), due now.
 * `resumed_at` lets it pass a 410 stop recorded before the retry. A pending delivery is left as it is.
 */
export function requeueDelivery(sql: SqlStorage, sequence: number, now: number): void {
  sql.exec(
    `UPDATE outbox SET state = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = ?, last_error = NULL,
       finished_at = NULL, resumed_at = ?, index_dirty = 1, updated_at = ? WHERE sequence = ? AND state != 'pending'`,
    now,
    now,
    now,
    sequence,
  );
}

/** One entry of `attempt_log`: attempt number, at (epoch ms), status, latency_ms, error, response. */
export type AttemptRow = readonly [number, number, number | null, number, string | null, string | null];

/** The row's latest 50 attempts, oldest first. */
export function attemptLog(row: OutboxRow): AttemptRow[] {
  return JSON.parse(row.attempt_log ?? "[]") as AttemptRow[];
}

/** Rows whose KV index entry is out of date. */
export function dirtyRows(sql: SqlStorage, limit: number): OutboxRow[] {
  return sql
    .exec("SELECT * FROM outbox WHERE index_dirty = 1 ORDER BY sequence LIMIT ?", limit)
    .toArray() as unknown as OutboxRow[];
}

/** Records which KV key now holds the row; clean only if the row has not changed since it was read. */
export function markIndexed(sql: SqlStorage, row: OutboxRow, key: string | null): void {
  sql.exec(
    "UPDATE outbox SET indexed_key = ?, index_dirty = index_dirty AND updated_at IS NOT ? WHERE sequence = ?",
    key,
    row.updated_at,
    row.sequence,
  );
}

/** The time a row entered its current state: the order of the deliveries listing. */
export function stateSince(row: OutboxRow): number {
  if (row.state === "pending") return row.resumed_at ?? row.created_at;
  return row.finished_at ?? row.updated_at ?? row.created_at;
}

/** A delivery as `/v1/deliveries` shows it. Times are ISO-8601. */
export interface DeliveryView {
  readonly id: string;
  readonly gateway: GatewayId;
  readonly order_id: string;
  readonly sequence: number;
  readonly type: EventType;
  readonly status: DeliveryState;
  readonly attempts: number;
  readonly created_at: string;
  readonly next_attempt_at: string | null;
  readonly first_attempt_at: string | null;
  readonly last_attempt_at: string | null;
  readonly last_status: number | null;
  readonly last_error: string | null;
  readonly finished_at: string | null;
}

export interface DeliveryDetail extends DeliveryView {
  readonly attempt_log: readonly {
    readonly attempt: number;
    readonly at: string;
    readonly status: number | null;
    readonly latency_ms: number;
    readonly error: string | null;
    readonly response: string | null;
  }[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toDeliveryView(gateway: GatewayId, orderId: string, row: OutboxRow): DeliveryView {
  return {
    id: deliveryId(gateway, orderId, row.sequence),
    gateway,
    order_id: orderId,
    sequence: row.sequence,
    type: row.type,
    status: row.state,
    attempts: row.attempts,
    created_at: new Date(row.created_at).toISOString(),
    next_attempt_at: row.state === "pending" ? iso(row.next_attempt_at) : null,
    first_attempt_at: iso(row.first_attempt_at),
    last_attempt_at: iso(row.last_attempt_at),
    last_status: row.last_status,
    last_error: row.last_error,
    finished_at: iso(row.finished_at),
  };
}

export function toDeliveryDetail(gateway: GatewayId, orderId: string, row: OutboxRow): DeliveryDetail {
  return {
    ...toDeliveryView(gateway, orderId, row),
    attempt_log: attemptLog(row).map(([attempt, at, status, latency_ms, error, response]) => ({
      attempt,
      at: new Date(at).toISOString(),
      status,
      latency_ms,
      error,
      response,
    })),
  };
}

/**
 * Queues the merchant event for a change, inside the transaction that makes the change, with the order's current
 * `sequence`; kept as undeliverable when events are off. The shell starts delivering after the transaction.
 */
export function queueEvent(
  tx: OrderTx,
  order: OrderRecord,
  type: EventType,
  extra: Record<string, unknown> = {},
): void {
  const data = { order: toPublicOrder(order), ...extra };
  enqueueEvent(tx.sql, { sequence: order.sequence, type, data }, tx.now, tx.deliverable);
  tx.eventQueued ||= tx.deliverable;
}
