/** The order's refund rows (table `refunds`), read and written inside the order Durable Object. */
import type { RefundRecord } from "../../core/refunds";
import { hasTable } from "./schema";

type Row = Omit<RefundRecord, "requires_review"> & { requires_review: number };

function toRecord(row: Record<string, SqlStorageValue>): RefundRecord {
  const r = row as unknown as Row;
  return { ...r, requires_review: r.requires_review === 1 };
}

export function listRefunds(sql: SqlStorage): RefundRecord[] {
  if (!hasTable(sql, "refunds")) return [];
  return sql.exec("SELECT * FROM refunds ORDER BY created_at, refund_id").toArray().map(toRecord);
}

/** The refund whose `column` is `value` (none for an empty value). */
export function findRefund(
  sql: SqlStorage,
  column: "refund_id" | "gateway_refund_id" | "gateway_refund_ref",
  value: string | null | undefined,
): RefundRecord | null {
  // A scan of the order's few refunds (rows read cost a thousandth of a row written) keeps this short.
  return (value && listRefunds(sql).find((r) => r[column] === value)) || null;
}

export function saveRefund(sql: SqlStorage, r: RefundRecord): void {
  hasTable(sql, "refunds", true);
  sql.exec(
    `INSERT OR REPLACE INTO refunds (refund_id, gateway_refund_id, gateway_refund_ref, amount, currency, status, phase,
       gateway_status, reason, origin, failure_code, requires_review, review_reason, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    r.refund_id,
    r.gateway_refund_id,
    r.gateway_refund_ref,
    r.amount,
    r.currency,
    r.status,
    r.phase,
    r.gateway_status,
    r.reason,
    r.origin,
    r.failure_code,
    r.requires_review ? 1 : 0,
    r.review_reason,
    r.created_at,
    r.updated_at,
  );
}

export function pendingRefunds(sql: SqlStorage): RefundRecord[] {
  return listRefunds(sql).filter((r) => r.status === "pending");
}
