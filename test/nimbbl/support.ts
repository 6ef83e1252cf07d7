/**
 * Nimbbl test fixtures, signed INDEPENDENTLY of checkpost's verifiers: WebCrypto straight from nimbbl.md §1.1-§1.3
 * (HMAC-SHA256 hex over `a|b|c|…`, HMAC over the exact v4 bytes, AES-256-GCM with a 16-byte nonce). Nothing here
 * imports from `src/gateways/nimbbl`.
 */
import { expect } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { api, call, gatewayCalls, sim, uniqueOrderId } from "../helpers";

export const SECRET = TEST_BINDINGS.NIMBBL_ACCESS_SECRET;
export const ACCESS_KEY = TEST_BINDINGS.NIMBBL_ACCESS_KEY;
const enc = new TextEncoder();

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

export async function hmac(secret: string, data: string | Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return hex(await crypto.subtle.sign("HMAC", key, typeof data === "string" ? enc.encode(data) : data));
}

export function b64(text: string | Uint8Array): string {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** AES-256-GCM, key = SHA-256(secret minus `access_secret_`), hex(nonce[16] ‖ ciphertext ‖ tag[16]). */
export async function encrypt(secret: string, plaintext: string): Promise<string> {
  const raw = await crypto.subtle.digest("SHA-256", enc.encode(secret.replace(/^access_secret_/, "")));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  return hex(nonce) + hex(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, enc.encode(plaintext)));
}

export interface PaymentFields {
  invoice: string;
  txn: string;
  /** The amount as it appears in the JSON text: `12.5`, `12.50`, `"12.50"`, `100`. */
  amountJson: string;
  /** The amount as the signer formats it (two decimals). */
  amountSigned: string;
  currency?: string;
  status?: string;
  type?: string;
  /** The unsigned top-level response status. */
  responseStatus?: string;
  orderStatus?: string;
  version?: string | null;
  secret?: string;
}

/** The signature Nimbbl computes (§1.1), lowercase hex. */
export function paymentSignature(f: PaymentFields): Promise<string> {
  const fields = [f.invoice, f.txn, f.amountSigned, f.currency ?? "INR", f.status ?? "succeeded", f.type ?? "payment"];
  return hmac(f.secret ?? SECRET, fields.join("|"));
}

/** A checkout response or payment webhook as JSON text, with `overrides` applied after signing (tampering). */
export async function paymentJson(
  f: PaymentFields,
  overrides: {
    transaction?: Record<string, unknown>;
    order?: Record<string, unknown>;
    top?: Record<string, unknown>;
  } = {},
  signature?: string,
): Promise<string> {
  const sig = signature ?? (await paymentSignature(f));
  const version = f.version === undefined ? "v3" : f.version;
  const obj = {
    status: f.responseStatus ?? "success",
    message: "",
    nimbbl_order_id: "o_test",
    nimbbl_transaction_id: f.txn,
    nimbbl_signature: sig,
    ...overrides.top,
    transaction: {
      transaction_id: f.txn,
      status: f.status ?? "succeeded",
      transaction_amount: "__AMOUNT__",
      transaction_type: f.type ?? "payment",
      transaction_currency: f.currency ?? "INR",
      additional_charges: 0,
      signature: sig,
      ...(version === null ? {} : { signature_version: version }),
      ...overrides.transaction,
    },
    order: { invoice_id: f.invoice, status: f.orderStatus ?? "completed", ...overrides.order },
  };
  return JSON.stringify(obj).replace('"__AMOUNT__"', f.amountJson);
}

/** A Nimbbl order created through `POST /v1/orders`, with the callback URL Nimbbl was given. */
export async function createOrder(amount = 1250, extra: Record<string, unknown> = {}) {
  const orderId = uniqueOrderId("nb");
  const res = await api("/v1/orders", {
    method: "POST",
    json: { gateway: "nimbbl", order_id: orderId, amount, currency: "INR", ...extra },
  });
  expect(res.status).toBe(201);
  const body: any = await res.json();
  const state: any = await (await sim(`/__control/nimbbl/orders/${orderId}`)).json();
  return { orderId, body, nimbblOrderId: state.order_id as string, callbackUrl: state.callback_url as string };
}

/** Applies a named outcome at the simulated gateway; returns the affected transaction id. */
export async function outcome(orderId: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await sim(`/__control/nimbbl/orders/${orderId}/outcome`, {
    method: "POST",
    json: { outcome: name, ...extra },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { transaction_id: string }).transaction_id;
}

/** The return leg as the browser makes it: the callback URL plus the base64 `response` parameter. */
export function returnWith(callbackUrl: string, responseJson: string, init: RequestInit = {}): Promise<Response> {
  const url = new URL(callbackUrl);
  url.searchParams.set("response", b64(responseJson));
  return browser(url.pathname + url.search, init);
}

/** A browser-leg call that does not follow checkpost's 303 (the in-process fetch would follow it by default). */
export function browser(path: string, init: RequestInit = {}): Promise<Response> {
  return call(path, { redirect: "manual", ...init });
}

/** The callback URL's path and query (order id and checkpost's token), without a response. */
export function callbackPath(callbackUrl: string): string {
  const url = new URL(callbackUrl);
  return url.pathname + url.search;
}

/** The unified status in checkpost's 303 to the merchant. */
export function redirectStatus(res: Response): string | null {
  expect(res.status).toBe(303);
  return new URL(res.headers.get("location") ?? "").searchParams.get("status");
}

/** How many calls the simulated Nimbbl received on `path` that mention `needle` (an order id). */
export async function countCalls(path: string, needle: string): Promise<number> {
  const calls = await gatewayCalls("nimbbl", path);
  return calls.filter((c) => `${c.query} ${c.body}`.includes(needle)).length;
}

export async function getOrder(orderId: string): Promise<any> {
  const res = await api(`/v1/orders/nimbbl/${orderId}`);
  expect(res.status).toBe(200);
  return res.json();
}

export function postWebhook(body: string): Promise<Response> {
  return call("/webhooks/nimbbl", { method: "POST", headers: { "content-type": "application/json" }, body });
}

/** Every webhook the simulated gateway sent for the order so far, oldest first, as exact bodies. */
export async function simWebhooks(orderId: string, format = "legacy", innerSignature = true): Promise<string[]> {
  const query = `format=${format}${innerSignature ? "" : "&inner_signature=false"}`;
  const res = await sim(`/__control/nimbbl/orders/${orderId}/webhooks?${query}`);
  return ((await res.json()) as { webhooks: string[] }).webhooks;
}
