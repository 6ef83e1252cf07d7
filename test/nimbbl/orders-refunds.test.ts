/**
 * `POST /v1/orders` for Nimbbl (create-order, nimbbl.md §3), and the adapter's refund and refund status against the
 * simulated gateway (for the refunds issue): 2-decimal amounts, checkpost's callback URL, idempotent retries.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/core/log";
import { GATEWAYS } from "../../src/gateways";
import type { ConfiguredGateway, GatewayIO } from "../../src/gateways/types";
import { api, expectProblem, gatewayCalls, sim, uniqueOrderId } from "../helpers";
import { checkpostToken } from "../tokens";
import { ACCESS_KEY, createOrder, countCalls, outcome } from "./support";

function gateway(): ConfiguredGateway {
  const setup = GATEWAYS.nimbbl.configure(env, loadConfig(env));
  if (setup.state !== "enabled") throw new Error(`nimbbl is ${setup.state}`);
  return setup.gateway;
}

function io(fetcher: typeof fetch = (input, init) => fetch(input, init)): GatewayIO {
  return { fetch: fetcher, now: () => Date.now(), kv: env.KV, log: createLogger("silent") };
}

async function createCall(orderId: string): Promise<any> {
  const calls: any[] = await gatewayCalls("nimbbl", "create-order");
  const mine = calls.filter((c) => c.body.includes(orderId));
  expect(mine).toHaveLength(1);
  return { ...mine[0], json: JSON.parse(mine[0].body) };
}

/** checkpost's return token, computed here from its documented form (test/tokens.ts). */
function expectedToken(orderId: string): Promise<string> {
  return checkpostToken("return", "nimbbl", orderId);
}

describe("POST /v1/orders with gateway nimbbl", () => {
  it("creates the order with invoice_id, a 2-decimal total and checkpost's callback URL", async () => {
    const { orderId, body } = await createOrder(123450, {
      customer: { email: "a@b.test", name: "Asha Devi Rao", phone: "+919876543210" },
      description: "Two mangoes",
    });
    const call = await createCall(orderId);
    expect(call.headers.authorization).toMatch(/^Bearer /);
    expect(call.body).toContain('"total_amount":1234.5');
    expect(call.json).toMatchObject({
      invoice_id: orderId,
      currency: "INR",
      description: "Two mangoes",
      user: {
        email: "a@b.test",
        first_name: "Asha",
        last_name: "Devi Rao",
        country_code: "+91",
        mobile_number: "9876543210",
      },
    });
    const callback = new URL(call.json.callback_url);
    expect(callback.origin + callback.pathname).toBe("https://checkpost.test/return/nimbbl");
    expect(callback.searchParams.get("order_id")).toBe(orderId);
    expect(callback.searchParams.get("t")).toBe(await expectedToken(orderId));
    expect(body.next_action).toEqual({
      type: "sdk",
      payload: {
        gateway: "nimbbl",
        order_id: body.order.gateway_reference,
        token: expect.stringMatching(/^ot_/),
        invoice_id: orderId,
      },
    });
    expect(body.order.gateway_reference).toMatch(/^o_/);
  });

  it.each([
    [100, "1"],
    [10000, "100"],
    [1999, "19.99"],
  ])("sends %i paise as the JSON number %s", async (paise, text) => {
    const { orderId } = await createOrder(paise);
    expect((await createCall(orderId)).body).toContain(`"total_amount":${text},`);
  });

  it("answers a retry whose first create reached Nimbbl with that order instead of failing", async () => {
    const orderId = uniqueOrderId("nbx");
    const earlier = await sim("/__control/nimbbl/orders", {
      method: "POST",
      json: { invoice_id: orderId, total_amount: 12.5, currency: "INR", access_key: ACCESS_KEY },
    });
    const existing: any = await earlier.json();
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "nimbbl", order_id: orderId, amount: 1250, currency: "INR" },
    });
    expect(res.status).toBe(201);
    const body: any = await res.json();
    expect(body.next_action.payload.order_id).toBe(existing.order_id);
    expect(await countCalls("/v3/order", orderId)).toBe(1);
  });

  it("refuses to adopt an existing gateway order with another amount (409)", async () => {
    const orderId = uniqueOrderId("nby");
    await sim("/__control/nimbbl/orders", {
      method: "POST",
      json: { invoice_id: orderId, total_amount: 99, currency: "INR", access_key: ACCESS_KEY },
    });
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "nimbbl", order_id: orderId, amount: 1250, currency: "INR" },
    });
    await expectProblem(res, 409, "order_conflict");
  });

  it("refuses a currency without two decimals before calling Nimbbl", async () => {
    const orderId = uniqueOrderId("nbj");
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "nimbbl", order_id: orderId, amount: 500, currency: "JPY" },
    });
    await expectProblem(res, 422, "currency_unsupported");
    expect(await countCalls("create-order", orderId)).toBe(0);
  });
});

