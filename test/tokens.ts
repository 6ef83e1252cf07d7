/**
 * checkpost's own tokens, recomputed here with WebCrypto straight from their documented construction
 * (src/core/signing.ts), never by calling checkpost's minting code:
 *   key   = HKDF-SHA-256(ikm = base64-decoded CHECKPOST_SECRET key, salt = empty, info = the purpose's label)
 *   token = base64url(HMAC-SHA-256(key, `<gateway>:<order_id>`)), no padding
 * `deriveBits` then `importKey`, where checkpost uses `deriveKey`: the same bytes reached another way.
 */
import { TEST_BINDINGS } from "./bindings";

export const CHECKPOST_KEYS = TEST_BINDINGS.CHECKPOST_SECRET.split(" ");

const LABELS = { return: "checkpost/v1/return-token", status: "checkpost/v1/status-token" } as const;

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function base64Url(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** HMAC-SHA256 with raw key bytes, base64url. */
export async function hmacBase64Url(key: Uint8Array<ArrayBuffer>, message: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64Url(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(message)));
}

/** The token checkpost mints for `purpose` over an order, under the given base64 `CHECKPOST_SECRET` key. */
export async function checkpostToken(
  purpose: keyof typeof LABELS,
  gateway: string,
  orderId: string,
  secret: string = CHECKPOST_KEYS[0] ?? "",
): Promise<string> {
  const ikm = await crypto.subtle.importKey("raw", base64Bytes(secret), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(LABELS[purpose]) },
    ikm,
    256,
  );
  return hmacBase64Url(new Uint8Array(bits), `${gateway}:${orderId}`);
}

/** `CHECKPOST_SECRET`'s keys as bytes, for binding a gateway directly in a test (the value checkpost parses). */
export function parsedTokenSecrets(): Uint8Array<ArrayBuffer>[] {
  return CHECKPOST_KEYS.map(base64Bytes);
}
