/**
 * Pure verifiers for what Juspay sends checkpost: the signed return redirect (juspay.md §3.4) and the Basic-auth
 * webhook (§7), each with the entry point the bound gateway calls (`verifyReturnLeg`, `verifyJuspayWebhook`). No
 * storage, no network, no clock; WebCrypto only.
 */
import { fromBase64, hmacSha256, secretsEqual, stringsEqual, toBase64, utf8 } from "../../core/crypto";
import { proxyError, type ProxyError, fieldError } from "../../core/errors";
import { err, ok, type Result } from "../../core/result";
import { decodeUtf8, parseJsonBody } from "../../core/body";
import type { RawWebhook, ReturnInput, VerifiedReturn, WebhookEvent } from "../types";
import { toWebhookEvent } from "./map";
import { JuspayWebhookSchema } from "./wire";

export const SIGNATURE_ALGORITHM = "HMAC-SHA256";

/** Bytes Java's `URLEncoder` keeps as they are: `A-Z a-z 0-9 . - * _`. */
function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2e ||
    byte === 0x2d ||
    byte === 0x2a ||
    byte === 0x5f
  );
}

const HEX = "0123456789ABCDEF";

/**
 * Java `URLEncoder.encode(s, "UTF-8")` (juspay.md §3.4 step 3): UTF-8 bytes; `A-Z a-z 0-9 . - * _` kept; space → `+`;
 * every other byte → `%XX` with uppercase hex. This is what Juspay's reference verifier uses, so `~`, `!'()` are
 * escaped and a space becomes `+` (where RFC 3986 encoders differ; §3.3).
 */
export function javaUrlEncode(text: string): string {
  // ASCII code units are their own UTF-8 bytes, so encoding starts only at the first non-ASCII one (return
  // parameters are almost always ASCII, and a TextEncoder call per parameter was a fifth of this verifier's time).
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) {
      for (const byte of utf8(text.slice(i))) out += encodeByte(byte);
      return out;
    }
    out += encodeByte(code);
  }
  return out;
}

