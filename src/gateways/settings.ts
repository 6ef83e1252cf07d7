/** Helpers every adapter's `configure` uses to read its settings the same way. */
import { setting, type SettingName, type Settings } from "../settings";
import type { GatewaySetup } from "./types";

/** The required settings that are absent or blank. */
export function missingSettings(env: Settings, required: readonly SettingName[]): SettingName[] {
  return required.filter((name) => setting(env, name) === undefined);
}

/** An absolute http(s) base URL without a trailing slash, or a problem line naming the setting. */
export function baseUrlSetting(env: Settings, name: SettingName): { url: string } | { problem: string } {
  const raw = setting(env, name);
  if (raw === undefined) return { problem: `${name} is not set` };
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") return { problem: `${name} must be an http(s) URL` };
    if (url.search || url.hash) return { problem: `${name} must not carry a query or fragment` };
    return { url: url.toString().replace(/\/+$/, "") };
  } catch {
    return { problem: `${name} is not an absolute URL` };
  }
}

export function disabled(missing: readonly SettingName[]): GatewaySetup {
  return { state: "disabled", missing };
}
