/**
 * PhonePe OAuth client-credentials tokens (phonepe.md §1): `POST {PHONEPE_AUTH_URL}/v1/oauth/token`, form-encoded.
 *
 * Caching, after the SDK's rules but not its bugs:
 * - A token is reused only before its half-life, `now < issued_at + (expires_at - issued_at) / 2` (seconds), as the
 *   SDK does; after that the next call fetches a new one first.
 * - The cache is keyed by `(auth URL, client_id, client_version)`, never process-wide as the SDK's static field is:
 *   one deployment may be pointed at several credentials (and tests do exactly that). The key is a SHA-256 of the
 *   tuple, so no credential is ever part of a KV key; the client secret is not in the tuple at all.
 * - Concurrent callers in one isolate share one fetch (single flight), as the SDK's mutex does.
 * - If a refresh fails while an unexpired token is cached, that token is still used (the SDK does the same); with
 *   nothing usable the error propagates.
 * - After a PG call answers 401, `refresh(rejected)` drops that token and fetches a new one (the caller retries once).
 *
 * Two layers: isolate memory, then KV (`tok:phonepe:<sha256 hex>` → `{access_token, issued_at, expires_at}`).
 * KV is only a cache and is eventually consistent: another location may read an older token for up to a minute, or
 * miss a newer one and fetch its own. Both are safe: PhonePe accepts any unexpired token it issued, a token read from
 * KV is checked against its own half-life before use, and a token PhonePe refuses costs one 401 and one refresh.
 * Nothing about whether a payment happened is ever decided from KV (product.md §3).
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { sha256, toHex } from "../../core/crypto";
import { err, ok, type Result } from "../../core/result";
import { callGateway } from "../http";
import { remember, singleFlight, tokenKv } from "../token-cache";
import type { GatewayIO } from "../types";
import { phonepeErrorCode, PhonePeTokenResponseSchema } from "./wire";

export const TOKEN_KV_PREFIX = "tok:phonepe:";
/** KV refuses an expiration less than 60 s ahead. */
const KV_MIN_TTL_SECONDS = 60;

export interface PhonePeCredentials {
  readonly authUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientVersion: string;
}

export interface PhonePeToken {
  readonly accessToken: string;
  /** Epoch seconds, as PhonePe reports them. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface TokenSource {
  /** A token to use now: cached while before its half-life, else freshly fetched. */
  get(io: GatewayIO): Promise<Result<string, ProxyError>>;
  /** A token other than `rejected`, which a PG call just answered 401 to. */
  refresh(io: GatewayIO, rejected: string): Promise<Result<string, ProxyError>>;
}

const memory = new Map<string, PhonePeToken>();
const inflight = new Map<string, Promise<Result<PhonePeToken, ProxyError>>>();

/** `tok:phonepe:` + lower-case hex SHA-256 of the tuple, newline-joined (none of the parts can hold a newline). */
export async function tokenCacheKey(credentials: PhonePeCredentials): Promise<string> {
  const tuple = [credentials.authUrl, credentials.clientId, credentials.clientVersion].join("\n");
  return TOKEN_KV_PREFIX + toHex(await sha256(tuple));
}

/** Before half-life (phonepe.md §1, "When it reuses a token"). */
export function isFresh(token: PhonePeToken, nowSeconds: number): boolean {
  return nowSeconds < token.issuedAt + (token.expiresAt - token.issuedAt) / 2;
}

function isUnexpired(token: PhonePeToken, nowSeconds: number): boolean {
  return nowSeconds < token.expiresAt;
}

export function createTokenSource(credentials: PhonePeCredentials, timeoutMs?: number): TokenSource {
  let keyPromise: Promise<string> | null = null;
  const cacheKey = () => (keyPromise ??= tokenCacheKey(credentials));

  /** Joins the fetch in flight for this key, or starts one. */
  const shared = (key: string, io: GatewayIO, rejected: string | null) =>
    singleFlight(inflight, key, () => obtain(key, credentials, io, rejected, timeoutMs));

  return {
    async get(io) {
      const key = await cacheKey();
      const cached = memory.get(key);
      if (cached && isFresh(cached, io.now() / 1000)) return ok(cached.accessToken);
      const token = await shared(key, io, null);
      return token.ok ? ok(token.value.accessToken) : token;
    },
    async refresh(io, rejected) {
      const key = await cacheKey();
      const cached = memory.get(key);
      if (cached && cached.accessToken !== rejected && isFresh(cached, io.now() / 1000)) return ok(cached.accessToken);
      if (cached?.accessToken === rejected) memory.delete(key);
      let token = await shared(key, io, rejected);
      // A fetch that was already running when the 401 came may have handed back the rejected token (from KV).
      if (token.ok && token.value.accessToken === rejected) token = await shared(key, io, rejected);
      return token.ok ? ok(token.value.accessToken) : token;
    },
  };
}

