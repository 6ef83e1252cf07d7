/**
 * A Juspay mandate's state (product.md §2, §4), kept in an object of the order class named
 * `juspay:mandate:<mandate_id>` (`core/mandate.ts` `mandateRef`; docs/architecture.md says why). That object holds
 * no order: its tables are `mandate_doc` (the mandate as last confirmed), `audit` (its trail), `dedupe` (webhook
 * keys) and `outbox` (its `mandate.*` events, delivered in order by the same code as order events). Only this
 * module writes `mandate_doc`; registration orders tell it what their confirmed status said, never write it.
 *
 * Where state comes from: a confirmed snapshot only (a registration order's Order Status mandate block, or the
 * customer's mandate list). A MANDATE_* webhook is recorded and schedules a confirmation; it never sets a status.
 */
import {
  MANDATE_EVENT,
  mandateMoves,
  mandateRef,
  toPublicMandate,
  type MandateRecord,
  type MandateSnapshot,
} from "../../core/mandate";
import type { JsonValue } from "../../core/model";
import type { EventType } from "../../core/order";
import type { OrderTx } from "./context";
import { seenBefore } from "./dedupe";
import { enqueueEvent } from "./outbox";
import { audit } from "./record";
import { deleteMeta, getMeta, hasTable, setMeta } from "./schema";

/** At most one confirmation call per this gap per mandate from webhooks (the mandate's look budget). */
export const CONFIRM_GAP_MS = 10_000;
/** Confirmation retries back off from 30 s, doubling to an hour, and stop after this many tries (about 7 days). */
const CONFIRM_MAX_TRIES = 180;

export function loadMandate(sql: SqlStorage): MandateRecord | null {
  if (!hasTable(sql, "mandate_doc")) return null;
  const row = sql.exec("SELECT doc FROM mandate_doc WHERE id = 1").toArray()[0];
  return row ? (JSON.parse(row.doc as string) as MandateRecord) : null;
}

export function saveMandate(sql: SqlStorage, m: MandateRecord): void {
  hasTable(sql, "mandate_doc", true);
  sql.exec("INSERT OR REPLACE INTO mandate_doc (id, doc) VALUES (1, ?)", JSON.stringify(m));
}

function blank(mandateId: string, now: number): MandateRecord {
  return {
    mandate_id: mandateId,
    status: null,
    gateway_status: "UNKNOWN",
    max_amount: null,
    currency: null,
    frequency: null,
    amount_rule: null,
    mandate_type: null,
    start_date: null,
    end_date: null,
    customer_id: null,
    order_id: null,
    sequence: 0,
    confirm_at: null,
    confirm_tries: 0,
    created_at: now,
    updated_at: now,
  };
}

/** Who the mandate belongs to, as far as checkpost knows; used to address the confirmation call. */
export interface MandateLinks {
  readonly customerId: string | null;
  readonly orderId: string | null;
}

function linked(m: MandateRecord, links: MandateLinks): MandateRecord {
  return { ...m, customer_id: m.customer_id ?? links.customerId, order_id: m.order_id ?? links.orderId };
}

/** Queues a `mandate.*` event with the mandate's next sequence; returns the mandate with that sequence. */
export function queueMandateEvent(
  tx: OrderTx,
  m: MandateRecord,
  type: EventType,
  extra: Record<string, unknown> = {},
): MandateRecord {
  const next = { ...m, sequence: m.sequence + 1 };
  enqueueEvent(
    tx.sql,
    { sequence: next.sequence, type, data: { mandate: toPublicMandate(next), ...extra } },
    tx.now,
    tx.deliverable,
  );
  tx.eventQueued ||= tx.deliverable;
  return next;
}

/**
 * A confirmed snapshot: the status moves only as `core/mandate.ts` allows (never out of a final one), one event per
 * move; the limits are refreshed from what the gateway said. Clears a pending confirmation.
 */
export function observeMandate(
  tx: OrderTx,
  input: { readonly snapshot: MandateSnapshot; readonly links: MandateLinks; readonly source: string },
): MandateRecord {
  const before = loadMandate(tx.sql) ?? blank(input.snapshot.mandate_id, tx.now);
  const snap = input.snapshot;
  const moves = mandateMoves(before.status, snap.gateway_status);
  let m: MandateRecord = {
    ...linked(before, input.links),
    gateway_status: snap.gateway_status,
    max_amount: snap.max_amount ?? before.max_amount,
    currency: snap.currency ?? before.currency,
    frequency: snap.frequency ?? before.frequency,
    amount_rule: snap.amount_rule ?? before.amount_rule,
    mandate_type: snap.mandate_type ?? before.mandate_type,
    start_date: snap.start_date ?? before.start_date,
    end_date: snap.end_date ?? before.end_date,
    status: moves ? snap.gateway_status : before.status,
    confirm_at: null,
    confirm_tries: 0,
    updated_at: tx.now,
  };
  if (moves && m.status) m = queueMandateEvent(tx, m, MANDATE_EVENT[m.status]);
  saveMandate(tx.sql, m);
  audit(tx, {
    source: "system",
    kind: "mandate_observation",
    outcome: moves ? "applied" : "stale",
    gatewayStatus: snap.gateway_status,
    detail: { confirmed: true, via: input.source, from: before.status, to: m.status },
  });
  return m;
}

export interface MandateWebhook {
  readonly mandateId: string;
  readonly eventType: string;
  readonly claimed: string;
  readonly dedupeKeys: readonly string[];
  readonly links: MandateLinks;
  /** NOTIFICATION_* events: the notification's id or `object_reference_id`. */
  readonly notification?: string | null | undefined;
}

