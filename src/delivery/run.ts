/**
 * Delivers one order's due events, in order, from the order Durable Object's alarm (product.md §4).
 *
 * Only the lowest pending `sequence` is ever attempted: while it is retrying, later events wait, so the merchant
 * never sees event n+1 before event n was delivered or has failed for good (exhausted, or stopped by a 410).
 * Delivery is at-least-once: the attempt is recorded after the answer, so a crash between the two repeats the
 * attempt with the same `webhook-id`, which the merchant de-duplicates on.
 *
 * The caller must not run two of these at once for the same order (storage/order/alarm.ts serialises its alarm work).
 */
import type { Config } from "../config";
import { afterAttempt, deliveryId, eventBody } from "../core/delivery";
import type { Logger } from "../core/log";
import type { GatewayId } from "../core/model";
import { headPending, outboxRow, recordAttempt, stopDelivery, type OutboxRow } from "../storage/order/outbox";
import { endpointGoneAt, markEndpointGone } from "./kv-index";
import { sendEvent } from "./send";
import { signingKey } from "../core/signing";

/** At most this many sends per alarm run; the alarm is re-armed at once when more are due. */
export const MAX_SENDS_PER_RUN = 10;

/**
 * Where events go, or null when they are off: `MERCHANT_WEBHOOK_URL` unset (product.md §1), or no usable
 * `MERCHANT_WEBHOOK_SECRET` key to sign them with (never sent unsigned; `/healthz` reports the bad key).
 */
export function eventsEndpoint(config: Config): URL | null {
  return config.merchantWebhookUrl && signingKey(config.merchantSecrets) ? config.merchantWebhookUrl : null;
}

export interface DeliveryIO {
  /** `MERCHANT_WEBHOOK_URL`, or null when events are not configured (no URL or no signing key). */
  readonly endpoint: URL | null;
  readonly secrets: readonly string[];
  readonly fetch: typeof fetch;
  readonly kv: KVNamespace;
  readonly clock: () => number;
  readonly random: () => number;
  readonly log: Logger;
}

export async function deliverDue(sql: SqlStorage, gateway: GatewayId, orderId: string, io: DeliveryIO): Promise<void> {
  let sends = 0;
  /** When the endpoint answered 410 (KV mark), read at most once per run; undefined until read. */
  let goneAt: number | null | undefined;
  for (;;) {
    const now = io.clock();
    const head = headPending(sql);
    if (!head || (head.next_attempt_at ?? head.created_at) > now) return;
    if (!io.endpoint) {
      stopDelivery(sql, head.sequence, "undeliverable", "not_configured", now);
      io.log.warn("event not delivered: MERCHANT_WEBHOOK_URL or MERCHANT_WEBHOOK_SECRET is not set", {
        sequence: head.sequence,
      });
      continue;
    }
    if (goneAt === undefined) {
      // KV being unavailable must not stall deliveries: without the mark, the endpoint is taken as not gone.
      goneAt = await endpointGoneAt(io.kv, io.endpoint).catch(() => null);
      continue; // state may have moved during the read: look at the head again
    }
    if (goneAt !== null && (head.resumed_at === null || goneAt >= head.resumed_at)) {
      stopDelivery(sql, head.sequence, "failed", "endpoint_gone", now);
      io.log.warn("event not delivered: the merchant endpoint answered 410 Gone; retry a delivery to resume", {
        sequence: head.sequence,
      });
      continue;
    }
    if (sends >= MAX_SENDS_PER_RUN) return;
    sends += 1;
    const gone = await attempt(sql, gateway, orderId, head, io.endpoint, io);
    if (gone) goneAt = gone;
  }
}

/** Sends `head` once and records the outcome; returns the time of a 410, if that is what came back. */
async function attempt(
  sql: SqlStorage,
  gateway: GatewayId,
  orderId: string,
  head: OutboxRow,
  endpoint: URL,
  io: DeliveryIO,
): Promise<number | null> {
  const id = deliveryId(gateway, orderId, head.sequence);
  const data = JSON.parse(head.data) as Record<string, unknown>;
  const result = await sendEvent({
    endpoint,
    secrets: io.secrets,
    id,
    body: eventBody(head.type, head.created_at, head.sequence, data),
    now: io.clock(),
    fetch: io.fetch,
  });
  // Re-read: only this loop changes a pending row, but the row is what the attempt is recorded against.
  const row = outboxRow(sql, head.sequence) ?? head;
  const outcome = afterAttempt(
    { attempts: row.attempts + 1, firstAttemptAt: row.first_attempt_at ?? result.at },
    result.status,
    io.clock(),
    io.random,
  );
  recordAttempt(sql, row, result, outcome);
  io.log.info("event delivery attempt", {
    sequence: head.sequence,
    type: head.type,
    attempt: row.attempts + 1,
    status: result.status,
    error: result.error,
    ms: result.latencyMs,
    outcome: outcome.kind,
  });
  if (outcome.kind === "exhausted") io.log.error("event delivery exhausted", { sequence: head.sequence });
  if (outcome.kind !== "gone") return null;
  io.log.error("merchant endpoint answered 410 Gone: deliveries to it are stopped", { sequence: head.sequence });
  // If the mark cannot be written, other orders find out from their own 410; this order stops either way.
  await markEndpointGone(io.kv, endpoint, result.at).catch(() =>
    io.log.warn("could not record the 410 stop in KV", { sequence: head.sequence }),
  );
  return result.at;
}
