/**
 * The order index in D1 (binding `DB`, schema in migrations/): one row per order, written by its object
 * (`order/projection.ts`), read by `GET /v1/orders` and `GET /v1/summary`. Eventually consistent and never read to
 * decide anything: each order's Durable Object stays the source of truth.
 *
 * Listing is newest first by `(created_at, gateway, order_id)`, a unique key, paged by keyset: a cursor holds the
 * last key of its page, so orders arriving meanwhile (newer, before the first page) are never skipped or repeated.
 * Cursors are opaque: base64url JSON of that key with a check of key and filters, so an altered cursor, or one used
 * with other filters, is refused instead of silently paging from elsewhere.
 */
import type { Currency } from "../core/money";
import type { GatewayId } from "../core/model";
import type { PaymentStatus } from "../core/status";

export interface IndexRow {
  readonly gateway: GatewayId;
  readonly order_id: string;
  readonly version: number;
  readonly status: PaymentStatus;
  readonly amount: number | null;
  readonly currency: Currency | null;
  readonly requires_review: 0 | 1;
  readonly review_reason: string | null;
  readonly refunds_in_review: number;
  readonly refunded_amount: number;
  readonly gateway_status: string | null;
  readonly sequence: number;
  readonly created_at: number;
  readonly updated_at: number;
}

const COLUMNS = [
  "gateway",
  "order_id",
  "version",
  "status",
  "amount",
  "currency",
  "requires_review",
  "review_reason",
  "refunds_in_review",
  "refunded_amount",
  "gateway_status",
  "sequence",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof IndexRow)[];

const UPSERT = `INSERT INTO orders (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (gateway, order_id) DO UPDATE SET ${COLUMNS.slice(2)
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")} WHERE excluded.version > orders.version`;

/** Writes the row unless D1 already holds a newer (or the same) version of it. */
export async function upsertIndexRow(db: D1Database, row: IndexRow): Promise<void> {
  await db
    .prepare(UPSERT)
    .bind(...COLUMNS.map((c) => row[c]))
    .run();
}

