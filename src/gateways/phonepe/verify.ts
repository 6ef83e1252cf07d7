/**
 * PhonePe's two inbound legs, verified without storage or network (style.md §8.1).
 *
 * - Callbacks (phonepe.md §5, §11): `Authorization` must be the hex SHA-256 of `username:password` (no scheme
 *   prefix to strip, no trimming; upper-case hex accepted, as the .NET SDK does), compared in constant time, as only
 *   the Go SDK does. Only the dashboard's Basic/SHA scheme is supported: HMAC's format is published nowhere. The header is a fixed credential: it covers no body, no timestamp, no
 *   nonce. A valid one only proves the sender knows the password, so the event stays a hint that the order's Durable
 *   Object confirms with Order Status / Refund Status before any final transition.
 * - Return redirect (phonepe.md §2 "Return to the merchant"): PhonePe signs nothing on it, so the only thing to verify
 *   is checkpost's own token `t` over the order id, minted when the order was created.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { sha256, stringsEqual, toHex } from "../../core/crypto";
import { err, ok, type Result } from "../../core/result";
import { verifyOrderToken, type TokenSecrets } from "../../core/signing";
import type { RawWebhook, ReturnInput, VerifiedReturn, WebhookEvent } from "../types";
import { callbackToEvent } from "./map";
import { PhonePeCallbackSchema, type PhonePeCallback } from "./wire";

/** The value PhonePe puts in `Authorization`: lower-case hex SHA-256 over the UTF-8 of `username:password`. */
export async function callbackAuthorization(username: string, password: string): Promise<string> {
  return toHex(await sha256(`${username}:${password}`));
}

/**
 * The hint logged when `Authorization` cannot be the SHA scheme's digest: the webhook was probably created with
 * PhonePe's HMAC authentication, whose header and signed string are published nowhere (phonepe.md §11).
 */
export const SHA_SCHEME_HINT =
  "PhonePe sends a SHA-256 hex digest only under Basic (username/password, SHA) webhook auth: recreate it so, not HMAC";

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/**
 * Whether the header is the expected digest. Upper-case hex is accepted (the .NET SDK compares case-insensitively,
 * phonepe.md §11): it is the same digest, so accepting it costs no security and loses no callback. Anything that
 * cannot be a SHA-256 hex digest is refused before any comparison, with the SHA-scheme hint in the log; both sides of
 * `timingSafeEqual` are then 64 characters, so the length check reveals only what is public.
 */
export function checkCallbackAuthorization(header: string | null, expected: string): Result<null, ProxyError> {
  const log = { check: "authorization", hint: SHA_SCHEME_HINT };
  if (header === null || header === "") return err(proxyError("signature_missing", { log }));
  if (!HEX_DIGEST.test(header)) return err(proxyError("signature_unsupported", { log }));
  if (!stringsEqual(header.toLowerCase(), expected)) {
    return err(proxyError("signature_invalid", { log: { check: "authorization" } }));
  }
  return ok(null);
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Strict UTF-8, then JSON, then the callback shape; any failure is a 400 that names no value from the body. */
export function parseCallback(bytes: Uint8Array): Result<PhonePeCallback, ProxyError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    return err(proxyError("malformed_body", { detail: "the body is not JSON", log: { cause: "not_json" } }));
  }
  const callback = PhonePeCallbackSchema().safeParse(parsed);
  if (!callback.success) {
    return err(proxyError("malformed_body", { detail: "the body is not a PhonePe callback", log: { cause: "shape" } }));
  }
  return ok(callback.data);
}

/** Authenticates a callback from its headers, then translates its raw bytes. */
export function verifyCallback(raw: RawWebhook, expectedAuthorization: string): Result<WebhookEvent, ProxyError> {
  const auth = checkCallbackAuthorization(raw.headers.get("authorization"), expectedAuthorization);
  if (!auth.ok) return auth;
  const callback = parseCallback(raw.bytes);
  if (!callback.ok) return callback;
  return callbackToEvent(callback.value);
}

/**
 * `GET /return/phonepe?order_id=…&t=…`: `t` must be checkpost's `return` token for this order under one of the
 * `CHECKPOST_SECRET` keys. A missing or wrong token is `return_token_invalid` (401 `invalid_signature`). Without a
 * usable `CHECKPOST_SECRET` no token can be checked, so the leg is off: 404 `gateway_not_configured`, not a 401
 * that would blame the customer's link.
 */
export async function verifyReturnToken(
  input: ReturnInput,
  tokenSecrets: TokenSecrets,
): Promise<Result<VerifiedReturn, ProxyError>> {
  if (!tokenSecrets.length) {
    return err(
      proxyError("gateway_not_configured", {
        detail: "PhonePe return legs are off: CHECKPOST_SECRET is not set",
        log: { cause: "checkpost_secret_missing" },
      }),
    );
  }
  const orderId = input.url.searchParams.get("order_id");
  const token = input.url.searchParams.get("t");
  if (!orderId || !token) return err(proxyError("return_token_invalid", { log: { cause: "missing" } }));
  if (!(await verifyOrderToken(tokenSecrets, "return", "phonepe", orderId, token))) {
    return err(proxyError("return_token_invalid", { log: { cause: "mismatch" } }));
  }
  // The v2 redirect carries no status of PhonePe's (phonepe.md §2), so there is no browser hint to record.
  return ok({ orderId, gatewayStatus: null });
}
