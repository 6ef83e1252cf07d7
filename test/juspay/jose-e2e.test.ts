/**
 * Juspay in JOSE mode end to end through the simulator (juspay.md §8, §12): session, status, refund and refund
 * status go to their `/v4` form sealed, with no Authorization; calls without a `/v4` form use Basic only when
 * `JUSPAY_API_KEY` is set; plain JSON errors keep Basic mode's mapping; and the settings' problems.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { updateOrder } from "../../src/gateways/juspay/client";
import { executeMandate } from "../../src/gateways/juspay/mandates";
import { callWithEnv, expectProblem, gatewayCalls } from "../helpers";
import { configureJuspaySim, inr, io, J, newOrderId, simOrder, simRefund } from "./support";
import {
  JOSE_ENV,
  joseJuspay,
  joseSettings,
  juspayAnswer,
  nextAnswer,
  openRequest,
  sentFor,
  withFlip,
} from "./jose-support";
import { activeMandate } from "./mandate-support";

beforeAll(configureJuspaySim);

describe("jose mode through the simulator", () => {
  it("creates a session at /v4/session, sealed, without an Authorization header", async () => {
    const id = newOrderId("js");
    const res = await callWithEnv(JOSE_ENV, "/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: id, amount: 12345, currency: "INR", customer: { id: "cust_j1" } },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body.next_action).toEqual({ type: "redirect", url: `http://sim.test/juspay/pay/${id}` });
    const sent = await sentFor("/v4/session", id);
    expect(sent.payload).toMatchObject({ order_id: id, amount: "123.45", customer_id: "cust_j1" });
    expect(sent.headers["authorization"]).toBeUndefined();
    expect(sent.headers).toMatchObject({
      "content-type": "application/json",
      "x-merchantid": J.JUSPAY_MERCHANT_ID,
      version: J.JUSPAY_API_VERSION,
      "x-routing-id": "cust_j1",
      "x-customerid": "cust_j1",
    });
    const basic = (await gatewayCalls("juspay", "/session")).filter((c) => c.path === "/session");
    expect(basic.some((c) => c.body.includes(id))).toBe(false);
  });

  it("refreshes status with POST /v4/order-status {order_id}, without an Authorization header", async () => {
    const id = newOrderId("jst");
    await simOrder(id, { status: "PENDING_VBV" });
    const status = await joseJuspay().fetchStatus(id, io, { customerId: null });
    expect(status).toMatchObject({ ok: true, value: { status: "pending", gatewayStatus: "PENDING_VBV" } });
    const sent = await sentFor("/v4/order-status", id);
    expect(sent.payload).toEqual({ order_id: id });
    expect(sent.headers["authorization"]).toBeUndefined();
    expect(sent.headers["x-routing-id"]).toBe(id);
    expect(await gatewayCalls("juspay", `/orders/${id}`)).toEqual([]);
  });

  it("refunds at /v4/orders/{id}/refunds with order_id and the form's exact strings as JSON, no Authorization", async () => {
    const id = newOrderId("jrf");
    await simOrder(id, { amount: "100.00", status: "CHARGED" });
    const res = await joseJuspay().refund(
      { orderId: id, gatewayRefundId: "JRF1", amount: inr(2550), reason: null },
      io,
    );
    expect(res).toMatchObject({ ok: true, value: { gatewayRefundId: "JRF1", status: "pending", amount: inr(2550) } });
    const sent = await sentFor(`/v4/orders/${id}/refunds`, id);
    expect(sent.payload).toEqual({ order_id: id, unique_request_id: "JRF1", amount: "25.50" });
    expect(sent.headers["authorization"]).toBeUndefined();
    expect((await gatewayCalls("juspay", `/orders/${id}/refunds`)).every((c) => c.path.includes("/v4/"))).toBe(true);
  });

  it("reads a refund's status from /v4/order-status", async () => {
    const id = newOrderId("jrs");
    await simOrder(id, { amount: "100.00", status: "CHARGED" });
    await joseJuspay().refund({ orderId: id, gatewayRefundId: "JRS1", amount: inr(1000), reason: null }, io);
    await simRefund(id, "JRS1", "SUCCESS");
    const before = (await gatewayCalls("juspay", "/v4/order-status")).length;
    const hint = await joseJuspay().refundStatus({ orderId: id, gatewayRefundId: "JRS1" }, io);
    expect(hint).toMatchObject({ ok: true, value: { gatewayRefundId: "JRS1", status: "succeeded" } });
    expect((await gatewayCalls("juspay", "/v4/order-status")).length).toBeGreaterThan(before);
    expect((await sentFor("/v4/order-status", id)).headers["authorization"]).toBeUndefined();
  });

  it("keeps Basic mode's mapping for a plain JSON error answer (404 object_not_found → gateway_not_found)", async () => {
    const status = await joseJuspay().fetchStatus(newOrderId("jnf"), io);
    expect(status).toMatchObject({ ok: false, error: { reason: "gateway_not_found" } });
  });

  it("maps a plain JSON 400 to gateway_rejected, as in Basic mode", async () => {
    const id = newOrderId("j4");
    await nextAnswer("/v4/order-status", JSON.stringify({ status: "invalid_request_error", error_code: "bad" }), 400);
    const status = await joseJuspay().fetchStatus(id, io);
    expect(status).toMatchObject({ ok: false, error: { reason: "gateway_rejected" } });
  });
});

describe("calls without a /v4 form in jose mode", () => {
  it("use Basic auth when JUSPAY_API_KEY is also set", async () => {
    const id = newOrderId("ju");
    await simOrder(id, { amount: "100.00" });
    const res = await updateOrder(joseSettings(), io, id, { amount: "90.00" });
    expect(res.ok).toBe(true);
    const [sent] = (await gatewayCalls("juspay", `/orders/${id}`)).filter((c) => c.path === `/orders/${id}`);
    expect(sent?.headers["authorization"]).toBe(`Basic ${btoa(`${J.JUSPAY_API_KEY}:`)}`);
  });

  it("answer gateway_not_configured naming JUSPAY_API_KEY when it is not set, and send nothing", async () => {
    const id = newOrderId("jn");
    const res = await updateOrder(joseSettings({ JUSPAY_API_KEY: "" }), io, id, { amount: "90.00" });
    expect(res).toMatchObject({ ok: false, error: { reason: "gateway_not_configured" } });
    expect(!res.ok && res.error.detail).toMatch(/^JUSPAY_API_KEY is not set/);
    expect(await gatewayCalls("juspay", `/orders/${id}`)).toEqual([]);
  });
});

describe("jose mode settings", () => {
  it("enable Juspay without JUSPAY_API_KEY", async () => {
    const health = (await (await callWithEnv({ ...JOSE_ENV, JUSPAY_API_KEY: "" }, "/v1/health")).json()) as any;
    expect(health.gateways.juspay).toEqual({ enabled: true });
  });

  it("disable Juspay without the key id, naming it", async () => {
    const health = (await (await callWithEnv({ ...JOSE_ENV, JUSPAY_JWT_KEY_ID: "" }, "/v1/health")).json()) as any;
    expect(health.gateways.juspay).toEqual({ enabled: false, missing: ["JUSPAY_JWT_KEY_ID"] });
  });

  it.each([
    [
      "JUSPAY_JWT_PRIVATE_KEY",
      "not a pem",
      "JUSPAY_JWT_PRIVATE_KEY must be an RSA PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)",
    ],
    [
      "JUSPAY_JWT_PUBLIC_KEY",
      JOSE_ENV["JUSPAY_JWT_PRIVATE_KEY"] ?? "",
      "JUSPAY_JWT_PUBLIC_KEY must be an RSA SPKI PEM (-----BEGIN PUBLIC KEY-----)",
    ],
  ])(
    "make Juspay misconfigured by a malformed %s: /healthz 503, /v1/health names the setting, never the key",
    async (name, value, problem) => {
      const overrides = { ...JOSE_ENV, [name]: value };
      const healthz = await callWithEnv(overrides, "/healthz");
      expect(healthz.status).toBe(503);
      const text = await healthz.text();
      expect(JSON.parse(text).problems).toContain("juspay");
      expect(text).not.toContain("BEGIN");
      const health = (await (await callWithEnv(overrides, "/v1/health")).json()) as any;
      expect(health.gateways.juspay).toEqual({ enabled: false, problems: [problem] });
      expect(JSON.stringify(health)).not.toContain("MII");
    },
  );

  it("make Juspay misconfigured by an unknown JUSPAY_AUTH_MODE", async () => {
    const healthz = await callWithEnv({ JUSPAY_AUTH_MODE: "oauth" }, "/healthz");
    expect(healthz.status).toBe(503);
    const health = (await (await callWithEnv({ JUSPAY_AUTH_MODE: "oauth" }, "/v1/health")).json()) as any;
    expect(health.problems).toContain("juspay: JUSPAY_AUTH_MODE must be basic or jose");
    await expectProblem(
      await callWithEnv({ JUSPAY_AUTH_MODE: "oauth" }, "/v1/orders", {
        method: "POST",
        json: { gateway: "juspay", order_id: newOrderId("jm"), amount: 100, currency: "INR" },
      }),
      404,
      "gateway_not_configured",
    );
  });
});

describe("an unusable JOSE answer over HTTP", () => {
  it("answers 502 and records nothing it claims: a forged session answer leaves no gateway reference", async () => {
    const id = newOrderId("jf");
    const forged = { status: "NEW", id: "ordeh_forged", order_id: id, payment_links: { web: "https://evil.test/pay" } };
    // Signed by Juspay's key, but the tag is tampered: checkpost must not believe a byte of it.
    await nextAnswer("/v4/session", JSON.stringify(withFlip(await juspayAnswer(forged), "tag")));
    const res = await callWithEnv(JOSE_ENV, "/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: id, amount: 100, currency: "INR" },
    });
    const problem = await expectProblem(res, 502, "gateway_unavailable");
    expect(JSON.stringify(problem)).not.toContain("evil.test");
    const stored = await callWithEnv(JOSE_ENV, `/v1/orders/juspay/${id}`);
    // The attempt is kept (reconciliation confirms it by Order Status), with nothing from the forged answer.
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ status: "created", gateway_status: null, gateway_reference: null });
  });
});

describe("jose mode: mandate execution", () => {
  it("sends a debit to /v4/txns sealed, with the form's fields as JSON strings and no Authorization", async () => {
    const { customer, mandateId } = await activeMandate();
    const id = newOrderId("jtx");
    const sent = await executeMandate(joseSettings(), io, {
      orderId: id,
      amount: inr(49_900),
      customerId: customer,
      mandateId,
      executionDate: null,
      notificationId: "nt_1",
    });
    expect(sent).toMatchObject({ ok: true, value: { status: "PENDING_VBV" } });
    const calls = (await gatewayCalls("juspay", "/v4/txns")).filter((c) => c.path === "/v4/txns");
    const opened = await Promise.all(calls.map(async (c) => ({ ...(await openRequest(c.body)), headers: c.headers })));
    const mine = opened.find((o) => (o.payload as Record<string, unknown>)["order.order_id"] === id);
    expect(mine?.payload).toMatchObject({
      "order.order_id": id,
      "order.amount": "499.00",
      "order.customer_id": customer,
      mandate_id: mandateId,
      format: "json",
      "mandate.notification_id": "nt_1",
    });
    expect(mine?.headers["authorization"]).toBeUndefined();
    expect((await gatewayCalls("juspay", "/txns")).filter((c) => c.path === "/txns")).toEqual([]);
  });
});
