/**
 * Juspay with its settings bound: the `ConfiguredGateway` the generic return, webhook, order and reconciliation code
 * calls. Nothing but the binding: verification is in verify.ts, S2S calls in client.ts.
 */
import type { ConfiguredGateway } from "../types";
import { createJuspayOrder, fetchJuspayStatus, refundJuspay, refundStatusJuspay } from "./client";
import type { JuspaySettings } from "./config";
import { verifyJuspayWebhook, verifyReturnLeg } from "./verify";

export function juspayGateway(settings: JuspaySettings): ConfiguredGateway {
  return {
    checkCreate: () => null,
    verifyReturn: (input) => verifyReturnLeg(input, settings.responseKey),
    verifyWebhook: (raw) => verifyJuspayWebhook(raw, settings.webhookUsername, settings.webhookPassword),
    fetchStatus: (orderId, io, facts) => fetchJuspayStatus(settings, io, orderId, facts),
    createOrder: (input, io) => createJuspayOrder(settings, input, io),
    refund: (input, io) => refundJuspay(settings, input, io),
    refundStatus: (input, io) => refundStatusJuspay(settings, input, io),
  };
}
