/**
 * Nimbbl v3 settings (product.md §1): the required ones (the gateway is disabled without them) and the typed
 * settings, or the problem that makes the gateway `misconfigured` (a malformed base URL, reported by `/healthz`).
 */
import { setting, type SettingName, type Settings } from "../../settings";
import { baseUrlSetting } from "../settings";

export const NIMBBL_REQUIRED_SETTINGS = [
  "NIMBBL_BASE_URL",
  "NIMBBL_ACCESS_KEY",
  "NIMBBL_ACCESS_SECRET",
] as const satisfies readonly SettingName[];

export interface NimbblSettings {
  readonly baseUrl: string;
  readonly accessKey: string;
  readonly accessSecret: string;
}

/** Reads the settings, once their presence is checked (`NIMBBL_REQUIRED_SETTINGS`). */
export function nimbblSettings(env: Settings): { settings: NimbblSettings } | { problems: string[] } {
  const base = baseUrlSetting(env, "NIMBBL_BASE_URL");
  if ("problem" in base) return { problems: [base.problem] };
  return {
    settings: {
      baseUrl: base.url,
      accessKey: setting(env, "NIMBBL_ACCESS_KEY") ?? "",
      accessSecret: setting(env, "NIMBBL_ACCESS_SECRET") ?? "",
    },
  };
}
