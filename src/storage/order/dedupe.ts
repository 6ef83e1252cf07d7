/**
 * De-duplication of webhook deliveries (product.md §2) that a forger cannot pre-empt. Keys come only from
 * authenticated content (the adapters' `dedupeKeys`), and a key counts as a confirmed duplicate only once a gateway
 * status call has confirmed what its input claimed: a forged "completed" that arrived before the payment does not
 * swallow the genuine delivery after it — that repeat still asks for a look (within the look budget). A repeat adds
 * no audit row: the first delivery's row counts repeats. Keys expire after `DEDUPE_RETENTION_MS`.
 *
 * A new delivery's keys, its claim and whether a status call confirmed it are columns of its own audit row
 * (`keys` a JSON array, `claimed`, `confirmed`; `audit()` writes them with the line, in the same INSERT), so
 * remembering costs no row of its own. Lookups scan the audit trail, with no index: rows read cost ~1/1000 of a row
 * written, and the trail grows only with news — a new authenticated delivery, a verified return leg's first arrival,
 * a look (one untrusted look per `UNTRUSTED_LOOK_GAP_MS`, looks.ts), a refund (at most `maxRefunds`, core/refunds.ts).
 * Expiry is a condition of the lookup: nothing is deleted.
 */
import { isFinalPayment, type PaymentStatus } from "../../core/status";
import type { OrderTx } from "./context";

/**
 * How long a delivery's keys are remembered: well past the gateways' webhook retry horizon (hours to a few days). An
 * older replay is taken as new, which is harmless: transitions are monotonic and final ones need a status call.
 */
export const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export type Seen = { readonly kind: "new" } | { readonly kind: "repeat"; readonly confirmed: boolean };

/**
 * The first audit row within retention whose delivery carried `key`, if any: whether `key` is remembered, without
 * counting anything (a read: no transaction needed). A full scan of the trail, matching whole keys (`json_each`).
 */
export function remembered(sql: SqlStorage, key: string, now: number) {
  return sql
    .exec<{ seq: number; confirmed: number }>(
      "SELECT seq, confirmed FROM audit, json_each(keys) WHERE value = ? AND at >= ? ORDER BY seq LIMIT 1",
      key,
      now - DEDUPE_RETENTION_MS,
    )
    .toArray()[0];
}

/** One more arrival of the delivery that audit line `seq` records. */
export function countRepeat(tx: OrderTx, seq: number): void {
  tx.sql.exec("UPDATE audit SET repeats = repeats + 1 WHERE seq = ?", seq);
}

/** Whether any of these keys was seen before; a repeat is counted on the first delivery's audit row. */
export function seenBefore(tx: OrderTx, keys: readonly string[]): Seen {
  for (const key of keys) {
    const row = remembered(tx.sql, key, tx.now);
    if (!row) continue;
    countRepeat(tx, row.seq);
    return { kind: "repeat", confirmed: !!row.confirmed };
  }
  return { kind: "new" };
}

/**
 * A status call confirmed `status`: every remembered claim it bears out is now a confirmed duplicate — the same
 * status, an event that claimed no payment status (refund and other events, which asked for this look), or a
 * non-final claim once the payment is final. Rows without keys hold `confirmed` NULL and are left alone.
 */
export function confirmClaims(tx: OrderTx, status: PaymentStatus, orderStatus: PaymentStatus): void {
  tx.sql.exec(
    "UPDATE audit SET confirmed = 1 WHERE confirmed = 0 AND (claimed IS NULL OR claimed = ? OR (? = 1 AND claimed IN ('created', 'pending')))",
    status,
    isFinalPayment(orderStatus) ? 1 : 0,
  );
}
