/**
 * Nimbbl v3 (nimbbl.md). Amounts on the wire are rupees with two decimals (major units).
 *
 * Where things are: settings in config.ts; return-leg and webhook verification (per-field and payment-link
 * signatures) in verify.ts; the S2S API in client.ts; payloads in wire.ts; the status tables, the enquiry snapshot
 * and webhook events in map.ts; the bound gateway in gateway.ts; the merchant token cache in token.ts; and, Nimbbl's
 * alone, the encrypted / v4 / checkout SDK layers around bodies, with their crypto, in envelope.ts.
 */
import { disabled, missingSettings } from "../settings";
import type { GatewayAdapter } from "../types";
import { NIMBBL_REQUIRED_SETTINGS, nimbblSettings } from "./config";
import { nimbblGateway } from "./gateway";
import { mapGatewayStatus } from "./map";

/**
 * Merchants choose an authorisation period of up to 5 days, during which a pending or failed payment may still
 * succeed (§4); a day more covers a late reversal and Nimbbl's webhook retries (~23 h).
 */
const POLL_WINDOW_MS = 6 * 24 * 60 * 60 * 1000;

export const nimbblAdapter: GatewayAdapter = {
  id: "nimbbl",
  amountUnit: "major",
  requiredSettings: NIMBBL_REQUIRED_SETTINGS,
  needsReturnToken: false,
  pollWindowMs: POLL_WINDOW_MS,
  configure(env, config) {
    const missing = missingSettings(env, this.requiredSettings);
    if (missing.length) return disabled(missing);
    const read = nimbblSettings(env);
    if ("problems" in read) return { state: "misconfigured", problems: read.problems };
    return { state: "enabled", gateway: nimbblGateway(read.settings, config.tokenSecrets) };
  },
  mapStatus: mapGatewayStatus,
  isValidOrderId: (id) => /^[A-Za-z0-9_-]{1,63}$/.test(id),
};
