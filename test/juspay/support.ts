/**
 * Test-side helpers for Juspay. The return-signature fixtures are computed HERE from the documented algorithm
 * (juspay.md §3.2), with WebCrypto and an encoder written differently from checkpost's and the simulator's: never by
 * calling the verifier under test.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { createLogger } from "../../src/core/log";
import { gatewaySetup } from "../../src/gateways";
import type { ConfiguredGateway, GatewayIO } from "../../src/gateways/types";
import { TEST_BINDINGS } from "../bindings";
import { api, call, sim } from "../helpers";

export const J = TEST_BINDINGS;

/** Java `URLEncoder.encode(s, "UTF-8")`, built on `encodeURIComponent`: it also keeps `!'()~`, Java escapes them,
 * and Java writes a space as `+`. */
export function javaEnc(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

export async function hmacBase64(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(message)));
  return btoa(String.fromCharCode(...mac));
}

export type Pairs = [string, string][];

/** §3.2 steps 1-6. */
export async function juspaySign(params: Pairs, key: string = J.JUSPAY_RESPONSE_KEY): Promise<string> {
  const encoded = params
    .filter(([k]) => k !== "signature" && k !== "signature_algorithm")
    .map(([k, v]) => [javaEnc(k), javaEnc(v)] as [string, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return hmacBase64(key, javaEnc(encoded.map(([k, v]) => `${k}=${v}`).join("&")));
}

/**
 * A return query string as a browser would carry it: each pair form-encoded, then the signature encoded once
 * ("single") or twice ("double", the docs' sample), then `signature_algorithm`.
 */
export function returnQuery(
  params: Pairs,
  signature: string | null,
  options: { encoding?: "single" | "double"; algorithm?: string | null } = {},
): string {
  const sig = signature === null ? null : options.encoding === "single" ? signature : encodeURIComponent(signature);
  const all: Pairs = [...params];
  if (sig !== null) all.push(["signature", sig]);
  const algorithm = options.algorithm === undefined ? "HMAC-SHA256" : options.algorithm;
  if (algorithm !== null) all.push(["signature_algorithm", algorithm]);
  return all.map(([k, v]) => `${javaEnc(k)}=${javaEnc(v)}`).join("&");
}

export function basicAuth(user: string, pass: string): string {
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${pass}`)))}`;
}

/** Tells the simulated Juspay what its "dashboard" holds for the merchant the Worker is configured as. */
export async function configureJuspaySim(): Promise<void> {
  const res = await sim("/__control/juspay/config", {
    method: "POST",
    json: {
      merchant_id: J.JUSPAY_MERCHANT_ID,
      api_key: J.JUSPAY_API_KEY,
      response_key: J.JUSPAY_RESPONSE_KEY,
      webhook_username: J.JUSPAY_WEBHOOK_USERNAME,
      webhook_password: J.JUSPAY_WEBHOOK_PASSWORD,
    },
  });
  expect(res.status).toBe(200);
}

async function control(path: string, json: unknown = {}): Promise<any> {
  const res = await sim(`/__control/juspay${path}`, { method: "POST", json });
  expect(res.status, `sim control ${path}`).toBe(200);
  return res.json();
}

/** An order as it exists at Juspay (created by the merchant or the SDK, not through checkpost). */
export function simOrder(orderId: string, fields: Record<string, unknown> = {}): Promise<any> {
  return control("/orders", { order_id: orderId, amount: "100.00", ...fields });
}

export function simSet(orderId: string, fields: Record<string, unknown>): Promise<any> {
  return control(`/orders/${orderId}/status`, fields);
}

export interface SimRedirect {
  url: string;
  method: string;
  body: string | null;
  signature: string;
}

export async function simRedirect(orderId: string, options: Record<string, unknown> = {}): Promise<SimRedirect> {
  return control(`/orders/${orderId}/redirect`, options) as Promise<SimRedirect>;
}

export async function simWebhook(
  orderId: string,
  options: Record<string, unknown> = {},
): Promise<{ headers: Record<string, string>; body: string }> {
  return control(`/orders/${orderId}/webhook`, options) as Promise<{ headers: Record<string, string>; body: string }>;
}

export function simRefund(orderId: string, uniqueRequestId: string, status: string): Promise<any> {
  return control(`/orders/${orderId}/refunds/${uniqueRequestId}`, { status });
}

export function simMandate(fields: Record<string, unknown>): Promise<any> {
  return control("/mandates", fields);
}

/** Follows a redirect URL built by the simulator into the Worker (path and query only: the host is checkpost). */
export function followReturn(redirect: { url: string; method: string; body: string | null }): Promise<Response> {
  const url = new URL(redirect.url);
  if (redirect.method === "POST") {
    return call(url.pathname, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: redirect.body,
    });
  }
  return call(`${url.pathname}${url.search}`, { redirect: "manual" });
}

export function postWebhook(webhook: { headers: Record<string, string>; body: string }): Promise<Response> {
  return call("/webhooks/juspay", { method: "POST", headers: webhook.headers, body: webhook.body });
}

export async function registerOrder(orderId: string, amount: number, currency = "INR"): Promise<void> {
  const res = await api("/v1/orders", {
    method: "POST",
    json: { gateway: "juspay", order_id: orderId, amount, currency, register_only: true },
  });
  expect(res.status).toBe(201);
}

export async function getOrder(orderId: string, refresh = false): Promise<any> {
  const res = await api(`/v1/orders/juspay/${orderId}${refresh ? "?refresh=true" : ""}`);
  return res.json();
}

/** A short alphanumeric order id (Juspay wants fewer than 21 characters). */
let n = 0;
export function newOrderId(prefix = "jp"): string {
  n += 1;
  return `${prefix}${Date.now().toString(36)}${n}${Math.floor(Math.random() * 1e4)}`;
}

/** A call to the simulated Juspay's own API, authenticated like checkpost's calls. */
export function simApi(path: string, form?: Record<string, string>): Promise<Response> {
  return fetch(`http://sim.test/juspay${path}`, {
    method: form ? "POST" : "GET",
    headers: {
      authorization: `Basic ${btoa(`${J.JUSPAY_API_KEY}:`)}`,
      "x-merchantid": J.JUSPAY_MERCHANT_ID,
      version: "2024-06-24",
      ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
}

/** The order's audit trail. */
export async function auditOf(orderId: string): Promise<any[]> {
  const res = await api(`/v1/orders/juspay/${orderId}/events?limit=200`);
  return ((await res.json()) as { data: any[] }).data;
}

export interface RoutingRecord {
  operation: string;
  routing_id: string | null;
  customer_id: string | null;
}

/** The `x-routing-id` / `x-customerid` every call about one order (customer, mandate) carried, oldest first. */
export async function simRouting(scope: "order" | "customer" | "mandate", id: string): Promise<RoutingRecord[]> {
  const res = await sim(`/__control/juspay/routing/${scope}/${encodeURIComponent(id)}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** The IO a test hands the configured gateway directly: the real fetch (to the simulator), KV, no logging. */
export const io: GatewayIO = {
  fetch: (input, init) => fetch(input, init),
  now: () => Date.now(),
  kv: env.KV,
  log: createLogger("silent"),
};

/** Juspay configured from the test bindings, called without the HTTP layer. */
export function juspay(): ConfiguredGateway {
  const setup = gatewaySetup(env, "juspay");
  if (setup.state !== "enabled") throw new Error("juspay is not enabled in tests");
  return setup.gateway;
}

export const inr = (minor: number) => ({ minor, currency: "INR" as const });
