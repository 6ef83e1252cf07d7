/**
 * Nimbbl merchant tokens (nimbbl.md §3): `POST /v3/generate-token` with the access key and secret returns a JWT that
 * lives 20 minutes and a UTC `expires_at` without a zone suffix. Several tokens may be live at once, so caching is an
 * optimisation, never a correctness question: a token is cached per access key in isolate memory and in KV
 * (`tok:nimbbl:<sha256(access key)>`; neither the key nor the secret is ever part of a KV key or value), refreshed
 * three minutes before it expires (at 17 of 20 minutes), fetched once per isolate at a time (single-flight), and
 * dropped when the gateway answers 401/403 (the caller then retries once, as the .NET SDK does [S3]).
 *
 * KV is only a cache: a read, write or delete that throws (an outage, the one-write-per-second-per-key limit) is
 * logged and treated as a miss or a skipped write, never as a failed gateway call; the token is then fetched and
 * used from isolate memory, as PhonePe's token cache does (phonepe/token.ts).
 */
import * as z from "zod/mini";
import { once } from "../../core/once";
import { proxyError, type ProxyError } from "../../core/errors";
import { sha256, toHex } from "../../core/crypto";
import { err, ok, type Result } from "../../core/result";
import { callGateway } from "../http";
import { remember, singleFlight, tokenKv } from "../token-cache";
import type { GatewayIO } from "../types";
import type { NimbblSettings } from "./config";
import { unseal } from "./envelope";
import { NimbblTokenResponseSchema } from "./wire";

export const TOKEN_LIFETIME_MS = 20 * 60 * 1000;
export const TOKEN_REFRESH_MARGIN_MS = 3 * 60 * 1000;
export const TOKEN_KV_PREFIX = "tok:nimbbl:";
/** KV refuses an `expirationTtl` under 60 s. */
const MIN_KV_TTL_S = 60;

export interface CachedToken {
  readonly token: string;
  /** Epoch ms after which the token is not used for new calls. */
  readonly refreshAt: number;
  /** Epoch ms when Nimbbl stops accepting it. */
  readonly expiresAt: number;
}

const CachedTokenSchema = once(() =>
  z.object({
    token: z.string().check(z.minLength(1)),
    refreshAt: z.number(),
    expiresAt: z.number(),
  }),
);

const memory = new Map<string, CachedToken>();
const inflight = new Map<string, Promise<Result<CachedToken, ProxyError>>>();
/** The last token Nimbbl refused, per cache key: never taken back from KV, even if deleting it there failed. */
const refusedTokens = new Map<string, string>();

/** The KV key for an access key: a hash, so the key itself never appears in storage listings. */
export async function tokenCacheKey(accessKey: string): Promise<string> {
  return `${TOKEN_KV_PREFIX}${toHex(await sha256(`nimbbl:${accessKey}`)).slice(0, 40)}`;
}

/**
 * `expires_at` is UTC without a zone (`2021-01-09T09:49:57.715413`). The expiry used is the earlier of that and
 * 20 minutes from now, so a missing, unreadable or far-future value never keeps a token longer than Nimbbl does.
 */
export function tokenExpiry(expiresAt: string | undefined, now: number): number {
  const cap = now + TOKEN_LIFETIME_MS;
  if (!expiresAt) return cap;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,3})?\d*(Z|[+-]00:?00)?$/.exec(expiresAt);
  if (!m) return cap;
  const parsed = Date.parse(`${m[1]}${m[2] ?? ""}Z`);
  return Number.isFinite(parsed) ? Math.min(parsed, cap) : cap;
}

function usable(token: CachedToken | null | undefined, now: number): token is CachedToken {
  return token !== null && token !== undefined && now < token.refreshAt;
}

/** A token good for at least the refresh margin: memory, then KV, then Nimbbl. */
export async function getToken(settings: NimbblSettings, io: GatewayIO): Promise<Result<CachedToken, ProxyError>> {
  const cacheKey = await tokenCacheKey(settings.accessKey);
  const inMemory = memory.get(cacheKey);
  if (usable(inMemory, io.now())) return ok(inMemory);
  return singleFlight(inflight, cacheKey, () => loadOrGenerate(settings, io, cacheKey));
}

async function loadOrGenerate(
  settings: NimbblSettings,
  io: GatewayIO,
  cacheKey: string,
): Promise<Result<CachedToken, ProxyError>> {
  const stored = CachedTokenSchema().safeParse(await readKv(io, cacheKey));
  if (stored.success && usable(stored.data, io.now()) && stored.data.token !== refusedTokens.get(cacheKey)) {
    remember(memory, cacheKey, stored.data);
    return ok(stored.data);
  }
  const reply = await callGateway(io, {
    gateway: "nimbbl",
    operation: "generate_token",
    method: "POST",
    url: `${settings.baseUrl}/v3/generate-token`,
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ access_key: settings.accessKey, access_secret: settings.accessSecret }),
    // Several tokens may be live at once (§3): asking twice is harmless.
    idempotent: true,
  });
  if (!reply.ok) return reply;
  // A merchant with encrypted responses on gets this answer encrypted too (§1.3).
  const body = await unseal(reply.value.body, settings.accessSecret);
  const parsed = NimbblTokenResponseSchema().safeParse(body.ok ? body.value : null);
  if (!parsed.success) {
    return err(proxyError("gateway_bad_response", { log: { gateway: "nimbbl", operation: "generate_token" } }));
  }
  const now = io.now();
  const expiresAt = tokenExpiry(parsed.data.expires_at, now);
  const token: CachedToken = { token: parsed.data.token, expiresAt, refreshAt: expiresAt - TOKEN_REFRESH_MARGIN_MS };
  remember(memory, cacheKey, token);
  const ttl = Math.ceil((expiresAt - now) / 1000);
  // Best effort: a failed write only costs another isolate a token request.
  if (ttl >= MIN_KV_TTL_S) {
    await tokenKv(io, "nimbbl", "write", (kv) => kv.put(cacheKey, JSON.stringify(token), { expirationTtl: ttl }));
  }
  return ok(token);
}

/** What KV holds for the key, or null when it holds nothing or the read threw (logged: a miss, not a failure). */
function readKv(io: GatewayIO, cacheKey: string): Promise<unknown> {
  return tokenKv(io, "nimbbl", "read", (kv) => kv.get(cacheKey, "json"));
}

/** Forgets a token Nimbbl refused, unless another call already replaced it with a newer one. */
export async function dropToken(settings: NimbblSettings, io: GatewayIO, refused: string): Promise<void> {
  const cacheKey = await tokenCacheKey(settings.accessKey);
  if (memory.get(cacheKey)?.token === refused) memory.delete(cacheKey);
  remember(refusedTokens, cacheKey, refused);
  const stored = CachedTokenSchema().safeParse(await readKv(io, cacheKey));
  if (!stored.success || stored.data.token !== refused) return;
  // On failure this isolate skips it (`refusedTokens`); another may read it once, be refused too, and drop it itself.
  await tokenKv(io, "nimbbl", "delete", (kv) => kv.delete(cacheKey));
}
