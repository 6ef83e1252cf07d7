/**
 * Reads the deployment's settings once per `env` object and says what is wrong with them. Start-up never fails on
 * configuration: a gateway without its secrets is disabled, a malformed value is reported in one log line and by
 * `GET /healthz` (product.md §1).
 */
import { setting, type Env } from "./env";
import { parseLogLevel, type LogLevel } from "./core/log";

export interface Config {
  readonly publicBaseUrl: URL | null;
  readonly merchantReturnUrl: URL | null;
  readonly merchantWebhookUrl: URL | null;
  readonly apiKeys: readonly string[];
  /** Raw `whsec_…` keys in order; the first signs. */
  readonly merchantSecrets: readonly string[];
  readonly logLevel: LogLevel;
  /** Human-readable problems, by setting name. Never contains a secret's value. */
  readonly problems: readonly string[];
}

const cache = new WeakMap<Env, Config>();

export function loadConfig(env: Env): Config {
  let cfg = cache.get(env);
  if (!cfg) {
    cfg = readConfig(env);
    cache.set(env, cfg);
  }
  return cfg;
}

/** Parses an absolute http(s) URL setting, recording a problem when it is malformed. */
export function urlSetting(env: Env, name: Parameters<typeof setting>[1], problems: string[]): URL | null {
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

function readConfig(env: Env): Config {
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
    logLevel: parseLogLevel(setting(env, "LOG_LEVEL")),
    problems,
  };
}
