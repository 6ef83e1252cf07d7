/**
 * One driver per gateway for the reliability suite: how to make an order exist (and be paid) at the simulated
 * gateway, how a customer's verified return leg looks, and the fault-rule paths that select each server-to-server
 * call. Everything goes through checkpost's public routes and the simulator's control API; fixtures come from the
 * simulator, which signs independently of checkpost.
 */
import { expect } from "vitest";
import type { GatewayId } from "../../src/core/model";
import { TEST_BINDINGS } from "../bindings";
import { api, sim, uniqueOrderId } from "../helpers";
import { configureJuspaySim, newOrderId } from "../juspay/support";
import { returnToken } from "../phonepe/support";

/** Selects one outbound call at the simulator: a path substring and a method. */
export interface CallSelector {
  readonly path: string;
  readonly method: "GET" | "POST";
}

export interface RequestSpec {
  readonly path: string;
  readonly init: RequestInit;
}

export interface GatewayDriver {
  readonly gateway: GatewayId;
  newOrderId(): string;
  /** Run once before a test uses the gateway (simulator dashboard settings). */
  prepare(): Promise<void>;
  /** The customer pays: the gateway now reports the order as paid. */
  pay(orderId: string): Promise<void>;
  /** The browser's return leg for the order, verified by checkpost (signed by the simulator or carrying `t`). */
  returnLeg(orderId: string): Promise<RequestSpec>;
  /** A signed webhook telling checkpost the order was paid, as the gateway would post it. */
  paidWebhook(orderId: string): Promise<RequestSpec>;
  status(orderId: string): CallSelector;
  readonly create: CallSelector;
  refund(orderId: string): CallSelector;
  refundStatus(orderId: string, gatewayRefundId: string): CallSelector;
  /** The token endpoint, for gateways whose calls need an access token. */
  readonly token: CallSelector | null;
  /** Makes every access token the gateway issued so far stop working (the next call must fetch a new one). */
  expireTokens(): Promise<void>;
  /** Settles a refund at the gateway. */
  settleRefund(orderId: string, refund: { gateway_refund_id: string; gateway_reference: string | null }): Promise<void>;
  /** How many calls matching `selector` the gateway received for this order. */
  calls(selector: CallSelector, orderId: string): Promise<number>;
}

async function control(path: string, json: unknown = {}): Promise<any> {
  const res = await sim(`/__control${path}`, { method: "POST", json });
  expect(res.status, `sim control ${path}`).toBe(200);
  return res.json();
}

async function recorded(gateway: GatewayId, selector: CallSelector, needle: string): Promise<number> {
  const res = await sim(`/__control/calls?gateway=${gateway}&path=${encodeURIComponent(selector.path)}`);
  const calls: { method: string; path: string; query: string; body: string }[] = await res.json();
  return calls.filter((c) => c.method === selector.method && `${c.path} ${c.query} ${c.body}`.includes(needle)).length;
}

function safeId(prefix: string): string {
  return uniqueOrderId(prefix).replace(/[^A-Za-z0-9_-]/g, "_");
}

const juspay: GatewayDriver = {
  gateway: "juspay",
  newOrderId: () => newOrderId("rl"),
  prepare: configureJuspaySim,
  async pay(orderId) {
    await control(`/juspay/orders/${orderId}/status`, { status: "CHARGED" });
  },
  async returnLeg(orderId) {
    const redirect: { url: string } = await control(`/juspay/orders/${orderId}/redirect`, {});
    const url = new URL(redirect.url);
    return { path: `${url.pathname}${url.search}`, init: { redirect: "manual" } };
  },
  async paidWebhook(orderId) {
    const hook: { headers: Record<string, string>; body: string } = await control(
      `/juspay/orders/${orderId}/webhook`,
      {},
    );
    return { path: "/webhooks/juspay", init: { method: "POST", headers: hook.headers, body: hook.body } };
  },
  status: (orderId) => ({ path: `/orders/${orderId}`, method: "GET" }),
  create: { path: "/session", method: "POST" },
  refund: (orderId) => ({ path: `/orders/${orderId}/refunds`, method: "POST" }),
  // Juspay lists refunds on the order: the refund status read is the Order Status call.
  refundStatus: (orderId) => ({ path: `/orders/${orderId}`, method: "GET" }),
  token: null,
  expireTokens: () => Promise.resolve(),
  async settleRefund(orderId) {
    // Pending refunds settle on the next status read (juspay.md §5).
    await control(`/juspay/orders/${orderId}/status`, { refund_outcome: "SUCCESS" });
  },
  calls: (selector, orderId) => recorded("juspay", selector, orderId),
};

