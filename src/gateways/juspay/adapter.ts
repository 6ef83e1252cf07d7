/** Juspay / HDFC SmartGateway: skeleton until its issue lands. Settings and amount unit are declared; operations answer 501. */
import { disabled, missingSettings } from "../settings";
import { notImplementedGateway } from "../skeleton";
import type { GatewayAdapter } from "../types";

export const juspayAdapter: GatewayAdapter = {
  id: "juspay",
  amountUnit: "major",
  requiredSettings: [
    "JUSPAY_BASE_URL",
    "JUSPAY_MERCHANT_ID",
    "JUSPAY_API_KEY",
    "JUSPAY_RESPONSE_KEY",
    "JUSPAY_WEBHOOK_USERNAME",
    "JUSPAY_WEBHOOK_PASSWORD",
  ],
  pollWindowMs: 2 * 24 * 60 * 60 * 1000,
  configure(env) {
    const missing = missingSettings(env, this.requiredSettings);
    if (missing.length) return disabled(missing);
    return { state: "enabled", gateway: notImplementedGateway };
  },
  mapStatus: () => "pending",
  isValidOrderId: (id) => /^[A-Za-z0-9_-]{1,63}$/.test(id),
};
