/**
 * The stored order (one JSON document, table `order_doc`) and its append-only audit trail (table `audit`).
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

/** The order this object holds, whoever asks (the alarm). */
export function loadOrder(sql: SqlStorage): OrderRecord | null {
  const row = sql.exec("SELECT doc FROM order_doc WHERE id = 1").toArray()[0];
  return row ? (JSON.parse(row.doc as string) as OrderRecord) : null;
}

/** The order, after checking the caller addressed the right object. */
export function orderFor(sql: SqlStorage, ref: OrderRef): OrderRecord | null {
  const order = loadOrder(sql);
  if (order && (order.gateway !== ref.gateway || order.order_id !== ref.orderId)) {
    throw new Error("order object addressed with another order's reference");
  }
  return order;
}

export function saveOrder(sql: SqlStorage, order: OrderRecord): void {
  sql.exec("INSERT OR REPLACE INTO order_doc (id, doc) VALUES (1, ?)", JSON.stringify(order));
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
