/**
 * The deployment's vars and secrets (product.md §1), without the bindings: what `config.ts` and every gateway's
 * `config.ts` read. Vars come from `[vars]` in wrangler.toml, secrets from `wrangler secret put` or `.dev.vars`. An
 * empty string means "unset" everywhere: see `setting()`. `Env` (env.ts) is these plus the Durable Object and KV
 * bindings; this module imports nothing, so reading settings never depends on the storage layer.
 */
export interface Settings {
  PUBLIC_BASE_URL?: string;
  MERCHANT_RETURN_URL?: string;
  MERCHANT_WEBHOOK_URL?: string;
  /** Secret: comma-separated API keys for `/v1`. */
  PROXY_API_KEYS?: string;
  /** Secret: space-separated `whsec_…` keys; the first signs. */
  MERCHANT_WEBHOOK_SECRET?: string;
  /** Secret only checkpost holds: base64 of ≥ 32 random bytes (space-separated to rotate); keys its own tokens. */
  CHECKPOST_SECRET?: string;
  /** `debug | info | warn | error | silent`; `warn` turns per-request logging off (benchmarks). */
  LOG_LEVEL?: string;
  /** Most refunds one order may have (default 10). */
  MAX_REFUNDS_PER_ORDER?: string;
  /** Timeout of each outbound gateway call in milliseconds (default 10000; 100-60000). Tests set it low. */
  GATEWAY_TIMEOUT_MS?: string;
  /** Comma-separated browser origins (`https://shop.example`) allowed to call `/handleJuspayResponse` (CORS). */
  ALLOWED_ORIGINS?: string;
  /** Requests per minute per client IP on the return legs and `/handleJuspayResponse`: 30, 60 (default), 120, 300, 600 or off. */
  PUBLIC_RATE_LIMIT?: string;

  JUSPAY_BASE_URL?: string;
  JUSPAY_MERCHANT_ID?: string;
  JUSPAY_API_VERSION?: string;
  JUSPAY_PAYMENT_PAGE_CLIENT_ID?: string;
  JUSPAY_API_KEY?: string;
  JUSPAY_RESPONSE_KEY?: string;
  JUSPAY_WEBHOOK_USERNAME?: string;
  JUSPAY_WEBHOOK_PASSWORD?: string;
  JUSPAY_SDK_KEY_ID?: string;
  JUSPAY_SDK_SIGNING_KEY?: string;
  /** `basic` (default) or `jose` (juspay.md §8: S2S calls go to their `/v4` form, encrypted and signed). */
  JUSPAY_AUTH_MODE?: string;
  JUSPAY_JWT_KEY_ID?: string;
  /** Secret: the merchant's RSA private key, PKCS#8 PEM (jose mode). */
  JUSPAY_JWT_PRIVATE_KEY?: string;
  /** Secret: Juspay's RSA public key, SPKI PEM (jose mode). */
  JUSPAY_JWT_PUBLIC_KEY?: string;

  PHONEPE_BASE_URL?: string;
  PHONEPE_AUTH_URL?: string;
  PHONEPE_CLIENT_ID?: string;
  PHONEPE_CLIENT_SECRET?: string;
  PHONEPE_CLIENT_VERSION?: string;
  PHONEPE_WEBHOOK_USERNAME?: string;
  PHONEPE_WEBHOOK_PASSWORD?: string;

  NIMBBL_BASE_URL?: string;
  NIMBBL_ACCESS_KEY?: string;
  NIMBBL_ACCESS_SECRET?: string;
}

export type SettingName = keyof Settings;

/** A var or secret, trimmed; `undefined` when absent or blank. */
export function setting(settings: Settings, name: SettingName): string | undefined {
  const value = settings[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}
