/**
 * PhonePe PG v2 settings (product.md §1): the required ones (the gateway is disabled without them) and the typed
 * settings, or the problems that make the gateway `misconfigured` (malformed base URLs, reported by `/healthz`).
 */
import type { Config } from "../../config";
import type { TokenSecrets } from "../../core/signing";
import { setting, type SettingName, type Settings } from "../../settings";
import { baseUrlSetting } from "../settings";
import type { PhonePeCredentials } from "./token";

export const PHONEPE_REQUIRED_SETTINGS = [
  "PHONEPE_BASE_URL",
  "PHONEPE_AUTH_URL",
  "PHONEPE_CLIENT_ID",
  "PHONEPE_CLIENT_SECRET",
  "PHONEPE_CLIENT_VERSION",
  "PHONEPE_WEBHOOK_USERNAME",
  "PHONEPE_WEBHOOK_PASSWORD",
] as const satisfies readonly SettingName[];

export interface PhonePeSettings {
  readonly baseUrl: string;
  readonly credentials: PhonePeCredentials;
  readonly webhookUsername: string;
  readonly webhookPassword: string;
  /** `CHECKPOST_SECRET` keys, which mint and verify the return token `t`; empty: return legs are off. */
  readonly tokenSecrets: TokenSecrets;
}

/** Reads the settings; malformed base URLs make the gateway `misconfigured` (reported by `/healthz`). */
export function phonepeSettings(env: Settings, config: Config): { settings: PhonePeSettings } | { problems: string[] } {
  const base = baseUrlSetting(env, "PHONEPE_BASE_URL");
  const auth = baseUrlSetting(env, "PHONEPE_AUTH_URL");
  const problems = [base, auth].flatMap((s) => ("problem" in s ? [s.problem] : []));
  if (!("url" in base) || !("url" in auth)) return { problems };
  return {
    settings: {
      baseUrl: base.url,
      credentials: {
        authUrl: auth.url,
        clientId: setting(env, "PHONEPE_CLIENT_ID") ?? "",
        clientSecret: setting(env, "PHONEPE_CLIENT_SECRET") ?? "",
        clientVersion: setting(env, "PHONEPE_CLIENT_VERSION") ?? "",
      },
      webhookUsername: setting(env, "PHONEPE_WEBHOOK_USERNAME") ?? "",
      webhookPassword: setting(env, "PHONEPE_WEBHOOK_PASSWORD") ?? "",
      tokenSecrets: config.tokenSecrets,
    },
  };
}
