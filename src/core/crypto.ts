/**
 * WebCrypto helpers shared by every verifier. Pure apart from WebCrypto itself.
 * Secrets are compared in constant time: `crypto.subtle.timingSafeEqual` after a length check (it throws on unequal
 * lengths), or, where the lengths themselves must not leak, on SHA-256 digests of both sides.
 */

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lowercase hex. A table of the 256 pairs: this runs on every signature check (bench/: Nimbbl, PhonePe). */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (let i = 0; i < view.length; i++) out += HEX_PAIRS[view[i] ?? 0];
  return out;
}

/** The value of one hex digit's char code (`0-9`, `a-f`, `A-F`), or -1. */
function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20; // A-F → a-f; nothing else lands in a-f
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Strict lowercase/uppercase hex → bytes; `null` for odd length or a non-hex character. Char codes, not
 * `slice` + `parseInt` per byte: a Nimbbl encrypted body is kilobytes of hex, and that version spent ~130 µs here.
 */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (hex.length % 2 !== 0) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let bin = "";
  for (const b of view) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Standard-alphabet base64 (padding optional) → bytes; `null` when it is not base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export function toBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** Imports (and caches per isolate) an HMAC-SHA256 key from raw bytes or a UTF-8 string. */
export function hmacKey(secret: string | Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const cacheKey = typeof secret === "string" ? `s:${secret}` : `b:${toHex(secret)}`;
  let key = hmacKeys.get(cacheKey);
  if (!key) {
    const raw = typeof secret === "string" ? utf8(secret) : secret;
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    if (hmacKeys.size > 64) hmacKeys.clear();
    hmacKeys.set(cacheKey, key);
  }
  return key;
}

export async function hmacSha256(
  secret: string | Uint8Array<ArrayBuffer>,
  message: string | Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await hmacKey(secret);
  const data = typeof message === "string" ? utf8(message) : message;
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
}

export async function sha256(message: string | Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const data = typeof message === "string" ? utf8(message) : message;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/** Constant-time equality of two byte strings; unequal lengths are unequal without comparing. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Constant-time equality of two strings' UTF-8 bytes (length check first, as `timingSafeEqual` requires). */
export function stringsEqual(a: string, b: string): boolean {
  return bytesEqual(utf8(a), utf8(b));
}

const expectedDigests = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/** SHA-256 of a configured secret, computed once per isolate (like `hmacKey`'s imported keys). */
function expectedDigest(secret: string): Promise<Uint8Array<ArrayBuffer>> {
  let digest = expectedDigests.get(secret);
  if (!digest) {
    digest = sha256(secret);
    if (expectedDigests.size > 64) expectedDigests.clear();
    expectedDigests.set(secret, digest);
  }
  return digest;
}

/**
 * Constant-time equality that also hides the expected secret's length: both sides are hashed first, so the
 * comparison always runs over 32 bytes. Used for API keys and credentials a caller could probe by length.
 * `expected` must be the configured secret: its digest is cached, the caller's is computed on every call, so the
 * time taken does not depend on what the caller sent.
 */
export async function secretsEqual(provided: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(provided), expectedDigest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}