/**
 * An authenticated MANDATE_* webhook: recorded once (a redelivery is a duplicate and asks for nothing), then a
 * confirmation is due — now, or `CONFIRM_GAP_MS` after the last one was scheduled, whichever is later.
 */
export function recordMandateWebhook(tx: OrderTx, hook: MandateWebhook): { duplicate: boolean } {
  if (seenBefore(tx, hook.dedupeKeys).kind === "repeat") return { duplicate: true };
  const m = linked(loadMandate(tx.sql) ?? blank(hook.mandateId, tx.now), hook.links);
  audit(tx, {
    source: "webhook",
    kind: "mandate_webhook",
    outcome: "recorded",
    gatewayStatus: hook.claimed,
    detail: { event: hook.eventType, confirmed: false },
    keys: hook.dedupeKeys,
  });
  // A notification checkpost did not send, or one already final, needs no status call.
  if (hook.notification !== undefined && !(hook.notification && markNoteToConfirm(tx, hook.notification)))
    return { duplicate: false };
  const lastScheduled = Number(getMeta(tx.sql, "mandate_confirm") ?? 0);
  const at = m.confirm_at ?? Math.max(tx.now, lastScheduled + CONFIRM_GAP_MS);
  setMeta(tx.sql, "mandate_confirm", String(at));
  saveMandate(tx.sql, { ...m, confirm_at: at, updated_at: tx.now });
  return { duplicate: false };
}

/** A confirmation that did not confirm (gateway down, not listed, no customer id): retried later, never final. */
export function confirmFailed(tx: OrderTx, reason: string): void {
  const m = loadMandate(tx.sql);
  if (!m) return;
  const tries = m.confirm_tries + 1;
  const at = tries >= CONFIRM_MAX_TRIES ? null : tx.now + Math.min(3_600_000, 30_000 * 2 ** Math.min(tries - 1, 7));
  saveMandate(tx.sql, { ...m, confirm_tries: tries, confirm_at: at, updated_at: tx.now });
  const detail: Record<string, JsonValue> = { reason, tries, next_at: at === null ? null : new Date(at).toISOString() };
  audit(tx, { source: "poll", kind: "mandate_confirmation", outcome: at === null ? "gave_up" : "retry", detail });
}

/** What the alarm needs of a mandate's object: its events' `(gateway, order_id)` name (`mandateRef`). */
export function mandateOwner(sql: SqlStorage): { gateway: "juspay"; order_id: string; mandate: true } | null {
  const m = loadMandate(sql);
  return m ? { gateway: "juspay", order_id: mandateRef(m.mandate_id).orderId, mandate: true } : null;
}

export function mandateConfirmAt(sql: SqlStorage): number | null {
  return loadMandate(sql)?.confirm_at ?? null;
}

/**
 * In a registration order's transaction: a confirmed Order Status carried a `mandate` block (`details.mandate`,
 * gateways/juspay/map.ts). Kept in the order's `meta` until the mandate's object has taken it (the shell forwards it
 * after the transaction, and again after later changes until it succeeds); a block equal to the last one is skipped.
 */
export function noteMandateBlock(
  tx: OrderTx,
  order: { order_id: string; currency: string | null; customer: { id?: string | undefined } | null },
  details: Readonly<Record<string, JsonValue>> | undefined,
): void {
  const block = details?.["mandate"];
  if (!block || typeof block !== "object" || Array.isArray(block) || typeof block["mandate_id"] !== "string") return;
  const str = (v: JsonValue | undefined) =>
    typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;
  const snapshot: MandateSnapshot = {
    mandate_id: block["mandate_id"],
    gateway_status: str(block["mandate_status"]) ?? "UNKNOWN",
    max_amount: typeof block["max_amount"] === "number" ? block["max_amount"] : null,
    currency: order.currency ?? "INR",
    frequency: str(block["frequency"]),
    amount_rule: str(block["amount_rule"]),
    mandate_type: str(block["mandate_type"]),
    start_date: str(block["start_date"]),
    end_date: str(block["end_date"]),
  };
  const note = JSON.stringify({ snapshot, links: { customerId: order.customer?.id ?? null, orderId: order.order_id } });
  if (getMeta(tx.sql, "mandate_seen") === note) return;
  setMeta(tx.sql, "mandate_seen", note);
  setMeta(tx.sql, "mandate_forward", note);
}

/** The block waiting to be forwarded to the mandate's object, or null. */
export function pendingMandateBlock(sql: SqlStorage): string | null {
  return getMeta(sql, "mandate_forward");
}

export function mandateBlockForwarded(sql: SqlStorage, note: string): void {
  deleteMeta(sql, "mandate_forward", note);
}

export interface MandateNote {
  readonly ref: string;
  readonly id: string | null;
  readonly status: string;
  readonly amount: number;
  readonly txn_date: number;
}

export const NOTE_FINAL: ReadonlySet<string> = new Set(["SUCCESS", "FAILURE"]);

export function findNote(sql: SqlStorage, ref: string): MandateNote | null {
  if (!hasTable(sql, "mandate_notification")) return null;
  return (
    (sql
      .exec("SELECT ref, id, status, amount, txn_date FROM mandate_notification WHERE ref = ? OR id = ?", ref, ref)
      .toArray()[0] as unknown as MandateNote | undefined) ?? null
  );
}

/** A NOTIFICATION_* webhook about a notification checkpost sent: a status call is due (the mandate's budget). */
export function markNoteToConfirm(tx: OrderTx, ref: string): boolean {
  const note = findNote(tx.sql, ref);
  if (!note || NOTE_FINAL.has(note.status)) return false;
  tx.sql.exec("UPDATE mandate_notification SET confirm = 1 WHERE ref = ?", note.ref);
  return true;
}
