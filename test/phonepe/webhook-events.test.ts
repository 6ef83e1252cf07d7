import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, call, expectProblem, gatewayCalls, objectOf } from "../helpers";
import {
  callbackHeader,
  createOrder,
  newOrderId,
  simWebhook,
  simJson,
  simOrder,
  useTestWebhookCredentials,
} from "./support";

beforeAll(useTestWebhookCredentials);

function post(body: string | Uint8Array, authorization: string): Promise<Response> {
  return call("/webhooks/phonepe", {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body,
  });
}

/** Builds the callback at the simulator and posts it to checkpost exactly as built. */
async function deliver(request: Record<string, unknown>): Promise<Response> {
  const built = await simWebhook(request);
  return post(built.body, built.headers["authorization"] ?? "");
}

async function audit(orderId: string): Promise<any[]> {
  const res = await api(`/v1/orders/phonepe/${orderId}/events`);
  return ((await res.json()) as { data: any[] }).data;
}

async function orderStatus(orderId: string): Promise<string> {
  return ((await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as { status: string }).status;
}

/** A Business Dashboard refund at the simulator, its callback built there and posted to checkpost as built. */
async function deliverDashboardRefund(orderId: string, amount: number, request: Record<string, unknown> = {}) {
  const built = await simJson("/refunds/dashboard", { merchantOrderId: orderId, amount, ...request });
  const response = await post(built.body, built.headers["authorization"] ?? "");
  return {
    response,
    refund: built.refund as { merchantRefundId: string; refundId: string },
    body: built.body as string,
  };
}

/** Runs the order's Durable Object alarm now (the S2S confirmation), if one is armed. */
async function runAlarm(orderId: string): Promise<void> {
  await runDurableObjectAlarm(objectOf("phonepe", orderId));
}

/** `[how the callback names it, the event checkpost records, the status it claims]`. */
type Row = readonly [name: string, canonical: string, claimed: string];

/** The callback request for a row: `event` for dotted names, a legacy `type` (and no `event`) for UPPER_CASE ones. */
function naming(name: string): Record<string, unknown> {
  return /^[A-Z_]+$/.test(name) ? { event: null, type: name } : { event: name };
}

const ORDER_EVENTS: readonly Row[] = [
  ["checkout.order.completed", "checkout.order.completed", "succeeded"],
  ["checkout.order.failed", "checkout.order.failed", "failed"],
  ["pg.order.completed", "pg.order.completed", "succeeded"],
  ["pg.order.failed", "pg.order.failed", "failed"],
  ["CHECKOUT_ORDER_COMPLETED", "checkout.order.completed", "succeeded"],
  ["CHECKOUT_ORDER_FAILED", "checkout.order.failed", "failed"],
  ["PG_ORDER_COMPLETED", "pg.order.completed", "succeeded"],
  ["PG_ORDER_FAILED", "pg.order.failed", "failed"],
];

/** Failed attempts on an order that stays open: `[how the callback names it, the event checkpost records]`. */
const ATTEMPT_EVENTS: readonly (readonly [string, string])[] = [
  ["checkout.transaction.attempt.failed", "checkout.transaction.attempt.failed"],
  ["pg.transaction.attempt.failed", "pg.transaction.attempt.failed"],
  ["pg.transaction.failed", "pg.transaction.failed"],
  ["CHECKOUT_TRANSACTION_ATTEMPT_FAILED", "checkout.transaction.attempt.failed"],
  ["PG_TRANSACTION_ATTEMPT_FAILED", "pg.transaction.attempt.failed"],
];

const REFUND_EVENTS: readonly Row[] = [
  ["pg.refund.accepted", "pg.refund.accepted", "pending"],
  ["pg.refund.completed", "pg.refund.completed", "succeeded"],
  ["pg.refund.failed", "pg.refund.failed", "failed"],
  ["PG_REFUND_ACCEPTED", "pg.refund.accepted", "pending"],
  ["PG_REFUND_COMPLETED", "pg.refund.completed", "succeeded"],
  ["PG_REFUND_FAILED", "pg.refund.failed", "failed"],
];

const IMPLIED_STATE: Record<string, string> = { succeeded: "COMPLETED", failed: "FAILED", pending: "PENDING" };

describe("PhonePe callback events", () => {
  it.each(ORDER_EVENTS)("records %s as payment event %s claiming %s", async (name, canonical, claimed) => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);
    const res = await deliver({
      merchantOrderId: orderId,
      ...naming(name),
      payload: { state: IMPLIED_STATE[claimed] },
    });
    expect(await res.json()).toEqual({ received: true, recorded: true, duplicate: false });
    const row = (await audit(orderId)).find((e) => e.source === "webhook");
    expect(row).toMatchObject({ kind: "observation", detail: { note: canonical, claimed, confirmed: false } });
  });

  it.each(ATTEMPT_EVENTS)("%s never fails the order: recorded as %s, claiming nothing", async (name, canonical) => {
    const orderId = newOrderId();
    await createOrder(orderId);
    await simJson(`/orders/${orderId}/outcome`, { state: "PENDING" });
    // The least convenient payload: the failed attempt's own FAILED state at the root.
    const res = await deliver({ merchantOrderId: orderId, ...naming(name), payload: { state: "FAILED" } });
    expect(await res.json()).toEqual({ received: true, recorded: true, duplicate: false });
    const row = (await audit(orderId)).find((e) => e.source === "webhook");
    expect(row).toMatchObject({ kind: "other_event", detail: { event: canonical } });
    await runAlarm(orderId); // the look it asked for: Order Status says PENDING
    expect(await orderStatus(orderId)).toBe("pending");
  });

  it.each(REFUND_EVENTS)("records %s as refund event %s claiming %s", async (name, canonical, claimed) => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000, { state: "COMPLETED" });
    const failed = claimed === "failed";
    // A failed refund's documented callback names neither the order nor the merchantRefundId: give it the order.
    const res = await deliverDashboardRefund(orderId, 500, {
      state: IMPLIED_STATE[claimed],
      ...naming(name),
      ...(failed ? { payload: { originalMerchantOrderId: orderId } } : {}),
    });
    expect(await res.response.json()).toEqual({ received: true, recorded: true, duplicate: false });
    const row = (await audit(orderId)).find((e) => e.source === "webhook");
    expect(row).toMatchObject({
      kind: "refund_event",
      detail: { event: canonical, refund_id: failed ? null : res.refund.merchantRefundId, refund_status: claimed },
    });
  });

  it("takes the claimed state from the payload's root state when it has one", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);
    await deliver({ merchantOrderId: orderId, event: "checkout.order.completed", payload: { state: "PENDING" } });
    const row = (await audit(orderId)).find((e) => e.source === "webhook");
    expect(row).toMatchObject({ gateway_status: "PENDING", detail: { claimed: "pending" } });
  });

  it("records an unknown PG order event as `other` and still confirms the order with PhonePe", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000, { state: "COMPLETED" });
    const res = await deliver({ merchantOrderId: orderId, event: "checkout.order.reopened" });
    expect(await res.json()).toMatchObject({ recorded: true });
    expect((await audit(orderId)).find((e) => e.source === "webhook")).toMatchObject({ kind: "other_event" });
    await runAlarm(orderId);
    expect(await orderStatus(orderId)).toBe("succeeded");
  });

  it.each([
    ["subscription.setup.order.completed", { event: "subscription.setup.order.completed" }],
    ["subscription.redemption.order.failed", { event: "subscription.redemption.order.failed" }],
    ["SUBSCRIPTION_SETUP_ORDER_COMPLETED (legacy type)", { event: null, type: "SUBSCRIPTION_SETUP_ORDER_COMPLETED" }],
    ["paylink.order.completed", { event: "paylink.order.completed" }],
  ])("a %s webhook is acknowledged without creating an order or a poll", async (_name, naming) => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000, { state: "COMPLETED" });
    const res = await deliver({ merchantOrderId: orderId, ...naming });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, recorded: false });
    await expectProblem(await api(`/v1/orders/phonepe/${orderId}`), 404, "order_not_found");
    expect(await gatewayCalls("phonepe", `/order/${orderId}/status`)).toHaveLength(0);
  });

  it("a subscription.* webhook about an order checkpost holds leaves its trail and its polls alone", async () => {
    const orderId = newOrderId();
    await createOrder(orderId);
    const before = await audit(orderId);
    const res = await deliver({ merchantOrderId: orderId, event: "subscription.setup.order.completed" });
    expect(await res.json()).toEqual({ received: true, recorded: false });
    expect(await audit(orderId)).toEqual(before);
  });

  it("a refund event names its order by originalMerchantOrderId, not merchantOrderId", async () => {
    const orderId = newOrderId();
    const other = newOrderId();
    await simOrder(orderId, 10_000, { state: "COMPLETED" });
    const res = await deliverDashboardRefund(orderId, 500, { payload: { merchantOrderId: other } });
    expect(await res.response.json()).toMatchObject({ recorded: true });
    expect((await audit(orderId)).find((e) => e.source === "webhook")).toMatchObject({ kind: "refund_event" });
    await expectProblem(await api(`/v1/orders/phonepe/${other}`), 404, "order_not_found");
  });

  it("acknowledges the documented pg.refund.failed callback (empty originalMerchantOrderId) without recording it", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000, { state: "COMPLETED" });
    const res = await deliverDashboardRefund(orderId, 500, { state: "FAILED" });
    const payload = JSON.parse(res.body).payload;
    expect(payload).toMatchObject({ originalMerchantOrderId: "", refundId: res.refund.refundId, state: "FAILED" });
    expect(payload).not.toHaveProperty("merchantRefundId");
    expect(res.response.status).toBe(200);
    expect(await res.response.json()).toEqual({ received: true, recorded: false });
    await expectProblem(await api(`/v1/orders/phonepe/${orderId}`), 404, "order_not_found");
  });

  it("acknowledges a redelivery as a duplicate and records it once", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);
    const built = await simWebhook({
      merchantOrderId: orderId,
      event: "checkout.order.failed",
      payload: { state: "FAILED" },
    });
    const auth = built.headers["authorization"] ?? "";
    expect(await (await post(built.body, auth)).json()).toMatchObject({ duplicate: false });
    expect(await (await post(built.body, auth)).json()).toMatchObject({ duplicate: true });
    const rows = (await audit(orderId)).filter((e) => e.source === "webhook");
    expect(rows.map((r) => [r.outcome, r.repeats])).toEqual([["needs_confirmation", 1]]);
  });

  it("dedupes a legacy type-only delivery against the event delivery of the same callback", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);
    const payload = { state: "COMPLETED" };
    await deliver({ merchantOrderId: orderId, event: "checkout.order.completed", payload });
    const again = await deliver({ merchantOrderId: orderId, event: null, type: "CHECKOUT_ORDER_COMPLETED", payload });
    expect(await again.json()).toMatchObject({ duplicate: true });
  });

  it("keeps one record for 20 concurrent deliveries of the same callback", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);
    const built = await simWebhook({
      merchantOrderId: orderId,
      event: "checkout.order.failed",
      payload: { state: "FAILED" },
    });
    const auth = built.headers["authorization"] ?? "";
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(built.body, auth).then((r) => r.json())));
    expect(replies.filter((r: any) => r.duplicate === false)).toHaveLength(1);
  });

  it.each([
    ["a body that is not JSON", "{not json"],
    ["a JSON array", "[]"],
    ["an empty object", "{}"],
    ["a callback without a payload", '{"event":"checkout.order.completed"}'],
    ["a callback naming no event", '{"payload":{"merchantOrderId":"MO_nothing","state":"COMPLETED"}}'],
    ["a payload that is not an object", '{"event":"checkout.order.completed","payload":"MO_1"}'],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
  ])("answers %s with a valid header with 400 malformed_body", async (_name, body) => {
    await expectProblem(await post(body, await callbackHeader()), 400, "malformed_body");
  });
});

