/**
 * Helpers for the PhonePe tests. Expected header values and return tokens are computed here with WebCrypto straight
 * from the documented algorithms (phonepe.md §5; the `t` token in test/tokens.ts, from src/core/signing.ts's
 * documentation), never by calling the verifiers or signers under test.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { api, gatewayCalls, sim, uniqueOrderId, type RecordedCall } from "../helpers";
import { CHECKPOST_KEYS, checkpostToken, parsedTokenSecrets } from "../tokens";
import { createLogger } from "../../src/core/log";
import type { PhonePeSettings } from "../../src/gateways/phonepe/config";
import { phonepeGateway } from "../../src/gateways/phonepe/gateway";
import type { GatewayIO } from "../../src/gateways/types";

export const PG_BASE = TEST_BINDINGS.PHONEPE_BASE_URL;

/** A PhonePe-safe order id no other test uses (`^[A-Za-z0-9_-]{1,63}$`). */
export function newOrderId(prefix = "MO"): string {
  return uniqueOrderId(prefix).replace(/[^A-Za-z0-9_-]/g, "_");
}

export async function simJson<T = any>(path: string, json?: unknown): Promise<T> {
  const res = await sim(`/__control/phonepe${path}`, json === undefined ? {} : { method: "POST", json });
  return (await res.json()) as T;
}

/** Token requests the simulator saw for one client id. */
export async function tokenRequests(clientId: string): Promise<RecordedCall[]> {
  const calls = await gatewayCalls("phonepe", "/v1/oauth/token");
  return calls.filter((c) => new URLSearchParams(c.body).get("client_id") === clientId);
}

export async function addFault(rule: { path: string; method?: string; fault: unknown; times?: number | null }) {
  const res = await sim("/__control/faults", { method: "POST", json: { gateway: "phonepe", ...rule } });
  expect(res.status).toBe(200);
}

/** Lower-case hex SHA-256 of a UTF-8 string, with WebCrypto directly. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** PhonePe's callback `Authorization`: lower-case hex SHA-256 of `username:password` (phonepe.md §5). */
export function callbackHeader(
  username: string = TEST_BINDINGS.PHONEPE_WEBHOOK_USERNAME,
  password: string = TEST_BINDINGS.PHONEPE_WEBHOOK_PASSWORD,
): Promise<string> {
  return sha256Hex(`${username}:${password}`);
}

/** checkpost's return token under the `keyIndex`th `CHECKPOST_SECRET` key (computed independently: test/tokens.ts). */
export function returnToken(orderId: string, keyIndex = 0): Promise<string> {
  return checkpostToken("return", "phonepe", orderId, CHECKPOST_KEYS[keyIndex] ?? "");
}

/** The KV key the token cache must use: `tok:phonepe:` + hex SHA-256 of `authUrl\nclientId\nclientVersion`. */
export async function tokenKvKey(authUrl: string, clientId: string, clientVersion: string): Promise<string> {
  return `tok:phonepe:${await sha256Hex(`${authUrl}\n${clientId}\n${clientVersion}`)}`;
}

export function testIO(now: () => number = () => Date.now()): GatewayIO {
  return { fetch: (input, init) => fetch(input, init), now, kv: env.KV, log: createLogger("silent") };
}

let clients = 0;
/** Settings with a client id no other test uses, so the token caches (memory and KV) start empty. */
export function freshSettings(overrides: Partial<PhonePeSettings> = {}): PhonePeSettings {
  clients += 1;
  return {
    baseUrl: PG_BASE,
    credentials: {
      authUrl: TEST_BINDINGS.PHONEPE_AUTH_URL,
      clientId: `CLIENT_${Date.now().toString(36)}_${clients}`,
      clientSecret: "test-secret-for-a-fresh-client",
      clientVersion: "1",
    },
    webhookUsername: TEST_BINDINGS.PHONEPE_WEBHOOK_USERNAME,
    webhookPassword: TEST_BINDINGS.PHONEPE_WEBHOOK_PASSWORD,
    tokenSecrets: parsedTokenSecrets(),
    ...overrides,
  };
}

export function freshGateway(options: { timeoutMs?: number } = {}, overrides: Partial<PhonePeSettings> = {}) {
  const settings = freshSettings(overrides);
  return { settings, gateway: phonepeGateway(settings, options) };
}

/** Creates an order at the simulator directly (as if the merchant had), optionally already settled. */
export async function simOrder(
  merchantOrderId: string,
  amount: number,
  outcome: Record<string, unknown> = {},
): Promise<any> {
  return simJson("/orders", { merchantOrderId, amount, ...outcome });
}

/** `POST /v1/orders` for PhonePe; returns the parsed body. */
export async function createOrder(orderId: string, extra: Record<string, unknown> = {}) {
  const res = await api("/v1/orders", {
    method: "POST",
    json: { gateway: "phonepe", order_id: orderId, amount: 10_000, currency: "INR", ...extra },
  });
  return { res, body: (await res.json()) as any };
}

/** Sets the simulator's dashboard callback credentials to the ones checkpost runs with in tests. */
export async function useTestWebhookCredentials(): Promise<void> {
  await simJson("/webhook-credentials", {
    username: TEST_BINDINGS.PHONEPE_WEBHOOK_USERNAME,
    password: TEST_BINDINGS.PHONEPE_WEBHOOK_PASSWORD,
  });
}

/** The callback the simulator builds (headers + raw body), posted to checkpost by the test. */
export async function simWebhook(
  request: Record<string, unknown>,
): Promise<{ headers: Record<string, string>; body: string }> {
  return simJson("/callbacks", request);
}