/** KV first (another isolate may have fetched already), then PhonePe; the result goes to memory and KV. */
async function obtain(
  key: string,
  credentials: PhonePeCredentials,
  io: GatewayIO,
  rejected: string | null,
  timeoutMs: number | undefined,
): Promise<Result<PhonePeToken, ProxyError>> {
  const stale = memory.get(key);
  const shared = await readKv(io, key);
  if (shared && shared.accessToken !== rejected && isFresh(shared, io.now() / 1000)) {
    remember(memory, key, shared);
    return ok(shared);
  }
  const fetched = await fetchToken(credentials, io, timeoutMs);
  if (!fetched.ok) {
    if (stale && stale.accessToken !== rejected && isUnexpired(stale, io.now() / 1000)) {
      io.log.warn("phonepe token refresh failed, using the cached token until it expires", {
        reason: fetched.error.reason,
      });
      return ok(stale);
    }
    return fetched;
  }
  remember(memory, key, fetched.value);
  await writeKv(io, key, fetched.value);
  return fetched;
}

async function fetchToken(
  credentials: PhonePeCredentials,
  io: GatewayIO,
  timeoutMs: number | undefined,
): Promise<Result<PhonePeToken, ProxyError>> {
  // Field order as the SDK sends it (phonepe.md §1, "What the SDK sends").
  const form = new URLSearchParams({
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    client_version: credentials.clientVersion,
    grant_type: "client_credentials",
  });
  const reply = await callGateway(io, {
    gateway: "phonepe",
    operation: "oauth_token",
    method: "POST",
    url: `${credentials.authUrl}/v1/oauth/token`,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: form.toString(),
    // Asking for a token twice only issues two tokens, both valid.
    idempotent: true,
    errorCode: phonepeErrorCode,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  if (!reply.ok) return reply;
  const parsed = PhonePeTokenResponseSchema().safeParse(reply.value.body);
  const nowSeconds = io.now() / 1000;
  if (!parsed.success) return err(badToken("shape"));
  const issuedAt = parsed.data.issued_at ?? Math.floor(nowSeconds);
  if (parsed.data.expires_at <= issuedAt) return err(badToken("expiry"));
  return ok({ accessToken: parsed.data.access_token, issuedAt, expiresAt: parsed.data.expires_at });
}

function badToken(cause: string): ProxyError {
  return proxyError("gateway_bad_response", { log: { gateway: "phonepe", operation: "oauth_token", cause } });
}

async function readKv(io: GatewayIO, key: string): Promise<PhonePeToken | null> {
  const value = await tokenKv(io, "phonepe", "read", (kv) =>
    kv.get<{ access_token?: unknown; issued_at?: unknown; expires_at?: unknown }>(key, "json"),
  );
  return value &&
    typeof value.access_token === "string" &&
    typeof value.issued_at === "number" &&
    typeof value.expires_at === "number"
    ? { accessToken: value.access_token, issuedAt: value.issued_at, expiresAt: value.expires_at }
    : null;
}

/** Best effort: a failed write (e.g. KV's one-write-per-second-per-key limit) only costs another isolate a fetch. */
async function writeKv(io: GatewayIO, key: string, token: PhonePeToken): Promise<void> {
  const ttl = Math.floor(token.expiresAt - io.now() / 1000);
  if (ttl < KV_MIN_TTL_SECONDS) return;
  const value = JSON.stringify({
    access_token: token.accessToken,
    issued_at: token.issuedAt,
    expires_at: token.expiresAt,
  });
  await tokenKv(io, "phonepe", "write", (kv) => kv.put(key, value, { expirationTtl: ttl }));
}
