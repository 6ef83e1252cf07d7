/**
 * The adapter's refund and refund-status calls against the simulator (juspay.md §5), ready for the refunds routes;
 * and Juspay's settings: disabled, misconfigured, the pinned `version`, and secrets kept out of logs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { callWithEnv, captureLogs, expectProblem, gatewayCalls, sim } from "../helpers";
import {
  basicAuth,
  configureJuspaySim,
  followReturn,
  inr,
  io,
  J,
  juspay,
  newOrderId,
  postWebhook,
  simOrder,
  simRedirect,
  simSet,
  simWebhook,
} from "./support";

beforeAll(configureJuspaySim);

describe("refund", () => {
  it("posts a form-encoded refund and answers the PENDING entry Juspay lists", async () => {
    const id = newOrderId("rf");
    await simOrder(id, { amount: "100.00", status: "CHARGED" });
    const res = await juspay().refund({ orderId: id, gatewayRefundId: "RF1abc", amount: inr(2550), reason: null }, io);
    expect(res).toEqual({
      ok: true,
      value: {
        gatewayRefundId: "RF1abc",
        gatewayRefundRef: expect.stringMatching(/^rfnd_/),
        status: "pending",
        gatewayStatus: "PENDING",
        amount: inr(2550),
      },
    });
    const [sent] = await gatewayCalls("juspay", `/orders/${id}/refunds`);
    expect(sent?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(sent!.body))).toEqual({
      unique_request_id: "RF1abc",
      amount: "25.50",
    });
  });

  it.each([
    ["21 characters", "A".repeat(21)],
    ["a hyphen", "rf-1"],
    ["an underscore", "rf_1"],
    ["a space", "rf 1"],
    ["nothing", ""],
  ])("refuses a unique_request_id with %s, without calling Juspay", async (_name, urid) => {
    const id = newOrderId("rf");
    const res = await juspay().refund({ orderId: id, gatewayRefundId: urid, amount: inr(100), reason: null }, io);
    expect(res).toMatchObject({ ok: false, error: { reason: "validation_failed" } });
    expect(await gatewayCalls("juspay", `/orders/${id}/refunds`)).toHaveLength(0);
  });

  it("answers gateway_rejected when Juspay refuses (an order that is not CHARGED)", async () => {
    const id = newOrderId("rf");
    await simOrder(id, { status: "AUTHORIZATION_FAILED" });
    const res = await juspay().refund({ orderId: id, gatewayRefundId: "RF2", amount: inr(100), reason: null }, io);
    expect(res).toMatchObject({ ok: false, error: { reason: "gateway_rejected" } });
  });

  it("answers gateway_unavailable when Juspay fails, so the caller asks for the refund instead of resending", async () => {
    const id = newOrderId("rf");
    await simOrder(id, { status: "CHARGED" });
    await sim("/__control/faults", {
      method: "POST",
      json: {
        gateway: "juspay",
        path: `/orders/${id}/refunds`,
        fault: { kind: "after_success", then: { kind: "status", status: 502 } },
      },
    });
    const res = await juspay().refund({ orderId: id, gatewayRefundId: "RF3", amount: inr(100), reason: null }, io);
    expect(res).toMatchObject({ ok: false, error: { reason: "gateway_unavailable" } });
    const status = await juspay().refundStatus({ orderId: id, gatewayRefundId: "RF3" }, io);
    expect(status).toMatchObject({ ok: true, value: { gatewayRefundId: "RF3" } });
  });
});

describe("refund status", () => {
  it.each([
    ["SUCCESS", "succeeded"],
    ["FAILURE", "failed"],
    ["MANUAL_REVIEW", "pending"],
  ])("reads a refund that settled as %s from the order's refunds[] (%s)", async (outcome, unified) => {
    const id = newOrderId("rs");
    await simOrder(id, { amount: "50.00", status: "CHARGED" });
    await simSet(id, { refund_outcome: outcome });
    await juspay().refund({ orderId: id, gatewayRefundId: "RS1", amount: inr(5000), reason: null }, io);
    const res = await juspay().refundStatus({ orderId: id, gatewayRefundId: "RS1" }, io);
    expect(res).toMatchObject({ ok: true, value: { status: unified, gatewayStatus: outcome, amount: inr(5000) } });
  });

  it("answers gateway_not_found for a refund id Juspay does not list", async () => {
    const id = newOrderId("rs");
    await simOrder(id, { status: "CHARGED" });
    const res = await juspay().refundStatus({ orderId: id, gatewayRefundId: "NOPE" }, io);
    expect(res).toMatchObject({ ok: false, error: { reason: "gateway_not_found" } });
  });

  it("lists refunds on the status snapshot", async () => {
    const id = newOrderId("rs");
    await simOrder(id, { amount: "50.00", status: "CHARGED" });
    await juspay().refund({ orderId: id, gatewayRefundId: "RS2", amount: inr(1000), reason: null }, io);
    const snapshot = await juspay().fetchStatus(id, io);
    expect(snapshot.ok && snapshot.value.refunds).toEqual([
      expect.objectContaining({ gatewayRefundId: "RS2", amount: inr(1000) }),
    ]);
  });
});

describe("settings", () => {
  it("is disabled, with its missing settings listed, without a Response Key", async () => {
    const res = await callWithEnv({ JUSPAY_RESPONSE_KEY: "" }, "/v1/health");
    expect(((await res.json()) as any).gateways.juspay).toEqual({ enabled: false, missing: ["JUSPAY_RESPONSE_KEY"] });
  });

  it("is misconfigured by a malformed JUSPAY_BASE_URL: reported by /v1/health, routes answer 404", async () => {
    const overrides = { JUSPAY_BASE_URL: "smartgateway.hdfcuat.bank.in" };
    const health = (await (await callWithEnv(overrides, "/v1/health")).json()) as any;
    expect(health.gateways.juspay).toEqual({ enabled: false, problems: ["JUSPAY_BASE_URL is not an absolute URL"] });
    expect(health.problems).toContain("juspay: JUSPAY_BASE_URL is not an absolute URL");
    await expectProblem(await callWithEnv(overrides, "/return/juspay?order_id=x"), 404, "gateway_not_configured");
    await expectProblem(
      await callWithEnv(overrides, "/handleJuspayResponse", { method: "POST", json: { order_id: "x" } }),
      404,
      "gateway_not_configured",
    );
  });

  it("is misconfigured by a JUSPAY_API_VERSION that is not a date", async () => {
    const health = (await (await callWithEnv({ JUSPAY_API_VERSION: "latest" }, "/v1/health")).json()) as any;
    expect(health.gateways.juspay.problems).toEqual(["JUSPAY_API_VERSION must be a date, YYYY-MM-DD"]);
  });

  it.each([
    ["the pinned version", "2025-05-01", "2025-05-01"],
    ["the default when unset", "", "2024-06-24"],
  ])("sends %s in the version header", async (_name, setting, expected) => {
    // A call the Worker makes with its own settings (status looks run inside the order's object).
    const id = newOrderId("ver");
    await callWithEnv({ JUSPAY_API_VERSION: setting }, "/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: id, amount: 100, currency: "INR" },
    });
    const sent = (await gatewayCalls("juspay", "/session")).find((c) => c.body.includes(id));
    expect(sent?.headers["version"]).toBe(expected);
  });

  it("never writes Juspay's API key, Response Key, webhook password or a signature to the logs", async () => {
    const id = newOrderId("log");
    await simOrder(id, { status: "CHARGED" });
    const redirect = await simRedirect(id);
    const { lines } = await captureLogs(async () => {
      await followReturn(redirect);
      await followReturn(await simRedirect(id, { key: "wrong" }));
      await postWebhook(await simWebhook(id));
      await postWebhook({ headers: { authorization: basicAuth("x", J.JUSPAY_WEBHOOK_PASSWORD) }, body: "{}" });
    });
    const text = lines.join("\n");
    expect(lines.length).toBeGreaterThan(3);
    const secrets = [J.JUSPAY_API_KEY, J.JUSPAY_RESPONSE_KEY, J.JUSPAY_WEBHOOK_PASSWORD, btoa(`${J.JUSPAY_API_KEY}:`)];
    for (const secret of [...secrets, redirect.signature]) {
      expect(text).not.toContain(secret);
    }
  });
});
