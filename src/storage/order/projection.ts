/**
 * The order's row in the D1 order index (product.md §1: a projection, never the source of truth), kept the way the
 * deliveries index is: the object writes it after its own commits, at least once, and nothing reads it to decide.
 *
 * The row's `version` is the object's latest audit line (every change of the order or its refunds writes one, in
 * the same transaction), and `accepted` the version D1 last accepted, kept in memory: writing it to `meta` after
 * every upsert was a billed SQLite row per transaction (docs/performance.md "Cost per payment"). A new instance
 * starts from the `meta.indexed` that objects written before kept (else 0), so after a restart the row is upserted
 * once more at worst; the upsert replaces a row only with a higher version, so a late or repeated write never moves
 * the index backwards and a repeated one changes nothing. After each transaction the shell
 * calls `kick`; while the row is out of date the alarm is armed for it (a safety net if the object stops mid-write),
 * and a failed write (D1 down) is retried from the alarm, backing off up to 5 minutes.
 */
import type { Logger } from "../../core/log";
import type { OrderRef } from "../../core/model";
import { upsertIndexRow, type IndexRow } from "../order-index";
import { loadOrder } from "./record";
import { getMeta } from "./schema";
import { listRefunds } from "./refund-rows";

/** How far ahead the alarm is armed while a write is in flight. */
const IN_FLIGHT_GRACE_MS = 30_000;
const MAX_BACKOFF_MS = 300_000;

const version = (sql: SqlStorage): number =>
  sql.exec<{ v: number }>("SELECT coalesce(max(seq), 0) AS v FROM audit").one().v;

/** What objects written before `accepted` was kept in memory recorded (never written now). */
const indexed = (sql: SqlStorage): number => Number(getMeta(sql, "indexed") ?? 0);

/** The order's index row as of now, or null when the object holds no order. */
export function indexRow(sql: SqlStorage): IndexRow | null {
  const order = loadOrder(sql);
  if (!order) return null;
  const refunds = listRefunds(sql);
  const review = refunds.filter((r) => r.status === "pending" && r.requires_review).length;
  return {
    gateway: order.gateway,
    order_id: order.order_id,
    version: version(sql),
    status: order.status,
    amount: order.amount,
    currency: order.currency,
    requires_review: order.requires_review || review > 0 ? 1 : 0,
    review_reason: order.review_reason,
    refunds_in_review: review,
    refunded_amount: refunds.reduce((sum, r) => sum + (r.status === "succeeded" ? r.amount : 0), 0),
    gateway_status: order.gateway_status,
    sequence: order.sequence,
    created_at: order.created_at,
    updated_at: order.updated_at,
  };
}

export interface IndexDeps {
  readonly sql: SqlStorage;
  readonly db: () => D1Database;
  readonly log: (ref: OrderRef) => Logger;
  /** Re-arms the alarm once the index is up to date or a write failed. */
  readonly arm: () => void;
}

export class IndexWriter {
  private writing: Promise<void> | null = null;
  /** When the alarm should next run for the index while it is out of date. */
  private due: number | null = null;
  private failures = 0;
  /** The version D1 last accepted from this object, as far as this instance knows (see the file's comment). */
  private acceptedVersion: number | null = null;

  constructor(private readonly deps: IndexDeps) {}

  private get accepted(): number {
    return (this.acceptedVersion ??= indexed(this.deps.sql));
  }

  /**
   * Whether D1 lags the object (an object without an order has no audit line, so never lags). A deployment without
   * the `DB` binding has no index to keep, rather than an alarm retrying forever.
   */
  stale(): boolean {
    const { sql } = this.deps;
    // Cheapest first: the binding, then the audit trail's head. A mandate's object (storage/order/mandate.ts) has an
    // audit trail but no order: it has no index row.
    return (
      (this.deps.db() as D1Database | undefined) !== undefined &&
      version(sql) > this.accepted &&
      sql.exec("SELECT 1 FROM order_doc").toArray().length > 0
    );
  }

  /** When the alarm must run for the index, or null when it is up to date. */
  dueAt(): number | null {
    return this.stale() ? (this.due ?? Date.now()) : null;
  }

  /** Starts writing the row if it is out of date (after a transaction); one write at a time. */
  kick(): void {
    if (!this.writing && this.stale()) void this.write();
  }

  /** Writes the row if it is out of date, or waits for the write in flight (the alarm). */
  write(): Promise<void> {
    this.writing ??= this.run().finally(() => {
      this.writing = null;
      this.deps.arm();
    });
    return this.writing;
  }

  private async run(): Promise<void> {
    const { sql } = this.deps;
    this.due = Date.now() + IN_FLIGHT_GRACE_MS;
    // No `DB` binding, no index to keep (the alarm asks after every run).
    let row = (this.deps.db() as D1Database | undefined) ? indexRow(sql) : null;
    try {
      for (; row && row.version > this.accepted; row = indexRow(sql)) {
        await upsertIndexRow(this.deps.db(), row);
        this.acceptedVersion = Math.max(this.accepted, row.version);
      }
      this.failures = 0;
      this.due = null;
    } catch (error) {
      this.failures += 1;
      this.due = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.failures);
      if (row)
        this.deps.log({ gateway: row.gateway, orderId: row.order_id }).warn("order index not updated in D1", {
          error: String(error),
        });
    }
  }
}
