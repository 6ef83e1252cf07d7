/** The order's refund rows (table `refunds`), read and written inside the order Durable Object. */
import type { RefundRecord } from "../../core/refunds";

export function listRefunds(sql: SqlStorage): RefundRecord[] {
  return sql.exec("SELECT * FROM refunds ORDER BY created_at, refund_id").toArray() as unknown as RefundRecord[];
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
  return (row as unknown as RefundRecord | undefined) ?? null;
}

export function saveRefund(sql: SqlStorage, r: RefundRecord): void {
  sql.exec(
    `INSERT OR REPLACE INTO refunds (refund_id, gateway_refund_id, gateway_refund_ref, amount, currency, status, phase,
       gateway_status, reason, origin, failure_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    r.created_at,
    r.updated_at,
  );
}

export function pendingRefunds(sql: SqlStorage): RefundRecord[] {
  return listRefunds(sql).filter((r) => r.status === "pending");
}
