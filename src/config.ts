/**
 * Reads the deployment's settings once per `env` object and says what is wrong with them. Start-up never fails on
 * configuration: a gateway without its secrets is disabled, a malformed value is reported in one log line and by
 * `GET /healthz` (product.md §1).
 */
import { setting, type Settings } from "./settings";
import { LOG_LEVELS, parseLogLevel, type LogLevel } from "./core/log";
import { parsePublicRateLimit, type RateLimitTier } from "./core/rate-limit";
import { DEFAULT_MAX_REFUNDS } from "./core/refunds";
import { parseCheckpostSecret, type TokenSecrets } from "./core/signing";

export interface Config {
  readonly publicBaseUrl: URL | null;
  readonly merchantReturnUrl: URL | null;
  readonly merchantWebhookUrl: URL | null;
  readonly apiKeys: readonly string[];
  /** Raw `whsec_…` keys in order; the first signs. */
  readonly merchantSecrets: readonly string[];
  /** `CHECKPOST_SECRET`'s keys (checkpost's own tokens); empty: PhonePe return legs and the status page are off. */
  readonly tokenSecrets: TokenSecrets;
  readonly logLevel: LogLevel;
  /** `GATEWAY_TIMEOUT_MS`; null: `callGateway`'s default. */
  readonly gatewayTimeoutMs: number | null;
  /** `PUBLIC_RATE_LIMIT`: requests per minute per client address on the public routes (core/rate-limit.ts); null: off. */
  readonly publicRateLimit: RateLimitTier | null;
  /** `MAX_REFUNDS_PER_ORDER`: most refunds one order may have. */
  readonly maxRefundsPerOrder: number;
  /** `ALLOWED_ORIGINS`: browser origins that may call `/handleJuspayResponse` (CORS, http/cors.ts). */
  readonly allowedOrigins: readonly string[];
  /** Human-readable problems, by setting name. Never contains a secret's value. */
  readonly problems: readonly string[];
}

const cache = new WeakMap<Settings, Config>();

export function loadConfig(env: Settings): Config {
  let cfg = cache.get(env);
  if (!cfg) {
    cfg = readConfig(env);
    cache.set(env, cfg);
  }
  return cfg;
}

/** Parses an absolute http(s) URL setting, recording a problem when it is malformed. */
export function urlSetting(env: Settings, name: Parameters<typeof setting>[1], problems: string[]): URL | null {
  const raw = setting(env, name);
  if (raw === undefined) return null;
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("scheme");
    return url;
  } catch {
    problems.push(`${name} is not an absolute http(s) URL`);
    return null;
  }
}

export const MIN_GATEWAY_TIMEOUT_MS = 100;
export const MAX_GATEWAY_TIMEOUT_MS = 60_000;

/** `GATEWAY_TIMEOUT_MS`: an integer number of milliseconds in range, else a reported problem and the default. */
function timeoutSetting(env: Settings, problems: string[]): number | null {
  const raw = setting(env, "GATEWAY_TIMEOUT_MS");
  if (raw === undefined) return null;
  const ms = Number(raw);
  if (/^\d+$/.test(raw) && ms >= MIN_GATEWAY_TIMEOUT_MS && ms <= MAX_GATEWAY_TIMEOUT_MS) return ms;
  problems.push(
    `GATEWAY_TIMEOUT_MS is not an integer from ${MIN_GATEWAY_TIMEOUT_MS} to ${MAX_GATEWAY_TIMEOUT_MS}: using the default`,
  );
  return null;
}

function rateLimitSetting(env: Settings, problems: string[]): RateLimitTier | null {
  const parsed = parsePublicRateLimit(setting(env, "PUBLIC_RATE_LIMIT"));
  if (parsed.problem) problems.push(parsed.problem);
  return parsed.tier;
}

/** `CHECKPOST_SECRET`, or no keys and one problem line that says what is off (never the value). */
function tokenSecretsSetting(env: Settings, problems: string[]): TokenSecrets {
  const parsed = parseCheckpostSecret(setting(env, "CHECKPOST_SECRET") ?? "");
  if ("keys" in parsed) return parsed.keys;
  problems.push(`CHECKPOST_SECRET ${parsed.problem}: PhonePe return legs and the status page are off`);
  return [];
}

/** `LOG_LEVEL`: one of the levels, else a problem (and `info`). */
function logLevelSetting(env: Settings, problems: string[]): LogLevel {
  const raw = setting(env, "LOG_LEVEL");
  if (raw !== undefined && parseLogLevel(raw) !== raw)
    problems.push("LOG_LEVEL is not one of " + LOG_LEVELS.join(", ") + ": using info");
  return parseLogLevel(raw);
}

export const MAX_REFUNDS_LIMIT = 1000;

/** `MAX_REFUNDS_PER_ORDER`: an integer from 1 to 1000, else a problem (and the default). */
function maxRefundsSetting(env: Settings, problems: string[]): number {
  const raw = setting(env, "MAX_REFUNDS_PER_ORDER");
  if (raw === undefined) return DEFAULT_MAX_REFUNDS;
  const n = Number(raw);
  if (/^\d+$/.test(raw) && n >= 1 && n <= MAX_REFUNDS_LIMIT) return n;
  problems.push(`MAX_REFUNDS_PER_ORDER is not an integer from 1 to ${MAX_REFUNDS_LIMIT}: using ${DEFAULT_MAX_REFUNDS}`);
  return DEFAULT_MAX_REFUNDS;
}

/** `ALLOWED_ORIGINS`: comma-separated `scheme://host[:port]` origins; anything else is a problem and left out. */
function originsSetting(env: Settings, problems: string[]): string[] {
  const origins: string[] = [];
  for (const [i, raw] of (setting(env, "ALLOWED_ORIGINS") ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean)
    .entries()) {
    let origin: string | null = null;
    try {
      const url = new URL(raw);
      if (
        (url.protocol === "https:" || url.protocol === "http:") &&
        url.origin === raw.replace(/\/$/, "").toLowerCase()
      )
        origin = url.origin;
    } catch {
      origin = null;
    }
    if (origin) origins.push(origin);
    else problems.push(`ALLOWED_ORIGINS entry #${i + 1} is not an origin like https://shop.example: left out`);
  }
  return origins;
}

function readConfig(env: Settings): Config {
  const problems: string[] = [];
  const publicBaseUrl = urlSetting(env, "PUBLIC_BASE_URL", problems);
  if (!publicBaseUrl && !problems.length)
    problems.push("PUBLIC_BASE_URL is not set: gateways cannot be sent return URLs");
  const merchantSecrets = (setting(env, "MERCHANT_WEBHOOK_SECRET") ?? "").split(/\s+/).filter(Boolean);
  for (const [i, key] of merchantSecrets.entries()) {
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(key))
      problems.push(`MERCHANT_WEBHOOK_SECRET key #${i + 1} is not a whsec_<base64> key`);
  }
  return {
    publicBaseUrl,
    merchantReturnUrl: urlSetting(env, "MERCHANT_RETURN_URL", problems),
    merchantWebhookUrl: urlSetting(env, "MERCHANT_WEBHOOK_URL", problems),
    apiKeys: (setting(env, "PROXY_API_KEYS") ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
    merchantSecrets,
    tokenSecrets: tokenSecretsSetting(env, problems),
    logLevel: logLevelSetting(env, problems),
    gatewayTimeoutMs: timeoutSetting(env, problems),
    publicRateLimit: rateLimitSetting(env, problems),
    maxRefundsPerOrder: maxRefundsSetting(env, problems),
    allowedOrigins: originsSetting(env, problems),
    problems,
  };
}
