/**
 * Nimbbl v3 (nimbbl.md): settings, and the operations bound to them. The pieces live next to this file:
 * `verify.ts` (pure signature schemes), `envelope.ts` (encrypted / v4 / SDK layers), `checkout.ts` (return leg),
 * `webhook.ts`, `map.ts` (status tables), `token.ts` + `client.ts` (authenticated calls), `orders.ts`, `refunds.ts`.
 */
import { disabled, baseUrlSetting, missingSettings } from "../settings";
import { setting } from "../../settings";
import type { ConfiguredGateway, GatewayAdapter } from "../types";
import { verifyCheckoutReturn } from "./checkout";
import { mapGatewayStatus } from "./map";
import { createNimbblOrder, fetchNimbblStatus } from "./orders";
import { nimbblRefundStatus, refundNimbbl } from "./refunds";
import type { TokenSettings } from "./token";
import { verifyNimbblWebhook } from "./webhook";

/**
 * Merchants choose an authorisation period of up to 5 days, during which a pending or failed payment may still
 * succeed (§4); a day more covers a late reversal and Nimbbl's webhook retries (~23 h).
 */
const POLL_WINDOW_MS = 6 * 24 * 60 * 60 * 1000;

function nimbblGateway(settings: TokenSettings, merchantSecrets: readonly string[]): ConfiguredGateway {
  return {
    verifyReturn: (input) => verifyCheckoutReturn(input, { accessSecret: settings.accessSecret, merchantSecrets }),
    verifyWebhook: (raw) => verifyNimbblWebhook(raw, settings.accessSecret),
    fetchStatus: (orderId, io) => fetchNimbblStatus(settings, orderId, io),
    createOrder: (input, io) => createNimbblOrder(settings, input, io),
    refund: (input, io) => refundNimbbl(settings, input, io),
    refundStatus: (lookup, io) => nimbblRefundStatus(settings, lookup, io),
  };
}

export const nimbblAdapter: GatewayAdapter = {
  id: "nimbbl",
  amountUnit: "major",
  requiredSettings: ["NIMBBL_BASE_URL", "NIMBBL_ACCESS_KEY", "NIMBBL_ACCESS_SECRET"],
  pollWindowMs: POLL_WINDOW_MS,
  configure(env, config) {
    const missing = missingSettings(env, this.requiredSettings);
    if (missing.length) return disabled(missing);
    const base = baseUrlSetting(env, "NIMBBL_BASE_URL");
    if ("problem" in base) return { state: "misconfigured", problems: [base.problem] };
    const settings: TokenSettings = {
      baseUrl: base.url,
      accessKey: setting(env, "NIMBBL_ACCESS_KEY") ?? "",
      accessSecret: setting(env, "NIMBBL_ACCESS_SECRET") ?? "",
    };
    return { state: "enabled", gateway: nimbblGateway(settings, config.merchantSecrets) };
  },
  mapStatus: mapGatewayStatus,
  isValidOrderId: (id) => /^[A-Za-z0-9_-]{1,63}$/.test(id),
};
