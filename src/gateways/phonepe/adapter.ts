/**
 * PhonePe PG v2 Standard Checkout (phonepe.md): OAuth tokens, pay / SDK order, Order Status, refunds, and the
 * callback and return legs. This file binds the settings; the gateway's language lives next to it (`wire.ts`,
 * `map.ts`, `verify.ts`, `token.ts`, `client.ts`, `orders.ts`, `refunds.ts`).
 */
import type { Config } from "../../config";
import { setting, type Settings } from "../../settings";
import { baseUrlSetting, disabled, missingSettings } from "../settings";
import type { ConfiguredGateway, GatewayAdapter, GatewaySetup } from "../types";
import type { PhonePeClient } from "./client";
import { mapOrderState } from "./map";
import { createOrder, fetchStatus } from "./orders";
import { refund, refundStatus } from "./refunds";
import { createTokenSource, type PhonePeCredentials } from "./token";
import { callbackAuthorization, verifyCallback, verifyReturnToken } from "./verify";
import { PHONEPE_ID_PATTERN } from "./wire";

export interface PhonePeSettings {
  readonly baseUrl: string;
  readonly credentials: PhonePeCredentials;
  readonly webhookUsername: string;
  readonly webhookPassword: string;
  /** `MERCHANT_WEBHOOK_SECRET` keys, which sign and verify the return token `t`. */
  readonly merchantSecrets: readonly string[];
}

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
    verifyReturn: (input) => verifyReturnToken(input, settings.merchantSecrets),
    verifyWebhook: async (raw) => verifyCallback(raw, await expectedAuthorization()),
    fetchStatus: (orderId, io) => fetchStatus(client, orderId, io),
    createOrder: (input, io) => createOrder(client, input, io),
    refund: (input, io) => refund(client, input, io),
    refundStatus: (input, io) => refundStatus(client, input, io),
  };
}

/** Reads the settings; malformed base URLs make the gateway `misconfigured` (reported by `/healthz`). */
export function phonepeSettings(env: Settings, config: Config): { settings: PhonePeSettings } | { problems: string[] } {
  const base = baseUrlSetting(env, "PHONEPE_BASE_URL");
  const auth = baseUrlSetting(env, "PHONEPE_AUTH_URL");
  const problems = [base, auth].flatMap((s) => ("problem" in s ? [s.problem] : []));
  if (!("url" in base) || !("url" in auth)) return { problems };
  return {
    settings: {
      baseUrl: base.url,
      credentials: {
        authUrl: auth.url,
        clientId: setting(env, "PHONEPE_CLIENT_ID") ?? "",
        clientSecret: setting(env, "PHONEPE_CLIENT_SECRET") ?? "",
        clientVersion: setting(env, "PHONEPE_CLIENT_VERSION") ?? "",
      },
      webhookUsername: setting(env, "PHONEPE_WEBHOOK_USERNAME") ?? "",
      webhookPassword: setting(env, "PHONEPE_WEBHOOK_PASSWORD") ?? "",
      merchantSecrets: config.merchantSecrets,
    },
  };
}

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
