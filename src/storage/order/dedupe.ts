/**
 * De-duplication of webhook deliveries (product.md §2) that a forger cannot pre-empt. Keys come only from
 * authenticated content (the adapters' `dedupeKeys`), and a key counts as a confirmed duplicate only once a gateway
 * status call has confirmed what its input claimed: a forged "completed" that arrived before the payment does not
 * swallow the genuine delivery after it — that repeat still asks for a look (within the look budget). A repeat adds
 * no audit row: the first delivery's row counts repeats. Keys expire after `DEDUPE_RETENTION_MS`.
 */
import { isFinalPayment, type PaymentStatus } from "../../core/status";
import type { OrderTx } from "./context";

/**
 * How long a delivery's keys are remembered: well past the gateways' webhook retry horizon (hours to a few days). An
 * older replay is taken as new, which is harmless: transitions are monotonic and final ones need a status call.
 */
export const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export type Seen = { readonly kind: "new" } | { readonly kind: "repeat"; readonly confirmed: boolean };

/** Whether `key` is remembered, without counting anything (a read: no transaction needed). */
export function isRemembered(sql: SqlStorage, key: string, now: number): boolean {
  return (
    sql.exec("SELECT 1 FROM dedupe WHERE key = ? AND at >= ?", key, now - DEDUPE_RETENTION_MS).toArray().length > 0
  );
}

/** Whether any of these keys was seen before; a repeat is counted on the first delivery's audit row. */
export function seenBefore(tx: OrderTx, keys: readonly string[]): Seen {
  for (const key of keys) {
    const row = tx.sql
      .exec<{ confirmed: number; audit_seq: number | null }>(
        "SELECT confirmed, audit_seq FROM dedupe WHERE key = ? AND at >= ?",
        key,
        tx.now - DEDUPE_RETENTION_MS,
      )
      .toArray()[0];
    if (!row) continue;
    if (row.audit_seq !== null) tx.sql.exec("UPDATE audit SET repeats = repeats + 1 WHERE seq = ?", row.audit_seq);
    return { kind: "repeat", confirmed: row.confirmed === 1 };
  }
  return { kind: "new" };
}

/** Remembers a new delivery's keys, unconfirmed, with what it claimed and its audit row; drops expired keys. */
export function remember(tx: OrderTx, keys: readonly string[], claimed: PaymentStatus | null, auditSeq: number): void {
  if (!keys.length) return;
  tx.sql.exec("DELETE FROM dedupe WHERE at < ?", tx.now - DEDUPE_RETENTION_MS);
  for (const key of keys) {
    tx.sql.exec(
      "INSERT OR REPLACE INTO dedupe (key, at, claimed, confirmed, audit_seq) VALUES (?, ?, ?, 0, ?)",
      key,
      tx.now,
      claimed,
      auditSeq,
    );
  }
}

/**
 * A status call confirmed `status`: every remembered claim it bears out is now a confirmed duplicate — the same
 * status, an event that claimed no payment status (refund and other events, which asked for this look), or a
 * non-final claim once the payment is final.
 */
export function confirmClaims(tx: OrderTx, status: PaymentStatus, orderStatus: PaymentStatus): void {
  tx.sql.exec(
    `UPDATE dedupe SET confirmed = 1 WHERE confirmed = 0
       AND (claimed IS NULL OR claimed = ? OR (? = 1 AND claimed IN ('created', 'pending')))`,
    status,
    isFinalPayment(orderStatus) ? 1 : 0,
  );
}
