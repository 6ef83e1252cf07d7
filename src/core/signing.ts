/**
 * checkpost's own signatures and tokens (product.md §1):
 * - keyed by `MERCHANT_WEBHOOK_SECRET` (`whsec_<base64>`, space-separated, the first signs), which the merchant holds
 *   to verify them: outbound events, per the Standard Webhooks spec (`v1,<base64 HMAC-SHA256 of
 *   "id.timestamp.body">`), and the signed result on the return redirect (`signRedirectParams`), documented in the
 *   README for merchants;
 * - keyed by `CHECKPOST_SECRET`, which only checkpost holds: opaque return/status-page tokens over an order
 *   (`orderToken`, below).
 * Pure apart from WebCrypto; the caller passes `now`.
 */
import { bytesEqual, fromBase64, hmacSha256, toBase64, toBase64Url, toHex, utf8 } from "./crypto";

/** The raw key bytes of a `whsec_…` secret, or null when it is not one. */
export function secretBytes(whsec: string): Uint8Array<ArrayBuffer> | null {
  if (!whsec.startsWith("whsec_")) return null;
  const bytes = fromBase64(whsec.slice("whsec_".length));
  return bytes && bytes.byteLength > 0 ? bytes : null;
}

/**
 * THE signature both merchant-facing signatures use: `v1,<base64 HMAC-SHA256(key, message)>`, keyed by the bytes of
 * a `whsec_` key. Events (Standard Webhooks) and the return redirect differ only in the message they sign.
 */
async function signV1(key: Uint8Array<ArrayBuffer>, message: string): Promise<string> {
  return `v1,${toBase64(await hmacSha256(key, message))}`;
}

/** The key that signs: the first configured one, or null when there is none or it is not a `whsec_` key. */
export function signingKey(secrets: readonly string[]): Uint8Array<ArrayBuffer> | null {
  return secrets[0] ? secretBytes(secrets[0]) : null;
}

/**
 * Standard Webhooks: one `v1,<sig>` per key over `id.timestamp.body`, space-separated, the first key first (every key
 * signs during rotation, so a merchant holding either the old or the new key verifies). Empty when no key is valid.
 */
export async function signStandardWebhook(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  const parts: string[] = [];
  for (const s of secrets) {
    const key = secretBytes(s);
    if (key) parts.push(await signV1(key, `${id}.${timestampSeconds}.${body}`));
  }
  return parts.join(" ");
}

export type Param = readonly [name: string, value: string];

/**
 * The string a redirect signature covers: every query parameter except `signature`, each written as
 * `encodeURIComponent(name) + "=" + encodeURIComponent(value)`, those strings sorted (plain code-unit order, as
 * JavaScript's default `sort()`), joined with `&`.
 */
export function canonicalParams(params: readonly Param[]): string {
  return params
    .filter(([k]) => k !== "signature")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join("&");
}

/** `v1,<base64 HMAC-SHA256(key, canonicalParams(params))>` with the first key. */
export async function signRedirectParams(secrets: readonly string[], params: readonly Param[]): Promise<string | null> {
  const key = signingKey(secrets);
  return key ? signV1(key, canonicalParams(params)) : null;
}

/*
 * checkpost's own tokens (product.md §1 `CHECKPOST_SECRET`): opaque values binding a purpose to an order, e.g. the
 * return URL `t` checkpost hands PhonePe and Nimbbl, and the status page link. They are keyed by `CHECKPOST_SECRET`,
 * which only checkpost holds, never by `MERCHANT_WEBHOOK_SECRET`: the merchant and its relays hold those keys and
 * could otherwise mint a token for any order.
 *
 * Construction (bench/ and test/ recompute it independently):
 *   key   = HKDF-SHA-256(ikm = the secret's bytes, salt = empty, info = the purpose's label), 32 bytes, an HMAC key
 *   token = base64url(HMAC-SHA-256(key, `<gateway>:<order_id>`)), no padding
 * One label per purpose, so a token minted for one purpose is worthless for another. The secret is one or more
 * base64 values of at least 32 bytes, space-separated: the first mints, every one verifies (rotation keeps payments
 * in flight working).
 */

/** The HKDF `info` label of each token purpose. A new purpose gets a new label; a label is never reused. */
export const TOKEN_LABELS = {
  return: "checkpost/v1/return-token",
  status: "checkpost/v1/status-token",
} as const;
export type TokenPurpose = keyof typeof TOKEN_LABELS;

/** The least entropy a `CHECKPOST_SECRET` value must carry. */
export const CHECKPOST_SECRET_MIN_BYTES = 32;

/** `CHECKPOST_SECRET`'s keys, decoded; empty when the setting is missing or unusable (tokens are then off). */
export type TokenSecrets = readonly Uint8Array<ArrayBuffer>[];

/**
 * Parses `CHECKPOST_SECRET`: every space-separated value must be standard base64 of at least 32 bytes. One bad value
 * makes the whole setting unusable (fail closed: never mint with a key nobody meant to be first). The problem names
 * the value's position, never its content.
 */
export function parseCheckpostSecret(raw: string): { keys: TokenSecrets } | { problem: string } {
  const keys: Uint8Array<ArrayBuffer>[] = [];
  for (const [i, value] of raw.split(/\s+/).filter(Boolean).entries()) {
    const bytes = fromBase64(value);
    if (!bytes || bytes.byteLength < CHECKPOST_SECRET_MIN_BYTES) {
      return { problem: `key #${i + 1} is not base64 of at least ${CHECKPOST_SECRET_MIN_BYTES} bytes` };
    }
    keys.push(bytes);
  }
  return keys.length ? { keys } : { problem: "is not set" };
}

const derivedKeys = new Map<string, Promise<CryptoKey>>();

/** The purpose's HMAC key under one secret, derived once per isolate (HKDF, then cached like `hmacKey`). */
function tokenKey(secret: Uint8Array<ArrayBuffer>, purpose: TokenPurpose): Promise<CryptoKey> {
  const cacheKey = `${purpose}:${toHex(secret)}`;
  let key = derivedKeys.get(cacheKey);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", secret, "HKDF", false, ["deriveKey"])
      .then((ikm) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8(TOKEN_LABELS[purpose]) },
          ikm,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign"],
        ),
      );
    if (derivedKeys.size > 16) derivedKeys.clear();
    derivedKeys.set(cacheKey, key);
  }
  return key;
}

async function tokenUnder(
  secret: Uint8Array<ArrayBuffer>,
  purpose: TokenPurpose,
  gateway: string,
  orderId: string,
): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await tokenKey(secret, purpose), utf8(`${gateway}:${orderId}`));
  return toBase64Url(mac);
}

/** The token for `purpose` over an order, minted with the first key; null when `CHECKPOST_SECRET` is unusable. */
export async function orderToken(
  secrets: TokenSecrets,
  purpose: TokenPurpose,
  gateway: string,
  orderId: string,
): Promise<string | null> {
  const first = secrets[0];
  return first ? tokenUnder(first, purpose, gateway, orderId) : null;
}

/** Whether `token` is the `purpose` token of this order under any configured key (constant-time per key). */
export async function verifyOrderToken(
  secrets: TokenSecrets,
  purpose: TokenPurpose,
  gateway: string,
  orderId: string,
  token: string,
): Promise<boolean> {
  let valid = false;
  for (const secret of secrets) {
    if (bytesEqual(utf8(await tokenUnder(secret, purpose, gateway, orderId)), utf8(token))) valid = true;
  }
  return valid;
}