const phonepe: GatewayDriver = {
  gateway: "phonepe",
  newOrderId: () => safeId("RL"),
  prepare: () => Promise.resolve(),
  async pay(orderId) {
    await control(`/phonepe/orders/${orderId}/outcome`, { state: "COMPLETED" });
  },
  async returnLeg(orderId) {
    const query = new URLSearchParams({ order_id: orderId, t: await returnToken(orderId) });
    return { path: `/return/phonepe?${query.toString()}`, init: { redirect: "manual" } };
  },
  async paidWebhook(orderId) {
    await control("/phonepe/webhook-credentials", {
      username: TEST_BINDINGS.PHONEPE_WEBHOOK_USERNAME,
      password: TEST_BINDINGS.PHONEPE_WEBHOOK_PASSWORD,
    });
    const hook: { headers: Record<string, string>; body: string } = await control("/phonepe/callbacks", {
      merchantOrderId: orderId,
    });
    return { path: "/webhooks/phonepe", init: { method: "POST", headers: hook.headers, body: hook.body } };
  },
  status: (orderId) => ({ path: `/order/${orderId}/status`, method: "GET" }),
  create: { path: "/checkout/v2/pay", method: "POST" },
  refund: () => ({ path: "/payments/v2/refund", method: "POST" }),
  refundStatus: (_orderId, gatewayRefundId) => ({ path: `/refund/${gatewayRefundId}/status`, method: "GET" }),
  token: { path: "/v1/oauth/token", method: "POST" },
  async expireTokens() {
    await control("/phonepe/tokens/expire", {});
  },
  async settleRefund(_orderId, refund) {
    await control(`/phonepe/refunds/${refund.gateway_refund_id}/outcome`, { state: "COMPLETED" });
  },
  calls: (selector, orderId) => recorded("phonepe", selector, orderId),
};

const nimbbl: GatewayDriver = {
  gateway: "nimbbl",
  newOrderId: () => safeId("nl"),
  prepare: () => Promise.resolve(),
  async pay(orderId) {
    await control(`/nimbbl/orders/${orderId}/outcome`, { outcome: "success" });
  },
  async returnLeg(orderId) {
    const res: { redirect_url: string } = await control(`/nimbbl/orders/${orderId}/checkout-response`, {});
    const url = new URL(res.redirect_url);
    return { path: `${url.pathname}${url.search}`, init: { redirect: "manual" } };
  },
  async paidWebhook(orderId) {
    const res = await sim(`/__control/nimbbl/orders/${orderId}/webhooks?format=legacy`);
    const { webhooks } = (await res.json()) as { webhooks: string[] };
    const body = webhooks[webhooks.length - 1] ?? "";
    return {
      path: "/webhooks/nimbbl",
      init: { method: "POST", headers: { "content-type": "application/json" }, body },
    };
  },
  // Transaction enquiry is a read sent as a POST; its body names the invoice (the order id).
  status: () => ({ path: "/v3/transaction-enquiry", method: "POST" }),
  create: { path: "/v3/create-order", method: "POST" },
  refund: () => ({ path: "/v3/refund", method: "POST" }),
  refundStatus: () => ({ path: "/v3/transaction-enquiry", method: "POST" }),
  token: { path: "/v3/generate-token", method: "POST" },
  async expireTokens() {
    await control(`/nimbbl/merchants/${TEST_BINDINGS.NIMBBL_ACCESS_KEY}`, { expire_tokens: true });
  },
  async settleRefund(_orderId, refund) {
    await control(`/nimbbl/refunds/${refund.gateway_reference ?? ""}/outcome`, { status: "succeeded" });
  },
  calls: (selector, orderId) => recorded("nimbbl", selector, orderId),
};

export const DRIVERS: readonly GatewayDriver[] = [juspay, phonepe, nimbbl];

/** Creates the order through `POST /v1/orders` (201) and returns its id. */
export async function createdOrder(driver: GatewayDriver, amount = 10_000): Promise<string> {
  await driver.prepare();
  const orderId = driver.newOrderId();
  const res = await api("/v1/orders", {
    method: "POST",
    json: { gateway: driver.gateway, order_id: orderId, amount, currency: "INR" },
  });
  expect(res.status, `create ${driver.gateway} ${orderId}`).toBe(201);
  return orderId;
}
