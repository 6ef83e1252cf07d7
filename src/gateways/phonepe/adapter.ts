/**
 * PhonePe PG v2 Standard Checkout (phonepe.md): OAuth tokens, pay / SDK order, Order Status, refunds, and the
 * callback and return legs. Amounts on the wire are paise (minor units).
 *
 * Where things are: settings in config.ts; callback and return verification in verify.ts; the S2S API in client.ts;
 * payloads in wire.ts; the state tables, callbacks and gateway facts in map.ts; the bound gateway in gateway.ts; and
 * the OAuth client-credentials token cache in token.ts (PhonePe authenticates S2S calls with it).
 */
import { disabled, missingSettings } from "../settings";
import type { GatewayAdapter, GatewaySetup } from "../types";
import { PHONEPE_REQUIRED_SETTINGS, phonepeSettings } from "./config";
import { phonepeGateway } from "./gateway";
import { mapOrderState } from "./map";
import { PHONEPE_ID_PATTERN } from "./wire";

export const phonepeAdapter: GatewayAdapter = {
  id: "phonepe",
  amountUnit: "minor",
  requiredSettings: PHONEPE_REQUIRED_SETTINGS,
  needsReturnToken: true,
  pollWindowMs: 2 * 24 * 60 * 60 * 1000,
  configure(env, config): GatewaySetup {
    const missing = missingSettings(env, this.requiredSettings);
    if (missing.length) return disabled(missing);
    const read = phonepeSettings(env, config);
    if ("problems" in read) return { state: "misconfigured", problems: read.problems };
    return { state: "enabled", gateway: phonepeGateway(read.settings) };
  },
  mapStatus: mapOrderState,
  isValidOrderId: (id) => PHONEPE_ID_PATTERN.test(id),
};
