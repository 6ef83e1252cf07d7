/**
 * Idempotency keys on `/v1` POSTs, modelled on Stripe's (product.md §2): scoped to the endpoint and the order,
 * retained at least 24 hours, a repeat with the same request replays the stored answer, a repeat with another
 * request is refused, and a repeat while the first is running is told so. Pure helpers; the order Durable Object
 * stores the records (`storage/order/idempotency.ts`).
 */
import { sha256, toHex } from "./crypto";
import type { ProxyError } from "./errors";
import type { PublicRefund } from "./refunds";

/** How long a key is remembered. After this it is pruned and behaves as a new key. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Keys are opaque to checkpost: 1-255 printable ASCII characters (Stripe allows up to 255). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** JSON with object keys sorted at every level, so two equal requests always fingerprint the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** What makes two requests "the same": the endpoint and the parsed body. */
export async function requestFingerprint(endpoint: string, body: unknown): Promise<string> {
  return toHex(await sha256(`${endpoint}\n${canonicalJson(body)}`));
}

/**
 * The answer a key replays, as a value. The HTTP layer renders it (`http/respond.ts` `renderAnswer`), the same way
 * every time, so a replay is byte-identical to the first answer:
 * - `response`: a response the HTTP layer rendered itself (`POST /v1/orders`);
 * - `refund`: a refund the gateway accepted (201), whose outcome is not known yet (202), or that an existing
 *   refund's update changed (200: `mark-failed`);
 * - `refused`: a refund checkpost or the gateway refused, with the request id of the first answer.
 */
export type StoredAnswer =
  | { readonly kind: "response"; readonly status: number; readonly body: string }
  | { readonly kind: "refund"; readonly outcome: "accepted" | "unknown" | "updated"; readonly refund: PublicRefund }
  | { readonly kind: "refused"; readonly error: ProxyError; readonly requestId: string };

export type IdempotencyClaim =
  | { readonly kind: "new" }
  | { readonly kind: "replay"; readonly answer: StoredAnswer }
  | { readonly kind: "in_use"; readonly since: number }
  | { readonly kind: "reused" };
