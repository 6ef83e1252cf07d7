/**
 * Nimbbl with its settings bound: the `ConfiguredGateway` the generic return, webhook, order and reconciliation code
 * calls. Nothing but the binding: verification is in verify.ts, S2S calls in client.ts, tokens in token.ts.
 */
import type { TokenSecrets } from "../../core/signing";
import type { ConfiguredGateway } from "../types";
import { checkNimbblCreate, createNimbblOrder, fetchNimbblStatus, nimbblRefundStatus, refundNimbbl } from "./client";
import type { NimbblSettings } from "./config";
import { verifyCheckoutReturn, verifyNimbblWebhook } from "./verify";

export function nimbblGateway(settings: NimbblSettings, tokenSecrets: TokenSecrets): ConfiguredGateway {
  return {
    checkCreate: checkNimbblCreate,
    verifyReturn: (input) => verifyCheckoutReturn(input, { accessSecret: settings.accessSecret, tokenSecrets }),
    verifyWebhook: (raw) => verifyNimbblWebhook(raw, settings.accessSecret),
    fetchStatus: (orderId, io) => fetchNimbblStatus(settings, orderId, io),
    createOrder: (input, io) => createNimbblOrder(settings, input, io),
    refund: (input, io) => refundNimbbl(settings, input, io),
    refundStatus: (lookup, io) => nimbblRefundStatus(settings, lookup, io),
  };
}
