/**
 * Juspay / HDFC SmartGateway (juspay.md). Amounts on the wire are rupees (major units).
 *
 * Where things are: settings in config.ts; return and webhook verification in verify.ts; the S2S API in client.ts;
 * payloads in wire.ts; the status table, gateway facts and webhook events in map.ts; the bound gateway in
 * gateway.ts; and, Juspay's alone, RSA signing for HyperSDK in sdk.ts. Juspay's own routes (`/handleJuspayResponse`,
 * update order, mandates, HyperSDK signing) are HTTP: `http/routes/juspay.ts`, with their schemas in
 * `http/routes/juspay-schemas.ts`.
 */
import type { GatewayAdapter } from "../types";
import { JUSPAY_REQUIRED_SETTINGS, juspaySetup } from "./config";
import { juspayGateway } from "./gateway";
import { mapJuspayStatus } from "./map";
import { JUSPAY_ORDER_ID } from "./wire";

export const juspayAdapter: GatewayAdapter = {
  id: "juspay",
  amountUnit: "major",
  requiredSettings: JUSPAY_REQUIRED_SETTINGS,
  // Juspay signs its own redirect (juspay.md §3): no token of checkpost's is needed.
  needsReturnToken: false,
  // A failed transaction can still turn CHARGED (conflicted transaction; auto-refund after ~10 minutes by default),
  // pre-auth holds wait for capture, and retries on the same order id are possible (juspay.md §4): two days of polls.
  pollWindowMs: 2 * 24 * 60 * 60 * 1000,
  configure(env) {
    const setup = juspaySetup(env);
    if (setup.state !== "enabled") return setup;
    return { state: "enabled", gateway: juspayGateway(setup.settings) };
  },
  mapStatus: mapJuspayStatus,
  isValidOrderId: (id) => JUSPAY_ORDER_ID.test(id),
};
