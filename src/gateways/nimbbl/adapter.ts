/** Nimbbl v3: skeleton until its issue lands. Settings and amount unit are declared; operations answer 501. */
import { disabled, missingSettings } from "../settings";
import { notImplementedGateway } from "../skeleton";
import type { GatewayAdapter } from "../types";

export const nimbblAdapter: GatewayAdapter = {
  id: "nimbbl",
  amountUnit: "major",
  requiredSettings: ["NIMBBL_BASE_URL", "NIMBBL_ACCESS_KEY", "NIMBBL_ACCESS_SECRET"],
  pollWindowMs: 6 * 24 * 60 * 60 * 1000,
  configure(env) {
    const missing = missingSettings(env, this.requiredSettings);
    if (missing.length) return disabled(missing);
    return { state: "enabled", gateway: notImplementedGateway };
  },
  mapStatus: () => "pending",
  isValidOrderId: (id) => /^[A-Za-z0-9_-]{1,63}$/.test(id),
};
