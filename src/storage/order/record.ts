/**
 * The stored order (one JSON document and its payment poll, table `order_doc`) and its append-only audit trail (table `audit`).
 * docs/storage-schema.md describes both.
 */
import type { JsonValue, OrderRef } from "../../core/model";
import { newOrder, type OrderRecord } from "../../core/order";
import type { InputSource, PaymentStatus } from "../../core/status";
import type { OrderFacts } from "../../gateways/types";
import type { OrderTx } from "./context";

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
  /** How many more times the same delivery arrived (a webhook redelivered or replayed). */
  readonly repeats: number;
}

export interface AuditPage {
  readonly data: readonly AuditEntry[];
  readonly next_after: number | null;
}

/** One line of the audit trail. `from`/`to` are the payment status around the input (both null for refund lines). */
export interface AuditInput {
  readonly source: InputSource | "system";
  readonly kind: string;
  readonly outcome: string;
  readonly gatewayStatus?: string | null;
  readonly from?: PaymentStatus | null;
  readonly to?: PaymentStatus | null;
  readonly detail?: Record<string, JsonValue>;
  /** A new delivery's dedupe keys (`dedupe.ts`), kept on this line with what it claimed and whether that is confirmed. */
  readonly keys?: readonly string[];
  readonly claimed?: PaymentStatus | null;
  readonly confirmed?: boolean;
}

/**
 * The order's row (table `order_doc`: the document and the payment poll, `schedule.ts`) as the current transaction
 * leaves it. Inside `withOrderRow` (every transaction of the order object) writes are kept here and written once
 * when the transaction's work is done: one row written per transaction however often the order and its poll change
 * in it, since SQLite rows written are what Durable Object storage bills (docs/performance.md "Cost per payment").
 * Values are kept as the strings the row holds, so a read in the transaction sees exactly what a read of the row
 * would. If the work throws, nothing is written and `transactionSync` rolls back the rest.
 */
interface RowDraft {
  doc?: string | null;
  poll?: string | null;
}
const drafts = new WeakMap<SqlStorage, RowDraft>();

export function withOrderRow<T>(sql: SqlStorage, fn: () => T): T {
  // Nothing nests transactions today; if something ever does, the inner work joins the outer draft rather than
  // replacing it (a replaced draft would drop the outer transaction's writes).
  if (drafts.has(sql)) return fn();
  const draft: RowDraft = {};
  drafts.set(sql, draft);
  try {
    const out = fn();
    writeRow(sql, draft);
    return out;
  } finally {
    drafts.delete(sql);
  }
}

function writeRow(sql: SqlStorage, draft: RowDraft): void {
  if (draft.doc === undefined && draft.poll === undefined) return;
  // A poll belongs to an order (planned from its document): without one there is nothing to plan or clear.
  const doc = read(sql, draft, "doc");
  // INSERT OR REPLACE of this one-row table writes one row (measured, docs/performance.md).
  if (doc) sql.exec("INSERT OR REPLACE INTO order_doc (id, doc, poll) VALUES (1, ?, ?)", doc, read(sql, draft, "poll"));
}

/** One column of the order's row: as the transaction left it, else as stored. */
function read(sql: SqlStorage, draft: RowDraft | undefined, name: keyof RowDraft): string | null {
  const value = draft?.[name];
  if (value !== undefined) return value;
  return (sql.exec(`SELECT ${name} AS v FROM order_doc`).toArray()[0]?.v as string | null | undefined) ?? null;
}

function write(sql: SqlStorage, name: keyof RowDraft, value: string | null): void {
  const draft = drafts.get(sql);
  if (draft) draft[name] = value;
  else writeRow(sql, { [name]: value });
}

/** The order this object holds, whoever asks (the alarm). */
export function loadOrder(sql: SqlStorage): OrderRecord | null {
  const doc = read(sql, drafts.get(sql), "doc");
  return doc ? (JSON.parse(doc) as OrderRecord) : null;
}

/** The stored payment poll (JSON), or null. */
export const loadPoll = (sql: SqlStorage): string | null => read(sql, drafts.get(sql), "poll");

export const savePoll = (sql: SqlStorage, poll: string | null): void => write(sql, "poll", poll);

/** The order, after checking the caller addressed the right object. */
export function orderFor(sql: SqlStorage, ref: OrderRef): OrderRecord | null {
  const order = loadOrder(sql);
  if (order && (order.gateway !== ref.gateway || order.order_id !== ref.orderId)) {
    throw new Error("order object addressed with another order's reference");
  }
  return order;
}

export function saveOrder(sql: SqlStorage, order: OrderRecord): void {
  write(sql, "doc", JSON.stringify(order));
}

/** The order, first seen through the gateway (a webhook, a return, a poll asked for) rather than registered. */
export function firstSeen(tx: OrderTx, ref: OrderRef): OrderRecord {
  const order = { ...newOrder(ref.gateway, ref.orderId, tx.now), attempted: true };
  saveOrder(tx.sql, order);
  audit(tx, { source: "system", kind: "first_seen", outcome: "recorded", to: order.status });
  return order;
}

/** Appends one line, with its delivery's dedupe keys if any (no row of their own). */
export function audit(tx: OrderTx, entry: AuditInput): void {
  const keys = entry.keys?.length ? JSON.stringify(entry.keys) : null;
  tx.sql.exec(
    "INSERT INTO audit (at, source, kind, outcome, gateway_status, from_status, to_status, detail, keys, claimed, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    tx.now,
    entry.source,
    entry.kind,
    entry.outcome,
    entry.gatewayStatus ?? null,
    entry.from ?? null,
    entry.to ?? null,
    JSON.stringify(entry.detail ?? {}),
    keys,
    keys && (entry.claimed ?? null),
    keys && (entry.confirmed ? 1 : 0),
  );
}

/** An audit line about the order that leaves its status as it is. */
export function auditOrder(tx: OrderTx, order: OrderRecord, entry: Omit<AuditInput, "from" | "to">): void {
  audit(tx, { ...entry, from: order.status, to: order.status });
}

export function auditPage(sql: SqlStorage, after: number, limit: number): AuditPage {
  const rows = sql
    .exec("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1)
    .toArray() as unknown as AuditRow[];
  const page = rows.slice(0, limit).map(toAuditEntry);
  return { data: page, next_after: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null };
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
  repeats: number;
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
    repeats: row.repeats,
  };
}

/** What a gateway call for this order may use beyond its id (Juspay routes every call by the customer id). */
export function orderFacts(order: OrderRecord | null): OrderFacts {
  return { customerId: order?.customer?.id ?? null };
}
