/**
 * The rules for checkpost's own events to the merchant (product.md §4): the event's id and body, how a response is
 * judged, and when the next attempt comes. Pure: the caller passes `now` and the source of randomness; nothing here
 * reads a clock, storage or the network.
 *
 * Retry schedule: exponential backoff with full jitter (each delay uniform in [1 s, min(cap, base·2^n)], after
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). A delivery is exhausted only when it
 * has had at least `MIN_ATTEMPTS` attempts AND its first attempt is at least `MIN_SPAN_MS` old, so both floors of
 * the contract (≥ 16 attempts, ≥ 24 h) hold whatever the jitter draws: a run of short draws only means more
 * attempts (never more than one a second), never an earlier give-up. Typical draws give about 25 attempts over a day.
 */
import { fromBase64Url, toBase64Url, utf8 } from "./crypto";
import type { EventType } from "./order";
import { isGatewayId, type GatewayId } from "./model";

export const BASE_DELAY_MS = 5_000;
export const MAX_DELAY_MS = 3 * 60 * 60 * 1000;
export const MIN_DELAY_MS = 1_000;
export const MIN_ATTEMPTS = 16;
export const MIN_SPAN_MS = 24 * 60 * 60 * 1000;
/** A merchant endpoint that has not answered within this is a failed attempt (Standard Webhooks suggests ~15 s). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** The most of a merchant's answer kept in the attempt log. */
export const RESPONSE_EXCERPT_CHARS = 256;

/** Delay before the retry that follows failed attempt number `attempt` (1-based). `random()` is in [0, 1). */
export function retryDelay(attempt: number, random: () => number): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** exp);
  return Math.max(MIN_DELAY_MS, Math.floor(random() * ceiling));
}

export type ResponseClass = "delivered" | "gone" | "retry";

/**
 * 2xx is delivered. 410 Gone means the merchant removed the endpoint: Standard Webhooks senders stop sending to it.
 * Anything else (3xx — redirects are not followed —, other 4xx, 5xx, no answer) is retried.
 */
export function classifyResponse(status: number | null): ResponseClass {
  if (status !== null && status >= 200 && status < 300) return "delivered";
  if (status === 410) return "gone";
  return "retry";
}

export type AttemptOutcome =
  | { readonly kind: "delivered" }
  | { readonly kind: "gone" }
  | { readonly kind: "exhausted" }
  | { readonly kind: "retry"; readonly at: number };

export interface AttemptHistory {
  /** Attempts made so far, including the one just made. */
  readonly attempts: number;
  readonly firstAttemptAt: number;
}

/** What follows an attempt that got `status` (null: no answer) at `now`. */
export function afterAttempt(
  history: AttemptHistory,
  status: number | null,
  now: number,
  random: () => number,
): AttemptOutcome {
  const cls = classifyResponse(status);
  if (cls !== "retry") return { kind: cls };
  if (history.attempts >= MIN_ATTEMPTS && now - history.firstAttemptAt >= MIN_SPAN_MS) return { kind: "exhausted" };
  return { kind: "retry", at: now + retryDelay(history.attempts, random) };
}

// ---------------------------------------------------------------- ids

const ID_PREFIX = "evt_";

/**
 * The event's id: the same for every attempt and replay, so merchants de-duplicate on `webhook-id`. It encodes
 * `<gateway>:<order_id>:<sequence>` in base64url, which keeps it free of `.` (the signed content is
 * `id.timestamp.body`) and lets `/v1/deliveries/:id` find the order's Durable Object without a lookup.
 */
export function deliveryId(gateway: GatewayId, orderId: string, sequence: number): string {
  return `${ID_PREFIX}${toBase64Url(utf8(`${gateway}:${orderId}:${sequence}`))}`;
}

export interface DeliveryKey {
  readonly gateway: GatewayId;
  readonly orderId: string;
  readonly sequence: number;
}

/** The order and sequence an id names, or null when it is not one of checkpost's ids (callers still validate the order id). */
export function parseDeliveryId(id: string): DeliveryKey | null {
  if (!id.startsWith(ID_PREFIX) || id.length > 256) return null;
  const bytes = fromBase64Url(id.slice(ID_PREFIX.length));
  if (!bytes) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  if (first <= 0 || last <= first) return null;
  const gateway = text.slice(0, first);
  const orderId = text.slice(first + 1, last);
  const seq = text.slice(last + 1);
  if (!isGatewayId(gateway) || orderId === "" || !/^[1-9][0-9]{0,14}$/.test(seq)) return null;
  return { gateway, orderId, sequence: Number(seq) };
}

// ---------------------------------------------------------------- body

/**
 * The Standard Webhooks payload `{type, timestamp, data}`. `timestamp` is when the change happened (stable across
 * retries); `data` holds the per-order `sequence` and what the outbox row stored (the unified order, and a refund for
 * refund events).
 */
export function eventBody(
  type: EventType,
  createdAt: number,
  sequence: number,
  data: Readonly<Record<string, unknown>>,
): string {
  return JSON.stringify({ type, timestamp: new Date(createdAt).toISOString(), data: { sequence, ...data } });
}

/** The start of a merchant's answer for the attempt log; never more than `RESPONSE_EXCERPT_CHARS`. */
export function responseExcerpt(text: string): string {
  return Array.from(text).slice(0, RESPONSE_EXCERPT_CHARS).join("");
}
