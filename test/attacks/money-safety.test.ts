/**
 * Issue #14's attacks, each written the way it was tried against the proxy: a forger holding a gateway's static
 * webhook credential, a replaying customer, and a gateway answering an amount checkpost cannot read.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { refreshAnswered } from "../drivers";
import { api, call, expectProblem, gatewayCalls, objectOf } from "../helpers";
import * as juspay from "../juspay/support";
import * as phonepe from "../phonepe/support";

beforeAll(async () => {
  await phonepe.useTestWebhookCredentials();
  await juspay.configureJuspaySim();
});

async function order(gateway: "juspay" | "phonepe", orderId: string): Promise<any> {
  return (await api(`/v1/orders/${gateway}/${orderId}`)).json();
}

async function postPhonePe(built: { headers: Record<string, string>; body: string }): Promise<any> {
  const res = await call("/webhooks/phonepe", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: built.headers["authorization"] ?? "" },
    body: built.body,
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe("a forger holding PhonePe's static webhook header", () => {
  it("cannot swallow the genuine 'completed' webhook by sending one before the payment", async () => {
    const orderId = phonepe.newOrderId();
    expect((await phonepe.createOrder(orderId)).res.status).toBe(201);
    // The forger's "completed", built exactly as the genuine one will be, arrives while the payment is pending.
    const completed = await phonepe.simWebhook({
      merchantOrderId: orderId,
      event: "checkout.order.completed",
      payload: { state: "COMPLETED" },
    });
    expect(await postPhonePe(completed)).toMatchObject({ duplicate: false });
    expect(await runDurableObjectAlarm(objectOf("phonepe", orderId))).toBe(true);
    expect((await order("phonepe", orderId)).status).not.toBe("succeeded");

    // The customer pays; PhonePe delivers the genuine webhook, the same bytes. It must ask for a look now.
    await phonepe.simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    expect(await postPhonePe(completed)).toMatchObject({ duplicate: true });
    expect(await runDurableObjectAlarm(objectOf("phonepe", orderId))).toBe(true);
    expect((await order("phonepe", orderId)).status).toBe("succeeded");

    // Once a status call confirmed the claim, a further replay is a plain duplicate and asks for nothing.
    const calls = (await gatewayCalls("phonepe", `/order/${orderId}/status`)).length;
    expect(await postPhonePe(completed)).toMatchObject({ duplicate: true });
    await runDurableObjectAlarm(objectOf("phonepe", orderId));
    expect(await gatewayCalls("phonepe", `/order/${orderId}/status`)).toHaveLength(calls);
  });
});

describe("a customer replaying a signed Juspay return leg", () => {
  it("makes at most 2 status calls with 20 replays for a succeeded order", async () => {
    const orderId = juspay.newOrderId("replay");
    await juspay.registerOrder(orderId, 10000);
    await juspay.simOrder(orderId, { status: "CHARGED" });
    const redirect = await juspay.simRedirect(orderId);
    for (let i = 0; i < 21; i++) expect((await juspay.followReturn(redirect)).status).toBe(303);
    expect((await gatewayCalls("juspay", `/orders/${orderId}`)).length).toBeLessThanOrEqual(2);
    // Every arrival is in the audit trail, on one row: the first arrival's, which counts the 20 replays.
    const returns = (await juspay.auditOf(orderId)).filter((e: any) => e.source === "return");
    expect(returns).toHaveLength(1);
    expect(returns[0].repeats).toBe(20);
    expect((await order("juspay", orderId)).status).toBe("succeeded");
  });
});

describe("a stranger holding one valid PhonePe return URL", () => {
  it("adds no audit rows by appending made-up parameters to it: every variant counts on one row", async () => {
    const orderId = phonepe.newOrderId();
    expect((await phonepe.createOrder(orderId)).res.status).toBe(201);
    await phonepe.simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    const url = `/return/phonepe?order_id=${orderId}&t=${await phonepe.returnToken(orderId)}`;
    expect((await call(url, { redirect: "manual" })).status).toBe(303);
    for (let i = 0; i < 15; i++) expect((await call(`${url}&x${i}=${i}`, { redirect: "manual" })).status).toBe(303);
    const trail = await (await api(`/v1/orders/phonepe/${orderId}/events?limit=200`)).json<{ data: any[] }>();
    const returns = trail.data.filter((e) => e.source === "return");
    expect(returns).toHaveLength(1);
    expect(returns[0].repeats).toBe(15);
    expect((await gatewayCalls("phonepe", `/order/${orderId}/status`)).length).toBeLessThanOrEqual(2);
  });
});

describe("a gateway answering an amount checkpost cannot read exactly", () => {
  it("puts an unregistered order settled for 100.005 under review, and a later registration of any amount cannot certify it", async () => {
    const orderId = juspay.newOrderId("unread");
    await juspay.simOrder(orderId, { status: "CHARGED" });
    // The gateway (or something between) answers an amount with three decimals.
    const answer = { order_id: orderId, status: "CHARGED", status_id: 21, amount: 100.005, currency: "INR" };
    await refreshAnswered("juspay", orderId, `/orders/${orderId}`, answer);
    const seen = await order("juspay", orderId);
    expect(seen).toMatchObject({ requires_review: true, review_reason: "amount_unreadable", amount: null });
    expect(seen.status).not.toBe("succeeded");

    const late = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: orderId, amount: 99_999_900, currency: "INR", register_only: true },
    });
    await expectProblem(late, 409, "amount_unconfirmed");
    expect(await order("juspay", orderId)).toMatchObject({ amount_verified: false, amount: null });
  });

  it("refuses to certify, after the fact, an order that succeeded with an amount no status call confirmed", async () => {
    const orderId = juspay.newOrderId("late");
    await juspay.simOrder(orderId, { status: "CHARGED" });
    expect((await juspay.followReturn(await juspay.simRedirect(orderId))).status).toBe(303);
    // The status call confirmed 100.00 rupees: registering that same amount certifies it, any other does not.
    await expectProblem(
      await api("/v1/orders", {
        method: "POST",
        json: { gateway: "juspay", order_id: orderId, amount: 99_999_900, currency: "INR", register_only: true },
      }),
      422,
      "amount_mismatch",
    );
    const same = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: orderId, amount: 10_000, currency: "INR", register_only: true },
    });
    expect(same.status).toBe(200);
    expect(await order("juspay", orderId)).toMatchObject({ amount_verified: true, amount: 10_000 });
  });
});
