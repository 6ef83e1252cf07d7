/**
 * The layers Nimbbl may wrap a response or event in (nimbbl.md §1.3, §2), outermost first, and their crypto:
 * `encrypted_response` (AES-256-GCM) → the v4 envelope (HMAC over the exact decoded bytes) → for the checkout
 * return only, a base64 `response` string and the checkout SDK's `{event_type, payload}` envelope.
 * A layer that authenticates (decryption, v4 HMAC) marks the result `sealed`. Pure apart from WebCrypto.
 *
 * - HMAC: SHA-256 keyed with the access secret's UTF-8 bytes (its `access_secret_` prefix kept), lowercase hex,
 *   compared exactly and in constant time; the same primitive signs the per-field schemes of verify.ts.
 * - v4 envelope: that HMAC over the EXACT base64-decoded payload bytes, never over a re-serialised copy (§1.3).
 * - Encrypted: AES-256-GCM, key = SHA-256 of the secret without its prefix, `hex(nonce[16] ‖ ciphertext ‖ tag[16])`;
 *   successful decryption is the authentication (§1.3). workerd's WebCrypto takes the 16-byte nonce as is (GHASH-
 *   derived J0, as OpenSSL does): `test/nimbbl/verify.test.ts` checks it against a vector produced by OpenSSL.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { fromBase64, fromHex, hmacSha256, sha256, stringsEqual, toHex } from "../../core/crypto";
import { err, ok, type Result } from "../../core/result";
import { NimbblV4EnvelopeSchema, type NimbblV4Envelope } from "./wire";

export const ACCESS_SECRET_PREFIX = "access_secret_";
const NONCE_BYTES = 16;
const TAG_BYTES = 16;

export type JsonObject = Record<string, unknown>;

export interface Opened {
  readonly event: JsonObject;
  /** Authenticated as a whole by decryption or a v4 signature. */
  readonly sealed: boolean;
}

/** More layers than this is not something Nimbbl sends. */
const MAX_LAYERS = 4;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformed(detail: string): ProxyError {
  return proxyError("malformed_body", { detail });
}

/** Strict UTF-8: invalid bytes are malformed input, not replacement characters. */
export function decodeText(bytes: Uint8Array): Result<string, ProxyError> {
  try {
    return ok(decoder.decode(bytes));
  } catch {
    return err(malformed("not valid UTF-8"));
  }
}

/** Strict UTF-8 JSON object from bytes. */
export function parseJsonObject(bytes: Uint8Array): Result<JsonObject, ProxyError> {
  const text = decodeText(bytes);
  if (!text.ok) return text;
  try {
    const value: unknown = JSON.parse(text.value);
    return isObject(value) ? ok(value) : err(malformed("expected a JSON object"));
  } catch {
    return err(malformed("not valid JSON"));
  }
}

/**
 * Base64 JSON as a redirect carries it (§1.3). A `+` that reached us unescaped in a query string reads as a space,
 * and some encoders use the URL-safe alphabet; both are mapped back before strict decoding.
 */
export function decodeBase64Json(text: string): Result<JsonObject, ProxyError> {
  const bare = text.trim().replace(/ /g, "+").replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const bytes = fromBase64(bare + "=".repeat((4 - (bare.length % 4)) % 4));
  if (!bytes) return err(malformed("the response is not base64"));
  return parseJsonObject(bytes);
}

