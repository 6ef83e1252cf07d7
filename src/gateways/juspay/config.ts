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
 * - `JUSPAY_AUTH_MODE` (product.md §1, juspay.md §8): `basic` (default) needs `JUSPAY_API_KEY`; `jose` needs
 *   `JUSPAY_JWT_KEY_ID` + both PEMs instead, and `JUSPAY_API_KEY` is optional (calls with no `/v4` form use Basic
 *   when it is set: client.ts). Any other mode, or a PEM that is not an RSA key of the right kind, makes Juspay
 *   `misconfigured`; the problem names the setting, never the key. The PEM check here is synchronous and cheap
 *   (armour, base64, the rsaEncryption OID in the DER): WebCrypto's import is async, so it runs once per isolate on
 *   the first call (jose.ts), and a key that still fails there answers `gateway_not_configured`.
 */
import { setting, type SettingName, type Settings } from "../../settings";
import { baseUrlSetting, missingSettings } from "../settings";
import { pemDer } from "./sdk";

export const JUSPAY_REQUIRED_SETTINGS = [
  "JUSPAY_BASE_URL",
  "JUSPAY_MERCHANT_ID",
  "JUSPAY_API_KEY",
  "JUSPAY_RESPONSE_KEY",
  "JUSPAY_WEBHOOK_USERNAME",
  "JUSPAY_WEBHOOK_PASSWORD",
] as const satisfies readonly SettingName[];

/** What `jose` mode needs instead of `JUSPAY_API_KEY`. */
export const JUSPAY_JOSE_SETTINGS = [
  "JUSPAY_JWT_KEY_ID",
  "JUSPAY_JWT_PRIVATE_KEY",
  "JUSPAY_JWT_PUBLIC_KEY",
] as const satisfies readonly SettingName[];

/** The HDFC Node kit's pinned version; the same value as `JUSPAY_API_VERSION` in wrangler.toml. */
export const DEFAULT_API_VERSION = "2024-06-24";

export interface JuspaySdkSettings {
  readonly keyId: string;
  /** The merchant's RSA private key, PKCS#8 PEM. A secret: never logged. */
  readonly signingKeyPem: string;
}

/** JOSE mode's keys (juspay.md §8). Both PEMs are secrets: never logged. */
export interface JuspayJoseSettings {
  /** The key UUID from the dashboard (Security → JWT): `kid` in both protected headers. */
  readonly keyId: string;
  /** The merchant's RSA private key, PKCS#8 PEM: signs requests, decrypts answers. */
  readonly privateKeyPem: string;
  /** Juspay's RSA public key, SPKI PEM: requests are encrypted to it, answers verified with it. */
  readonly publicKeyPem: string;
}

export interface JuspaySettings {
  /** Absolute, no trailing slash, e.g. `https://smartgateway.hdfcuat.bank.in`. */
  readonly baseUrl: string;
  readonly merchantId: string;
  /** Basic auth's username; "" when unset (possible only in `jose` mode). */
  readonly apiKey: string;
  /** Set in `jose` mode: calls with a `/v4` form are sent encrypted and signed, without Authorization. */
  readonly jose?: JuspayJoseSettings | null;
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

/** An RSA key's DER holds the rsaEncryption OID 1.2.840.113549.1.1.1 (RFC 8017 A.1) near its start. */
const RSA_OID = "06092a864886f70d010101";
function rsaPemProblem(env: Settings, name: SettingName, label: "PRIVATE KEY" | "PUBLIC KEY"): string | null {
  const der = pemDer(setting(env, name) ?? "", label);
  const head = der ? Array.from(der.subarray(0, 32), (b) => b.toString(16).padStart(2, "0")).join("") : "";
  if (head.includes(RSA_OID)) return null;
  const form = label === "PRIVATE KEY" ? "PKCS#8" : "SPKI";
  return `${name} must be an RSA ${form} PEM (-----BEGIN ${label}-----)`;
}

function readSetup(env: Settings): JuspaySetup {
  const mode = setting(env, "JUSPAY_AUTH_MODE") ?? "basic";
  const jose = mode === "jose";
  const required = [
    ...JUSPAY_REQUIRED_SETTINGS.filter((n) => !jose || n !== "JUSPAY_API_KEY"),
    ...(jose ? JUSPAY_JOSE_SETTINGS : []),
  ];
  const missing = missingSettings(env, required);
  if (missing.length && (mode === "basic" || jose)) return { state: "disabled", missing };
  const problems: string[] = [];
  if (!jose && mode !== "basic") problems.push("JUSPAY_AUTH_MODE must be basic or jose");
  if (jose) {
    const bad = [
      rsaPemProblem(env, "JUSPAY_JWT_PRIVATE_KEY", "PRIVATE KEY"),
      rsaPemProblem(env, "JUSPAY_JWT_PUBLIC_KEY", "PUBLIC KEY"),
    ];
    problems.push(...bad.filter((p) => p !== null));
  }
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
      jose: jose
        ? {
            keyId: setting(env, "JUSPAY_JWT_KEY_ID") ?? "",
            privateKeyPem: setting(env, "JUSPAY_JWT_PRIVATE_KEY") ?? "",
            publicKeyPem: setting(env, "JUSPAY_JWT_PUBLIC_KEY") ?? "",
          }
        : null,
      responseKey: setting(env, "JUSPAY_RESPONSE_KEY") ?? "",
      webhookUsername: setting(env, "JUSPAY_WEBHOOK_USERNAME") ?? "",
      webhookPassword: setting(env, "JUSPAY_WEBHOOK_PASSWORD") ?? "",
      apiVersion,
      paymentPageClientId: setting(env, "JUSPAY_PAYMENT_PAGE_CLIENT_ID") ?? null,
      sdk: keyId && pem ? { keyId, signingKeyPem: pem } : null,
    },
  };
}
