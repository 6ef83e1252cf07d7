/**
 * What KV holds for deliveries (product.md §3: KV only for what may be eventually consistent):
 *
 * - `dlv:<state>:<inverted ms>:<delivery id>` — the listing index behind `GET /v1/deliveries?status=…`, one key per
 *   delivery under its current state, newest first, its summary in the key's metadata (so a page is one `list`).
 *   Written by the order's Durable Object after the change (`syncIndex`); an entry can lag the object by a moment or,
 *   if a write failed, until the next change of that delivery. The object stays the source of truth:
 *   `GET /v1/deliveries/:id` and the retry read it, never the index. Delivered entries expire after 30 days.
 * - `endpoint:gone:<sha-256 of the URL, 32 hex>` — set when the merchant's endpoint answered 410 Gone; every order's
 *   object checks it before an attempt and stops instead of sending. `POST /v1/deliveries/:id/retry` deletes it.
 *   Deliveries re-queued by a retry ignore a mark older than the retry, so KV's propagation delay cannot stop them.
 */
import { deliveryId } from "../core/delivery";
import { sha256, toHex } from "../core/crypto";
import type { GatewayId } from "../core/model";
import {
  dirtyRows,
  markIndexed,
  stateSince,
  toDeliveryView,
  type DeliveryState,
  type DeliveryView,
  type OutboxRow,
} from "../storage/order/outbox";

export const INDEX_PREFIX = "dlv:";
export const GONE_PREFIX = "endpoint:gone:";
const DELIVERED_TTL_S = 30 * 24 * 60 * 60;
/** Larger than any epoch ms checkpost will see; `MAX - ms` sorts newest first. */
const MAX_MS = 9_999_999_999_999;

export type ListedState = Exclude<DeliveryState, "undeliverable">;

/**
 * What each index key's metadata holds: the delivery as its object showed it when the key was written, and since
 * when it is in that state. Well under KV's 1024-byte metadata limit (order ids are at most 128 characters).
 */
export interface DeliverySummary extends DeliveryView {
  readonly since: string;
}

export function indexKey(state: ListedState, since: number, id: string): string {
  return `${INDEX_PREFIX}${state}:${String(MAX_MS - since).padStart(13, "0")}:${id}`;
}

function summary(gateway: GatewayId, orderId: string, row: OutboxRow): DeliverySummary {
  return { ...toDeliveryView(gateway, orderId, row), since: new Date(stateSince(row)).toISOString() };
}

function isListed(row: OutboxRow): row is OutboxRow & { state: ListedState } {
  return row.state !== "undeliverable";
}

/**
 * Brings the index in line with this order's outbox. Each row's new key is written before the old one is deleted,
 * so a delivery is never missing from the listing, at worst briefly listed twice.
 */
export async function syncIndex(sql: SqlStorage, kv: KVNamespace, gateway: GatewayId, orderId: string): Promise<void> {
  for (const row of dirtyRows(sql, 50)) {
    let key: string | null = null;
    if (isListed(row)) {
      key = indexKey(row.state, stateSince(row), deliveryId(gateway, orderId, row.sequence));
      await kv.put(key, "", {
        metadata: summary(gateway, orderId, row),
        ...(row.state === "delivered" ? { expirationTtl: DELIVERED_TTL_S } : {}),
      });
    }
    if (row.indexed_key && row.indexed_key !== key) await kv.delete(row.indexed_key);
    markIndexed(sql, row, key);
  }
}

export interface DeliveryPage {
  readonly data: readonly DeliverySummary[];
  readonly next_cursor: string | null;
}

export async function listDeliveries(
  kv: KVNamespace,
  state: ListedState,
  limit: number,
  cursor: string | null,
): Promise<DeliveryPage> {
  const page = await kv.list<DeliverySummary>({
    prefix: `${INDEX_PREFIX}${state}:`,
    limit,
    ...(cursor ? { cursor } : {}),
  });
  return {
    data: page.keys.flatMap((k) => (k.metadata ? [k.metadata] : [])),
    next_cursor: page.list_complete ? null : page.cursor,
  };
}

async function goneKey(endpoint: URL): Promise<string> {
  return `${GONE_PREFIX}${toHex(await sha256(endpoint.toString())).slice(0, 32)}`;
}

/** When the endpoint answered 410, or null. */
export async function endpointGoneAt(kv: KVNamespace, endpoint: URL): Promise<number | null> {
  const value = await kv.get<{ at: number }>(await goneKey(endpoint), "json");
  return value && typeof value.at === "number" ? value.at : null;
}

export async function markEndpointGone(kv: KVNamespace, endpoint: URL, now: number): Promise<void> {
  await kv.put(await goneKey(endpoint), JSON.stringify({ at: now }));
}

export async function clearEndpointGone(kv: KVNamespace, endpoint: URL): Promise<void> {
  await kv.delete(await goneKey(endpoint));
}
