/** The order's refund rows (table `refunds`), read and written inside the order Durable Object. */
import type { RefundRecord } from "../../core/refunds";

type Row = Omit<RefundRecord, "requires_review"> & { requires_review: number };

function toRecord(row: Record<string, SqlStorageValue>): RefundRecord {
  const r = row as unknown as Row;
  return { ...r, requires_review: r.requires_review === 1 };
}

export function listRefunds(sql: SqlStorage): RefundRecord[] {
  return sql.exec("SELECT * FROM refunds ORDER BY created_at, refund_id").toArray().map(toRecord);
}

export function findRefund(
  sql: SqlStorage,
  by: { refundId?: string; gatewayRefundId?: string; gatewayRefundRef?: string },
): RefundRecord | null {
  const [column, value] = by.refundId
    ? ["refund_id", by.refundId]
    : by.gatewayRefundId
      ? ["gateway_refund_id", by.gatewayRefundId]
      : ["gateway_refund_ref", by.gatewayRefundRef ?? ""];
  if (!value) return null;
  const row = sql.exec(`SELECT * FROM refunds WHERE ${column} = ?`, value).toArray()[0];
  return row ? toRecord(row) : null;
}

export function saveRefund(sql: SqlStorage, r: RefundRecord): void {
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