/** One order as `GET /v1/orders` lists it. Times are ISO-8601, amounts minor units. */
export interface ListedOrder {
  readonly gateway: GatewayId;
  readonly order_id: string;
  readonly status: PaymentStatus;
  readonly amount: number | null;
  readonly currency: Currency | null;
  /** The order, or one of its refunds, needs a person. */
  readonly requires_review: boolean;
  readonly review_reason: string | null;
  readonly refunds_in_review: number;
  readonly refunded_amount: number;
  readonly gateway_status: string | null;
  readonly sequence: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface OrderFilter {
  readonly status?: PaymentStatus | undefined;
  readonly gateway?: GatewayId | undefined;
  readonly requiresReview?: boolean | undefined;
  /** Epoch ms, inclusive. */
  readonly createdFrom?: number | undefined;
  /** Epoch ms, exclusive. */
  readonly createdTo?: number | undefined;
  /** An order id prefix. */
  readonly q?: string | undefined;
}

type Key = [number, string, string];

/** FNV-1a, 32 bits: a check against altered cursors, not a secret (the caller holds an API key anyway). */
function check(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

const b64url = (s: string) => btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

export function encodeCursor(key: Key, filter: OrderFilter): string {
  return b64url(JSON.stringify([...key, check(JSON.stringify([key, filter]))]));
}

/** The key a cursor holds, or null when it is not one this filter's listing handed out. */
export function decodeCursor(cursor: string, filter: OrderFilter): Key | null {
  try {
    const v: unknown = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    if (!Array.isArray(v) || v.length !== 4) return null;
    const [at, gateway, id, sum] = v as unknown[];
    if (!Number.isSafeInteger(at) || typeof gateway !== "string" || typeof id !== "string") return null;
    const key: Key = [at as number, gateway, id];
    return sum === check(JSON.stringify([key, filter])) ? key : null;
  } catch {
    return null;
  }
}

/** `LIKE` pattern for an id prefix: `%`, `_` and the escape character itself match only themselves. */
const prefixPattern = (q: string) => `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listOrders(
  db: D1Database,
  filter: OrderFilter,
  limit: number,
  after: Key | null,
): Promise<{ data: ListedOrder[]; next_cursor: string | null }> {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (sql: string, ...values: (string | number)[]) => {
    where.push(sql);
    args.push(...values);
  };
  if (filter.status) add("status = ?", filter.status);
  if (filter.gateway) add("gateway = ?", filter.gateway);
  if (filter.requiresReview !== undefined) add("requires_review = ?", filter.requiresReview ? 1 : 0);
  if (filter.createdFrom !== undefined) add("created_at >= ?", filter.createdFrom);
  if (filter.createdTo !== undefined) add("created_at < ?", filter.createdTo);
  if (filter.q) add("order_id LIKE ? ESCAPE '\\'", prefixPattern(filter.q));
  if (after) add("(created_at, gateway, order_id) < (?, ?, ?)", ...after);
  const { results } = await db
    .prepare(
      `SELECT * FROM orders ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at DESC, gateway DESC, order_id DESC LIMIT ?`,
    )
    .bind(...args, limit + 1)
    .all<IndexRow>();
  const page = results.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toListed),
    next_cursor:
      results.length > limit && last ? encodeCursor([last.created_at, last.gateway, last.order_id], filter) : null,
  };
}

function toListed({ version: _, ...r }: IndexRow): ListedOrder {
  return {
    ...r,
    requires_review: r.requires_review === 1,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

/** Orders counted, and their amounts summed per currency (minor units; currencies are never added together). */
export interface Tally {
  count: number;
  amount: Record<string, number>;
}

export interface Summary {
  readonly from: string;
  readonly to: string;
  readonly bucket: "hour" | "day";
  readonly total: Tally;
  readonly by_status: Record<string, Tally>;
  readonly by_gateway: Record<string, Tally & { by_status: Record<string, Tally> }>;
  /** Every bucket from the one holding `from` to the one holding `to`, empty ones included, oldest first. */
  readonly buckets: (Tally & { start: string; by_status: Record<string, Tally> })[];
}

const tally = (): Tally => ({ count: 0, amount: {} });

function addTo(t: Tally, n: number, amount: number, currency: string | null): void {
  t.count += n;
  if (currency) t.amount[currency] = (t.amount[currency] ?? 0) + amount;
}

/** Counts and amounts of the orders created in `[from, to)`, by status, gateway and UTC hour or day. */
export async function summarise(db: D1Database, from: number, to: number, bucket: "hour" | "day"): Promise<Summary> {
  const size = bucket === "hour" ? 3_600_000 : 86_400_000;
  const { results } = await db
    .prepare(
      `SELECT CAST(created_at / ?1 AS INTEGER) AS b, gateway, status, currency, count(*) AS n, coalesce(sum(amount), 0) AS amt
       FROM orders WHERE created_at >= ?2 AND created_at < ?3 GROUP BY b, gateway, status, currency`,
    )
    .bind(size, from, to)
    .all<{ b: number; gateway: string; status: string; currency: string | null; n: number; amt: number }>();
  const first = Math.floor(from / size);
  const out: Summary = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket,
    total: tally(),
    by_status: {},
    by_gateway: {},
    buckets: [],
  };
  for (let b = first; b * size < to; b++) {
    out.buckets.push({ start: new Date(b * size).toISOString(), ...tally(), by_status: {} });
  }
  for (const r of results) {
    const gw = (out.by_gateway[r.gateway] ??= { ...tally(), by_status: {} });
    const slot = out.buckets[r.b - first];
    const cells = [out.total, (out.by_status[r.status] ??= tally()), gw, (gw.by_status[r.status] ??= tally())];
    if (slot) cells.push(slot, (slot.by_status[r.status] ??= tally()));
    for (const t of cells) addTo(t, r.n, r.amt, r.currency);
  }
  return out;
}