function encodeByte(byte: number): string {
  if (isUnreserved(byte)) return String.fromCharCode(byte);
  if (byte === 0x20) return "+";
  return `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

/**
 * The string Juspay HMACs (§3.2 steps 1-5): every parameter but `signature` and `signature_algorithm`, each pair
 * written `enc(k)=enc(v)`, sorted by the encoded key (byte order; encoded keys are ASCII, so code-unit order is byte
 * order), joined with `&`, and the whole string encoded once more.
 */
export function returnSigningString(params: readonly (readonly [string, string])[]): string {
  const pairs = params
    .filter(([k]) => k !== "signature" && k !== "signature_algorithm")
    .map(([k, v]) => [javaUrlEncode(k), javaUrlEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return javaUrlEncode(pairs.map(([k, v]) => `${k}=${v}`).join("&"));
}

/** Base64 (standard alphabet, padded) of HMAC-SHA256 keyed by the Response Key's UTF-8 bytes, as-is (§3.2). */
export async function returnSignature(
  params: readonly (readonly [string, string])[],
  responseKey: string,
): Promise<string> {
  return toBase64(await hmacSha256(responseKey, returnSigningString(params)));
}

export interface JuspayReturnParams {
  readonly orderId: string | null;
  readonly status: string | null;
}

/**
 * Verifies a decoded return parameter list (§3.4 steps 2-5). Rejects: no `signature`; any repeated key (undefined by
 * the spec, so never guessed at); a `signature_algorithm` other than HMAC-SHA256; a signature that is not the HMAC.
 * The received signature is percent-decoded once more (`decodeURIComponent`, `+` stays literal), so a signature sent
 * single-encoded and one sent double-encoded (the docs' sample) both verify.
 */
export async function verifyReturnParams(
  params: readonly (readonly [string, string])[],
  responseKey: string,
): Promise<Result<JuspayReturnParams, ProxyError>> {
  const seen = new Set<string>();
  for (const [key] of params) {
    if (seen.has(key)) return err(proxyError("signature_invalid", { log: { cause: "duplicate_parameter" } }));
    seen.add(key);
  }
  const get = (name: string) => params.find(([k]) => k === name)?.[1] ?? null;
  const received = get("signature");
  if (received === null || received === "") return err(proxyError("signature_missing"));
  const algorithm = get("signature_algorithm");
  if (algorithm !== null && algorithm !== SIGNATURE_ALGORITHM) {
    return err(proxyError("signature_unsupported", { log: { cause: "signature_algorithm" } }));
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(received);
  } catch {
    return err(proxyError("signature_invalid", { log: { cause: "signature_not_percent_decodable" } }));
  }
  const expected = await returnSignature(params, responseKey);
  // Constant time over the 44-character base64 (only the public length can leak).
  if (!stringsEqual(expected, decoded)) return err(proxyError("signature_invalid", { log: { cause: "mismatch" } }));
  return ok({ orderId: get("order_id"), status: get("status") });
}

/**
 * The return leg's parameters, decoded exactly once with `application/x-www-form-urlencoded` rules (URLSearchParams):
 * the query string on GET, the form body on POST (§3.1: POST can be enabled on request).
 */
export function returnParams(input: ReturnInput): Result<[string, string][], ProxyError> {
  if (input.method === "GET") return ok([...new URLSearchParams(input.url.search)]);
  const type = (input.contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return err(proxyError("unsupported_media_type"));
  const text = decodeUtf8(input.body);
  if (!text.ok) return text;
  return ok([...new URLSearchParams(text.value)]);
}

export async function verifyJuspayReturn(
  input: ReturnInput,
  responseKey: string,
): Promise<Result<JuspayReturnParams, ProxyError>> {
  const params = returnParams(input);
  if (!params.ok) return params;
  return verifyReturnParams(params.value, responseKey);
}

/** The return leg as the generic route takes it: a verified redirect that names its order. */
export async function verifyReturnLeg(
  input: ReturnInput,
  responseKey: string,
): Promise<Result<VerifiedReturn, ProxyError>> {
  const verified = await verifyJuspayReturn(input, responseKey);
  if (!verified.ok) return verified;
  const { orderId, status } = verified.value;
  if (!orderId) {
    return err(fieldError("order_id", "missing"));
  }
  return ok({ orderId, gatewayStatus: status });
}

/**
 * Juspay webhooks carry only HTTP Basic credentials (§7: no body signature). Both the username and the password are
 * always compared, each in constant time over SHA-256 digests, so neither their values nor their lengths leak.
 */
export async function verifyWebhookAuth(
  authorization: string | null,
  username: string,
  password: string,
): Promise<Result<null, ProxyError>> {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) return err(proxyError("credentials_invalid", { log: { cause: "no_basic_credentials" } }));
  const bytes = fromBase64(match[1]);
  const text = bytes ? decodeUtf8(bytes) : null;
  if (!text?.ok) return err(proxyError("credentials_invalid", { log: { cause: "malformed_basic_credentials" } }));
  const decoded = text.value;
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const pass = colon < 0 ? "" : decoded.slice(colon + 1);
  const [userOk, passOk] = await Promise.all([secretsEqual(user, username), secretsEqual(pass, password)]);
  if (!(userOk && passOk) || colon < 0) return err(proxyError("credentials_invalid", { log: { cause: "mismatch" } }));
  return ok(null);
}

/** A webhook: its Basic credentials first, then its JSON payload, translated (still a hint; see map.ts). */
export async function verifyJuspayWebhook(
  raw: RawWebhook,
  username: string,
  password: string,
): Promise<Result<WebhookEvent, ProxyError>> {
  const auth = await verifyWebhookAuth(raw.headers.get("authorization"), username, password);
  if (!auth.ok) return auth;
  const body = parseJsonBody(raw.bytes);
  if (!body.ok) return body;
  const payload = JuspayWebhookSchema().safeParse(body.value);
  if (!payload.success) {
    const fields = payload.error.issues.slice(0, 10).map((i) => ({
      path: i.path.map(String).join(".") || "(body)",
      message: i.message,
    }));
    return err(proxyError("malformed_body", { detail: "not a Juspay webhook payload", fields }));
  }
  return ok(toWebhookEvent(payload.data));
}