describe("PhonePe callbacks never settle an order on their own", () => {
  it("keeps a tampered 'completed' callback with a valid header from changing the order until Order Status agrees", async () => {
    const orderId = newOrderId();
    await createOrder(orderId, { amount: 10_000 });
    const tampered = await deliver({
      merchantOrderId: orderId,
      event: "checkout.order.completed",
      payload: { state: "COMPLETED", amount: 10_000 },
    });
    expect(tampered.status).toBe(200);
    expect(await orderStatus(orderId)).not.toBe("succeeded");

    await runAlarm(orderId); // Order Status says PENDING
    expect(await orderStatus(orderId)).toBe("pending");
    const poll = (await audit(orderId)).find((e) => e.source === "poll");
    expect(poll).toMatchObject({ gateway_status: "PENDING", detail: { confirmed: true } });

    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    await deliver({ merchantOrderId: orderId, event: "checkout.order.completed" });
    await runAlarm(orderId);
    expect(await orderStatus(orderId)).toBe("succeeded");
  });

  it("settles on the amount Order Status reports, not the callback's", async () => {
    const orderId = newOrderId();
    await createOrder(orderId, { amount: 10_000 });
    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED", reportedAmount: 1 });
    await deliver({ merchantOrderId: orderId, event: "checkout.order.completed", payload: { amount: 10_000 } });
    await runAlarm(orderId);
    const order = (await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any;
    expect(order).toMatchObject({ requires_review: true, review_reason: "amount_mismatch" });
    expect(order.status).not.toBe("succeeded");
  });

  it("applies a failed callback only once Order Status confirms FAILED", async () => {
    const orderId = newOrderId();
    await createOrder(orderId);
    await deliver({ merchantOrderId: orderId, event: "checkout.order.failed", payload: { state: "FAILED" } });
    expect(await orderStatus(orderId)).not.toBe("failed");
    await runAlarm(orderId);
    expect(await orderStatus(orderId)).toBe("pending");
    await simJson(`/orders/${orderId}/outcome`, { state: "FAILED", errorCode: "TIMED_OUT" });
    await deliver({ merchantOrderId: orderId, event: "checkout.order.failed" });
    await runAlarm(orderId);
    const order = (await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any;
    expect(order).toMatchObject({ status: "failed", details: { error_code: "TIMED_OUT" } });
  });
});
