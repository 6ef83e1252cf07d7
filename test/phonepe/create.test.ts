import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { api, expectProblem, gatewayCalls } from "../helpers";
import { loadConfig } from "../../src/config";
import { phonepeAdapter } from "../../src/gateways/phonepe/adapter";
import { addFault, createOrder, newOrderId, returnToken, simJson } from "./support";

/** The pay (or SDK order) calls the simulator recorded for one order id. */
async function createCalls(orderId: string, path = "/checkout/v2/pay") {
  return (await gatewayCalls("phonepe", path)).filter((c) => JSON.parse(c.body || "{}").merchantOrderId === orderId);
}

describe("POST /v1/orders for PhonePe", () => {
  it("sends /checkout/v2/pay the amount in paise, expireAfter, the udf metaInfo and a redirectUrl back to checkpost", async () => {
    const orderId = newOrderId();
    const { res } = await createOrder(orderId, {
      amount: 12_345,
      description: "Order for a test",
      metadata: { udf1: "u1 with spaces", udf11: "a+b@c.d_e-f", cart: "c-1" },
      expire_after_seconds: 900,
    });
    expect(res.status).toBe(201);
    const [call, ...more] = await createCalls(orderId);
    expect(more).toHaveLength(0);
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.headers["authorization"]).toMatch(/^O-Bearer sim\./);
    const t = await returnToken(orderId);
    expect(JSON.parse(call?.body ?? "")).toEqual({
      merchantOrderId: orderId,
      amount: 12_345,
      metaInfo: { udf1: "u1 with spaces", udf11: "a+b@c.d_e-f" },
      expireAfter: 900,
      paymentFlow: {
        type: "PG_CHECKOUT",
        message: "Order for a test",
        merchantUrls: { redirectUrl: `${TEST_BINDINGS.PUBLIC_BASE_URL}/return/phonepe?order_id=${orderId}&t=${t}` },
      },
    });
  });

  it("answers next_action redirect to PhonePe's checkout URL and stores PhonePe's order id and expiry", async () => {
    const orderId = newOrderId();
    const { res, body } = await createOrder(orderId);
    expect(res.status).toBe(201);
    const atSim = await simJson(`/orders/${orderId}`);
    expect(body.next_action).toEqual({
      type: "redirect",
      url: `http://sim.test/phonepe/checkout/page?order=${orderId}`,
    });
    expect(body.order).toMatchObject({
      order_id: orderId,
      amount: 10_000,
      currency: "INR",
      gateway_reference: atSim.orderId,
      expires_at: new Date(atSim.expireAt).toISOString(),
    });
  });

  it("leaves expireAfter, metaInfo and message out when the merchant gives none", async () => {
    const orderId = newOrderId();
    await createOrder(orderId, { metadata: { cart: "not-a-udf" } });
    const [call] = await createCalls(orderId);
    const sent = JSON.parse(call?.body ?? "");
    expect(Object.keys(sent).sort()).toEqual(["amount", "merchantOrderId", "paymentFlow"]);
    expect(Object.keys(sent.paymentFlow).sort()).toEqual(["merchantUrls", "type"]);
  });

  it("creates an SDK order with sdk: true and answers next_action sdk with PhonePe's orderId and token", async () => {
    const orderId = newOrderId();
    const { res, body } = await createOrder(orderId, { sdk: true });
    expect(res.status).toBe(201);
    expect(await createCalls(orderId)).toHaveLength(0);
    expect(await createCalls(orderId, "/checkout/v2/sdk/order")).toHaveLength(1);
    const atSim = await simJson(`/orders/${orderId}`);
    expect(body.next_action).toEqual({
      type: "sdk",
      payload: {
        orderId: atSim.orderId,
        token: expect.stringMatching(/^SDKTOKEN/),
        merchantOrderId: orderId,
        state: "PENDING",
        expireAt: atSim.expireAt,
      },
    });
  });

  it("answers a repeated create from the stored next_action without a second pay call", async () => {
    const orderId = newOrderId();
    const first = await createOrder(orderId);
    const second = await createOrder(orderId);
    expect(second.res.status).toBe(200);
    expect(second.body.next_action).toEqual(first.body.next_action);
    expect(await createCalls(orderId)).toHaveLength(1);
  });

  it.each([
    ["an expireAfter above PhonePe's 3600 s", { expire_after_seconds: 3601 }, "expire_after_seconds"],
    ["an amount under PhonePe's 100 paise", { amount: 99 }, "amount"],
    ["a udf11-15 value outside PhonePe's charset", { metadata: { udf12: "has space" } }, "metadata.udf12"],
    ["a udf11-15 value over 50 characters", { metadata: { udf15: "a".repeat(51) } }, "metadata.udf15"],
  ])("refuses %s with 400 naming the field, and calls nothing", async (_name, extra, path) => {
    const orderId = newOrderId();
    const { res, body } = await createOrder(orderId, extra);
    expect([res.status, body.code]).toEqual([400, "invalid_request"]);
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    expect(await createCalls(orderId)).toHaveLength(0);
    // Nothing can exist at PhonePe, so the order is not left for reconciliation to look for.
    const audit = (await (await api(`/v1/orders/phonepe/${orderId}/events`)).json()) as { data: { kind: string }[] };
    expect(audit.data.map((e) => e.kind)).toContain("create_rejected");
  });

  it("refuses a currency other than INR with 422 currency_unsupported and calls nothing", async () => {
    const orderId = newOrderId();
    const { res } = await createOrder(orderId, { currency: "USD" });
    expect(res.status).toBe(422);
    expect(await createCalls(orderId)).toHaveLength(0);
  });

  it.each([["MO/with space?&#"], ["../x"], ["a".repeat(64)], ["MO.with.dots"], ["MO:colon"]])(
    "refuses the unsafe order id %j with 400 and calls nothing",
    async (orderId) => {
      const before = (await gatewayCalls("phonepe", "/checkout/v2/pay")).length;
      const res = await api("/v1/orders", {
        method: "POST",
        json: { gateway: "phonepe", order_id: orderId, amount: 10_000, currency: "INR" },
      });
      await expectProblem(res, 400, "invalid_request");
      expect((await gatewayCalls("phonepe", "/checkout/v2/pay")).length).toBe(before);
    },
  );

  it("accepts a 63-character order id, PhonePe's maximum", async () => {
    const orderId = `${newOrderId()}_`.padEnd(63, "x");
    const { res } = await createOrder(orderId);
    expect(res.status).toBe(201);
    expect(await createCalls(orderId)).toHaveLength(1);
  });

  it("answers PhonePe's 400 with 422 gateway_rejected carrying its errorCode", async () => {
    const orderId = newOrderId();
    await addFault({
      path: "/checkout/v2/pay",
      fault: { kind: "status", status: 400, body: JSON.stringify({ code: "OLD", errorCode: "INVALID_AMOUNT" }) },
    });
    const { res, body } = await createOrder(orderId);
    expect(res.status).toBe(422);
    expect(body.code).toBe("gateway_rejected");
    expect(body.detail).toContain("INVALID_AMOUNT");
  });

  it("answers a 5xx on pay with 502 gateway_unavailable", async () => {
    const orderId = newOrderId();
    await addFault({ path: "/checkout/v2/pay", fault: { kind: "status", status: 503 } });
    const { res, body } = await createOrder(orderId);
    expect(res.status).toBe(502);
    expect(body.code).toBe("gateway_unavailable");
  });

  it("answers a pay reply that is not PhonePe's shape with 502, never a crash", async () => {
    const orderId = newOrderId();
    await addFault({
      path: "/checkout/v2/pay",
      fault: { kind: "status", status: 200, body: JSON.stringify({ orderId: "OMO1", state: "PENDING" }) },
    });
    const { res, body } = await createOrder(orderId);
    expect(res.status).toBe(502);
    expect(body.code).toBe("gateway_unavailable");
  });
});

describe("PhonePe configuration", () => {
  it("is misconfigured, not enabled, when a base URL is malformed", () => {
    const setup = phonepeAdapter.configure({ ...env, PHONEPE_BASE_URL: "api.phonepe.com/apis/pg" }, loadConfig(env));
    expect(setup.state).toBe("misconfigured");
    expect(setup.state === "misconfigured" && setup.problems.join(" ")).toContain("PHONEPE_BASE_URL");
  });

  it("is disabled when a credential is missing", () => {
    const setup = phonepeAdapter.configure({ ...env, PHONEPE_WEBHOOK_PASSWORD: "" }, loadConfig(env));
    expect(setup).toEqual({ state: "disabled", missing: ["PHONEPE_WEBHOOK_PASSWORD"] });
  });

  it("maps PhonePe's order states (EXPIRED to expired), and anything unknown to pending", () => {
    expect(
      ["PENDING", "COMPLETED", "FAILED", "EXPIRED", "", "CANCELLED"].map((s) => phonepeAdapter.mapStatus(s)),
    ).toEqual(["pending", "succeeded", "failed", "expired", "pending", "pending"]);
  });
});
