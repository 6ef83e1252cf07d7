/**
 * PhonePe with its settings bound: the `ConfiguredGateway` the generic return, webhook, order and reconciliation code
 * calls. Nothing but the binding: verification is in verify.ts, S2S calls in client.ts, tokens in token.ts.
 */
import type { ConfiguredGateway } from "../types";
import { createOrder, fetchStatus, refund, refundStatus, type PhonePeClient } from "./client";
import type { PhonePeSettings } from "./config";
import { createTokenSource } from "./token";
import { callbackAuthorization, verifyCallback, verifyReturnToken } from "./verify";

export interface PhonePeOptions {
  /** Per-call timeout; the default is `callGateway`'s. */
  readonly timeoutMs?: number;
}

/** The gateway with its settings bound. Exported so tests can bind other credentials or a short timeout. */
export function phonepeGateway(settings: PhonePeSettings, options: PhonePeOptions = {}): ConfiguredGateway {
  const client: PhonePeClient = {
    baseUrl: settings.baseUrl,
    tokens: createTokenSource(settings.credentials, options.timeoutMs),
    timeoutMs: options.timeoutMs,
  };
  let expected: Promise<string> | null = null;
  const expectedAuthorization = () =>
    (expected ??= callbackAuthorization(settings.webhookUsername, settings.webhookPassword));
  return {
    checkCreate: () => null,
    verifyReturn: (input) => verifyReturnToken(input, settings.tokenSecrets),
    verifyWebhook: async (raw) => verifyCallback(raw, await expectedAuthorization()),
    fetchStatus: (orderId, io) => fetchStatus(client, orderId, io),
    createOrder: (input, io) => createOrder(client, input, io),
    refund: (input, io) => refund(client, input, io),
    refundStatus: (input, io) => refundStatus(client, input, io),
  };
}
