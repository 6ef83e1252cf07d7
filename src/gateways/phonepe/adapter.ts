/** PhonePe PG v2: skeleton until its issue lands. Settings and amount unit are declared; operations answer 501. */
import { disabled, missingSettings } from "../settings";
import { notImplementedGateway } from "../skeleton";
import type { GatewayAdapter } from "../types";

export const phonepeAdapter: GatewayAdapter = {
  id: "phonepe",
  amountUnit: "minor",
  requiredSettings: [
    "PHONEPE_BASE_URL",
    "PHONEPE_AUTH_URL",
    "PHONEPE_CLIENT_ID",
    "PHONEPE_CLIENT_SECRET",
    "PHONEPE_CLIENT_VERSION",
    "PHONEPE_WEBHOOK_USERNAME",
    "PHONEPE_WEBHOOK_PASSWORD",
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
