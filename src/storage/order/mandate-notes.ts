/**
 * A mandate's pre-debit notifications (juspay.md §12), in its object (storage/order/mandate.ts), keyed by the
 * `object_reference_id` checkpost derived. Status `CREATED | PENDING | SUCCESS | FAILURE` as Juspay answered or a
 * status call confirmed; `UNKNOWN` when the notify call's answer was lost. A final status (SUCCESS, FAILURE) is
 * never changed, and reaching one sends `mandate.notification.succeeded | failed` once.
 */
import type { OrderTx } from "./context";
import {
  findNote,
  loadMandate,
  NOTE_FINAL as FINAL,
  queueMandateEvent,
  saveMandate,
  type MandateNote,
} from "./mandate";
import { audit } from "./record";
import { hasTable } from "./schema";

export function notesToConfirm(sql: SqlStorage): MandateNote[] {
  if (!hasTable(sql, "mandate_notification")) return [];
  return sql
    .exec("SELECT ref, id, status, amount, txn_date FROM mandate_notification WHERE confirm = 1 AND id IS NOT NULL")
    .toArray() as unknown as MandateNote[];
}

/** Juspay's answer or a confirmed status of a notification (never a webhook's claim). */
export function applyNote(tx: OrderTx, note: MandateNote): MandateNote {
  const before = findNote(tx.sql, note.ref);
  if (before && FINAL.has(before.status)) {
    tx.sql.exec("UPDATE mandate_notification SET confirm = 0 WHERE ref = ?", before.ref);
    return before;
  }
  hasTable(tx.sql, "mandate_notification", true);
  tx.sql.exec(
    `INSERT INTO mandate_notification (ref, id, status, amount, txn_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (ref) DO UPDATE SET id = coalesce(excluded.id, id), status = excluded.status, confirm = 0,
       updated_at = excluded.updated_at`,
    note.ref,
    note.id,
    note.status,
    note.amount,
    note.txn_date,
    tx.now,
    tx.now,
  );
  audit(tx, {
    source: "system",
    kind: "mandate_notification",
    outcome: "applied",
    gatewayStatus: note.status,
    detail: { ref: note.ref },
  });
  const m = loadMandate(tx.sql);
  if (m && FINAL.has(note.status) && before?.status !== note.status) {
    const type = note.status === "SUCCESS" ? "mandate.notification.succeeded" : "mandate.notification.failed";
    const notification = { object_reference_id: note.ref, id: note.id, status: note.status, amount: note.amount };
    saveMandate(tx.sql, queueMandateEvent(tx, m, type, { notification }));
  }
  return findNote(tx.sql, note.ref) ?? note;
}
