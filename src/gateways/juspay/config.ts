/**
 * Juspay / HDFC SmartGateway settings (product.md §1), read once per `env` object.
 *
 * - Required (the gateway is disabled without them): base URL, merchant id, API key, Response Key, webhook Basic
 *   credentials. A malformed base URL or API version makes the gateway `misconfigured` (reported by `/healthz`).
 * - `JUSPAY_API_VERSION` is pinned per deployment (juspay.md §2: the `version` header changes the response shape);
 *   when unset, `DEFAULT_API_VERSION` (the wrangler.toml default) is sent.
 * - `JUSPAY_PAYMENT_PAGE_CLIENT_ID` is needed only by the session API (`POST /v1/orders` without `register_only`).
 * - `JUSPAY_SDK_SIGNING_KEY` + `JUSPAY_SDK_KEY_ID` are needed only by the HyperSDK signing route; without them that
 *   route answers `404 gateway_not_configured` and everything else keeps working.
 */
import { setting, type SettingName, type Settings } from "../../settings";
import { baseUrlSetting, missingSettings } from "../settings";

export const JUSPAY_REQUIRED_SETTINGS = [
  "JUSPAY_BASE_URL",
  "JUSPAY_MERCHANT_ID",
  "JUSPAY_API_KEY",
  "JUSPAY_RESPONSE_KEY",
  "JUSPAY_WEBHOOK_USERNAME",
  "JUSPAY_WEBHOOK_PASSWORD",
] as const satisfies readonly SettingName[];

/** The HDFC Node kit's pinned version; the same value as `JUSPAY_API_VERSION` in wrangler.toml. */
export const DEFAULT_API_VERSION = "2024-06-24";

export interface JuspaySdkSettings {
  readonly keyId: string;
  /** The merchant's RSA private key, PKCS#8 PEM. A secret: never logged. */
  readonly signingKeyPem: string;
}

export interface JuspaySettings {
  /** Absolute, no trailing slash, e.g. `https://smartgateway.hdfcuat.bank.in`. */
  readonly baseUrl: string;
  readonly merchantId: string;
  readonly apiKey: string;
  readonly responseKey: string;
  readonly webhookUsername: string;
  readonly webhookPassword: string;
  readonly apiVersion: string;
  readonly paymentPageClientId: string | null;
  readonly sdk: JuspaySdkSettings | null;
}

export type JuspaySetup =
  | { readonly state: "disabled"; readonly missing: readonly SettingName[] }
  | { readonly state: "misconfigured"; readonly problems: readonly string[] }
  | { readonly state: "enabled"; readonly settings: JuspaySettings };

const cache = new WeakMap<Settings, JuspaySetup>();

export function juspaySetup(env: Settings): JuspaySetup {
  let setup = cache.get(env);
  if (!setup) {
    setup = readSetup(env);
    cache.set(env, setup);
  }
  return setup;
}

function readSetup(env: Settings): JuspaySetup {
  const missing = missingSettings(env, JUSPAY_REQUIRED_SETTINGS);
  if (missing.length) return { state: "disabled", missing };
  const problems: string[] = [];
  const base = baseUrlSetting(env, "JUSPAY_BASE_URL");
  if ("problem" in base) problems.push(base.problem);
  const apiVersion = setting(env, "JUSPAY_API_VERSION") ?? DEFAULT_API_VERSION;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(apiVersion)) problems.push("JUSPAY_API_VERSION must be a date, YYYY-MM-DD");
  if (problems.length || !("url" in base)) return { state: "misconfigured", problems };
  const keyId = setting(env, "JUSPAY_SDK_KEY_ID");
  const pem = setting(env, "JUSPAY_SDK_SIGNING_KEY");
  return {
    state: "enabled",
    settings: {
      baseUrl: base.url,
      merchantId: setting(env, "JUSPAY_MERCHANT_ID") ?? "",
      apiKey: setting(env, "JUSPAY_API_KEY") ?? "",
      responseKey: setting(env, "JUSPAY_RESPONSE_KEY") ?? "",
      webhookUsername: setting(env, "JUSPAY_WEBHOOK_USERNAME") ?? "",
      webhookPassword: setting(env, "JUSPAY_WEBHOOK_PASSWORD") ?? "",
      apiVersion,
      paymentPageClientId: setting(env, "JUSPAY_PAYMENT_PAGE_CLIENT_ID") ?? null,
      sdk: keyId && pem ? { keyId, signingKeyPem: pem } : null,
    },
  };
}
