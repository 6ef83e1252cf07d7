/**
 * checkpost's own signatures, all keyed by `MERCHANT_WEBHOOK_SECRET` (`whsec_<base64>`, space-separated, the first
 * signs; product.md §1):
 * - outbound events, per the Standard Webhooks spec (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`);
 * - the signed result on the return redirect (`signRedirectParams`), documented in the README for merchants;
 * - opaque return/status-page tokens over an order reference (`orderToken`).
 * Pure apart from WebCrypto; the caller passes `now`.
 */
import { fromBase64, hmacSha256, toBase64, toBase64Url, bytesEqual, utf8 } from "./crypto";

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

/**
 * An opaque token binding a purpose to an order, e.g. PhonePe's return URL `t` and the status page link. Minted
 * with the first key, accepted under any configured key so rotation does not break payments in flight.
 */
export async function orderToken(
  secrets: readonly string[],
  purpose: string,
  gateway: string,
  orderId: string,
): Promise<string | null> {
  const key = signingKey(secrets);
  if (!key) return null;
  return toBase64Url(await hmacSha256(key, `checkpost:${purpose}:v1:${gateway}:${orderId}`));
}

export async function verifyOrderToken(
  secrets: readonly string[],
  purpose: string,
  gateway: string,
  orderId: string,
  token: string,
): Promise<boolean> {
  let valid = false;
  for (const s of secrets) {
    const key = secretBytes(s);
    if (!key) continue;
    const expected = toBase64Url(await hmacSha256(key, `checkpost:${purpose}:v1:${gateway}:${orderId}`));
    if (bytesEqual(utf8(expected), utf8(token))) valid = true;
  }
  return valid;
}