export async function openEnvelopes(
  value: JsonObject,
  secret: string,
  options: { readonly checkout: boolean },
): Promise<Result<Opened, ProxyError>> {
  let event = value;
  let sealed = false;
  for (let layer = 0; layer < MAX_LAYERS; layer++) {
    if (typeof event["encrypted_response"] === "string") {
      const plain = await decryptResponse(event["encrypted_response"], secret);
      if (!plain.ok) return plain;
      const inner = parseJsonObject(plain.value);
      if (!inner.ok) return inner;
      event = inner.value;
      sealed = true;
      continue;
    }
    if (event["version"] === "v4") {
      const envelope = NimbblV4EnvelopeSchema().safeParse(event);
      if (!envelope.success) return err(proxyError("signature_invalid", { log: { scheme: "v4", check: "shape" } }));
      const bytes = await verifyV4Envelope(envelope.data, secret);
      if (!bytes.ok) return bytes;
      const inner = parseJsonObject(bytes.value);
      if (!inner.ok) return inner;
      event = inner.value;
      sealed = true;
      continue;
    }
    if (options.checkout && typeof event["response"] === "string") {
      const inner = decodeBase64Json(event["response"]);
      if (!inner.ok) return inner;
      event = inner.value;
      continue;
    }
    // The checkout SDK's `{event_type: globalHandleCheckoutResponse | globalCloseCheckoutModal, payload}`, and the
    // v2 kits' `{payload: {...}}` (§1.3): the signed object is `payload`.
    if (options.checkout && isObject(event["payload"]) && !isObject(event["transaction"])) {
      event = event["payload"];
      continue;
    }
    return ok({ event, sealed });
  }
  return err(malformed("too many nested layers"));
}

/** Lowercase hex HMAC-SHA256 keyed with the secret's UTF-8 bytes. */
export async function hmacHex(secret: string, message: string | Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(await hmacSha256(secret, message));
}

function invalid(scheme: string, check: string): ProxyError {
  return proxyError("signature_invalid", { log: { scheme, check } });
}

/** §1.3 / §2: returns the exact payload bytes the signature covers, for the caller to parse. */
export async function verifyV4Envelope(
  envelope: NimbblV4Envelope,
  secret: string,
): Promise<Result<Uint8Array<ArrayBuffer>, ProxyError>> {
  // Webhooks name the field `signature`, callbacks `nimbbl_signature`; either must match the same HMAC.
  const signature = envelope.signature ?? envelope.nimbbl_signature;
  if (!signature) return err(proxyError("signature_missing", { log: { scheme: "v4" } }));
  const bytes = fromBase64(envelope.payload);
  if (!bytes) return err(invalid("v4", "payload_not_base64"));
  // Exact and constant-time, like every Nimbbl signature (verify.ts `signatureMatches`).
  if (!stringsEqual(await hmacHex(secret, bytes), signature)) return err(invalid("v4", "mac"));
  return ok(bytes);
}

const aesKeys = new Map<string, Promise<CryptoKey>>();

/** AES-256 key = SHA-256 of the access secret with its `access_secret_` prefix removed, one iteration (§1.3). */
function aesKey(secret: string): Promise<CryptoKey> {
  let key = aesKeys.get(secret);
  if (!key) {
    const bare = secret.startsWith(ACCESS_SECRET_PREFIX) ? secret.slice(ACCESS_SECRET_PREFIX.length) : secret;
    key = sha256(bare).then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]));
    if (aesKeys.size > 8) aesKeys.clear();
    aesKeys.set(secret, key);
  }
  return key;
}

/** An API answer as JSON: `{encrypted_response}` (a merchant with encryption on, §1.3) decrypted, anything else as is. */
export async function unseal(body: unknown, secret: string): Promise<Result<unknown, ProxyError>> {
  if (!isObject(body) || typeof body["encrypted_response"] !== "string") return ok(body);
  const plain = await decryptResponse(body["encrypted_response"], secret);
  return plain.ok ? parseJsonObject(plain.value) : plain;
}

/** Decrypts `hex(nonce[16] ‖ ciphertext ‖ tag[16])`; a wrong key or any altered byte fails the GCM tag. */
export async function decryptResponse(
  hex: string,
  secret: string,
): Promise<Result<Uint8Array<ArrayBuffer>, ProxyError>> {
  const bytes = fromHex(hex);
  if (!bytes || bytes.byteLength < NONCE_BYTES + TAG_BYTES) return err(invalid("encrypted", "not_hex"));
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, NONCE_BYTES), tagLength: TAG_BYTES * 8 },
      await aesKey(secret),
      bytes.subarray(NONCE_BYTES),
    );
    return ok(new Uint8Array(plain));
  } catch {
    return err(invalid("encrypted", "tag"));
  }
}