describe("refunds at the adapter", () => {
  async function paid(): Promise<string> {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "success");
    return orderId;
  }

  it("sends refund_amount as a JSON number and checkpost's refund_request_id, and keeps the refund's transaction id", async () => {
    const orderId = await paid();
    const hint = await gateway().refund(
      { orderId, gatewayRefundId: `rf_${orderId}`, amount: { minor: 500, currency: "INR" }, reason: null },
      io(),
    );
    const calls: any[] = await gatewayCalls("nimbbl", "/v3/refund");
    const body = JSON.parse(calls.filter((c) => c.body.includes(orderId))[0].body);
    expect(body).toEqual({ invoice_id: orderId, refund_amount: 5, refund_request_id: `rf_${orderId}` });
    const state: any = await (await sim(`/__control/nimbbl/orders/${orderId}`)).json();
    const entry = state.transactions.find((t: any) => t.transaction_type !== "payment");
    expect(hint.ok && hint.value).toEqual({
      gatewayRefundId: `rf_${orderId}`,
      gatewayRefundRef: entry.nimbbl_transaction_id,
      status: "pending",
      gatewayStatus: "pending",
      amount: { minor: 500, currency: "INR" },
    });
  });

  it("a second refund with the same refund_request_id is refused by Nimbbl and never makes a second refund", async () => {
    const orderId = await paid();
    const input = {
      orderId,
      gatewayRefundId: `rf2_${orderId}`,
      amount: { minor: 500, currency: "INR" } as const,
      reason: null,
    };
    const first = await gateway().refund(input, io());
    const second = await gateway().refund(input, io());
    expect(first.ok).toBe(true);
    // The entries carry no refund_request_id (§9), so the refusal stands; checkpost itself never re-sends an id.
    expect(!second.ok && second.error.reason).toBe("gateway_rejected");
    const state: any = await (await sim(`/__control/nimbbl/orders/${orderId}`)).json();
    expect(state.transactions.filter((t: any) => t.transaction_type !== "payment")).toHaveLength(1);
  });

  it("cannot find a refund by refund_request_id alone: the enquiry entries do not carry it (§9)", async () => {
    const orderId = await paid();
    const created = await gateway().refund(
      { orderId, gatewayRefundId: `rf3_${orderId}`, amount: { minor: 1250, currency: "INR" }, reason: null },
      io(),
    );
    expect(created.ok).toBe(true);
    const unknown = await gateway().refundStatus({ orderId, gatewayRefundId: `rf3_${orderId}` }, io());
    expect(!unknown.ok && unknown.error.reason).toBe("gateway_not_found");
  });

  it("reports a refund over the refundable amount as gateway_rejected", async () => {
    const orderId = await paid();
    const result = await gateway().refund(
      { orderId, gatewayRefundId: `rf4_${orderId}`, amount: { minor: 5000, currency: "INR" }, reason: null },
      io(),
    );
    expect(!result.ok && result.error.reason).toBe("gateway_rejected");
  });
});

describe("error bodies", () => {
  it("treats an {error} body sent with HTTP 200 as a refusal (§5: check both)", async () => {
    const fake: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith("/v3/generate-token")) return fetch(input, init);
      return Response.json({ error: { nimbbl_error_code: "BAD_REQUEST_ERROR", nimbbl_merchant_message: "x" } });
    };
    const result = await gateway().fetchStatus(uniqueOrderId("nbe"), io(fake));
    expect(!result.ok && result.error).toMatchObject({
      reason: "gateway_rejected",
      detail: "gateway error code BAD_REQUEST_ERROR",
    });
  });
});
