/**
 * Opens the layers Nimbbl may wrap a response or event in (nimbbl.md §1.3, §2), outermost first:
 * `encrypted_response` (AES-256-GCM) → the v4 envelope (HMAC over the exact decoded bytes) → for the checkout
 * return only, a base64 `response` string and the checkout SDK's `{event_type, payload}` envelope.
 * Pure apart from WebCrypto. A layer that authenticates (decryption, v4 HMAC) marks the result `sealed`.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { fromBase64 } from "../../core/crypto";
import { err, ok, type Result } from "../../core/result";
import { decryptResponse, verifyV4Envelope } from "./verify";
import { NimbblV4EnvelopeSchema } from "./wire";

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
      const envelope = NimbblV4EnvelopeSchema.safeParse(event);
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
