/**
 * What the docs say Juspay does, where checkpost once assumed otherwise (issue #15): one `x-routing-id` per order and
 * `x-customerid` (juspay.md §2), webhooks without an `id` (§7), pre-auth holds (§12), refunds in MANUAL_REVIEW (§5)
 * and every documented webhook event (§7, §12).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { JUSPAY_WEBHOOK_EVENTS, toWebhookEvent } from "../../src/gateways/juspay/map";
import { JuspayWebhookSchema } from "../../src/gateways/juspay/wire";
import { api, expectProblem, gatewayCalls, objectOf, sim } from "../helpers";
import {
  auditOf,
  basicAuth,
  configureJuspaySim,
  getOrder,
  inr,
  io,
  J,
  juspay,
  newOrderId,
  postWebhook,
  registerOrder,
  simApi,
  simMandate,
  simOrder,
  simRouting,
  simSet,
  simWebhook,
} from "./support";

beforeAll(configureJuspaySim);

/** When the order's object will next wake up (a look asked for now moves it to now). */
const alarmOf = (id: string) => runInDurableObject(objectOf("juspay", id), (_o, state) => state.storage.getAlarm());

/** An order's whole life through checkpost: session, update, payment, status, refund and the refund's sync. */
async function wholeLife(id: string, customer: Record<string, string> | null): Promise<void> {
  const created = await api("/v1/orders", {
    method: "POST",
    json: { gateway: "juspay", order_id: id, amount: 10000, currency: "INR", ...(customer ? { customer } : {}) },
  });
  expect(created.status).toBe(201);
  const updated = await api(`/v1/orders/juspay/${id}/update`, { method: "POST", json: { amount: 20000 } });
  expect(updated.status).toBe(200);
  await simSet(id, { status: "CHARGED", refund_settle_reads: 1 });
  expect(await getOrder(id, true)).toMatchObject({ status: "succeeded" });
  const refund = await api(`/v1/orders/juspay/${id}/refunds`, {
    method: "POST",
    json: { amount: 5000 },
    headers: { "idempotency-key": `k-${id}` },
  });
  expect(refund.status).toBe(201);
  await runDurableObjectAlarm(objectOf("juspay", id));
}

describe("routing headers", () => {
  it("every Juspay call of one order carries the same x-routing-id: the customer id when the order has one", async () => {
    const id = newOrderId("rt");
    const customer = `cust${id}`;
    await wholeLife(id, { id: customer, email: "a@example.com" });
    const calls = await simRouting("order", id);
    expect(calls.map((c) => c.operation)).toEqual(
      expect.arrayContaining(["POST /session", "POST /orders/:id", "GET /orders/:id", "POST /orders/:id/refunds"]),
    );
    expect(new Set(calls.map((c) => c.routing_id))).toEqual(new Set([customer]));
  });

  it("x-customerid is sent when the customer is known", async () => {
    const id = newOrderId("rt");
    const customer = `cust${id}`;
    await wholeLife(id, { id: customer });
    const calls = await simRouting("order", id);
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.every((c) => c.customer_id === customer)).toBe(true);
  });

  it("every Juspay call of an order without a customer id carries the order id as x-routing-id, and no x-customerid", async () => {
    const id = newOrderId("rt");
    await wholeLife(id, { email: "guest@example.com" });
    const calls = await simRouting("order", id);
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.every((c) => c.routing_id === id && c.customer_id === null)).toBe(true);
  });

  it("a status call made without order facts (an order seen first at Juspay) is routed by the order id", async () => {
    const id = newOrderId("rt");
    await simOrder(id, { status: "CHARGED" });
    expect((await juspay().fetchStatus(id, io)).ok).toBe(true);
    expect(await juspay().fetchStatus(id, io, { customerId: "c9" })).toMatchObject({ ok: true });
    expect((await simRouting("order", id)).map((c) => [c.routing_id, c.customer_id])).toEqual([
      [id, null],
      ["c9", "c9"],
    ]);
  });

  it("mandate calls are routed by the customer id when checkpost has it, else by the mandate id", async () => {
    const customer = `cust${newOrderId("md")}`;
    const [a, b] = [await simMandate({ customer_id: customer }), await simMandate({ customer_id: customer })];
    expect((await api(`/v1/juspay/customers/${customer}/mandates`)).status).toBe(200);
    const revoke = (mandate: string, json?: unknown) =>
      api(`/v1/juspay/mandates/${mandate}/revoke`, { method: "POST", ...(json ? { json } : {}) });
    expect((await revoke(a.mandate_id, { customer_id: customer })).status).toBe(200);
    expect((await revoke(b.mandate_id)).status).toBe(200);
    expect(await simRouting("customer", customer)).toEqual([
      { operation: "GET /customers/:id/mandates", routing_id: customer, customer_id: customer },
    ]);
    expect(await simRouting("mandate", a.mandate_id)).toEqual([
      { operation: "POST /mandates/:id", routing_id: customer, customer_id: customer },
    ]);
    expect(await simRouting("mandate", b.mandate_id)).toEqual([
      { operation: "POST /mandates/:id", routing_id: b.mandate_id, customer_id: null },
    ]);
  });
});

describe("webhooks without an id", () => {
  it("a Juspay webhook without an id is accepted and a redelivery of it is a duplicate", async () => {
    const id = newOrderId("ni");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const webhook = await simWebhook(id, { omit_id: true });
    expect(JSON.parse(webhook.body)).not.toHaveProperty("id");
    const first = await postWebhook(webhook);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ recorded: true, duplicate: false });
    const again = await postWebhook(webhook);
    expect(await again.json()).toMatchObject({ recorded: true, duplicate: true });
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect(await getOrder(id)).toMatchObject({ status: "succeeded" });
  });

  it("two different Juspay webhooks without ids for one order are both recorded", async () => {
    const id = newOrderId("ni");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "PENDING_VBV" });
    const created = await postWebhook(await simWebhook(id, { event_name: "TXN_CREATED", omit_id: true }));
    await simSet(id, { status: "AUTHORIZATION_FAILED" });
    const failed = await postWebhook(await simWebhook(id, { event_name: "ORDER_FAILED", omit_id: true }));
    expect([await created.json(), await failed.json()]).toMatchObject([{ duplicate: false }, { duplicate: false }]);
    const rows = (await auditOf(id)).filter((e) => e.source === "webhook");
    expect(rows.map((e) => e.gateway_status)).toEqual(["PENDING_VBV", "AUTHORIZATION_FAILED"]);
  });

  it("a second payment attempt on one order is a new event, its first attempt's redelivery is not", () => {
    const order = (txn: string) => ({ order_id: "o1", status: "PENDING_VBV", txn_uuid: txn, txn_id: `m-o1-${txn}` });
    const keys = (txn: string) =>
      toWebhookEvent(JuspayWebhookSchema().parse({ event_name: "TXN_CREATED", content: { order: order(txn) } }))
        .dedupeKeys;
    expect(keys("eul1")).toEqual(["juspay:o1:TXN_CREATED:PENDING_VBV:eul1"]);
    expect(keys("eul1")).toEqual(keys("eul1"));
    expect(keys("eul2")).not.toEqual(keys("eul1"));
  });

  it("reads the string-typed amounts of the documented webhook samples exactly", async () => {
    const id = newOrderId("ni");
    await simOrder(id, { amount: "1234.50", status: "CHARGED" });
    const body = JSON.parse((await simWebhook(id)).body);
    expect(body.content.order).toMatchObject({ amount: "1234.5", status_id: "21" });
    expect(toWebhookEvent(JuspayWebhookSchema().parse(body)).amount).toEqual(inr(123450));
  });
});

describe("pre-auth and refunds that need a person", () => {
  it("an AUTHORIZED status is reported as held", async () => {
    const id = newOrderId("ha");
    await simOrder(id, { status: "AUTHORIZED" });
    const snapshot = await juspay().fetchStatus(id, io);
    expect(snapshot).toMatchObject({ ok: true, value: { gatewayStatus: "AUTHORIZED", status: "pending", held: true } });
    await simSet(id, { status: "CHARGED" });
    const charged = await juspay().fetchStatus(id, io);
    expect(charged.ok && charged.value.held).toBeFalsy();
  });

  it("the simulated checkout's authorized outcome leaves the money held", async () => {
    const id = newOrderId("ha");
    await simOrder(id);
    const paid = await sim(`/juspay/pay/${id}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "outcome=authorized",
      redirect: "manual",
    });
    expect(paid.status).toBe(303);
    expect(await juspay().fetchStatus(id, io)).toMatchObject({ ok: true, value: { status: "pending", held: true } });
  });

  it("a refund in MANUAL_REVIEW is flagged manual_review_at_gateway", async () => {
    const id = newOrderId("mr");
    await simOrder(id, { amount: "50.00", status: "CHARGED" });
    await simSet(id, { refund_outcome: "MANUAL_REVIEW" });
    await juspay().refund({ orderId: id, gatewayRefundId: "MR1", amount: inr(500), reason: null }, io);
    const res = await juspay().refundStatus({ orderId: id, gatewayRefundId: "MR1" }, io);
    expect(res).toMatchObject({
      ok: true,
      value: { status: "pending", gatewayStatus: "MANUAL_REVIEW", reviewReason: "manual_review_at_gateway" },
    });
    const webhook = JSON.parse((await simWebhook(id, { event_name: "REFUND_MANUAL_REVIEW_NEEDED" })).body);
    expect(toWebhookEvent(JuspayWebhookSchema().parse(webhook)).refund).toMatchObject({
      gatewayRefundId: "MR1",
      reviewReason: "manual_review_at_gateway",
    });
  });
});

describe("webhook events", () => {
  // The event table of developer.juspay.in/v3.2/docs/outgoing-webhookcallback-3 and docs.juspay.io/upi-tpap-sdk/ios/
  // callbacks/Introduction, MANDATE_REVOKED (v3.0 reference) and NOTIFICATION_FAILED (v3.2 notification callback).
  const DOCUMENTED = [
    "ORDER_SUCCEEDED",
    "ORDER_REFUNDED",
    "ORDER_FAILED",
    "ORDER_REFUND_FAILED",
    "TXN_CREATED",
    "REFUND_MANUAL_REVIEW_NEEDED",
    "AUTO_REFUND_SUCCEEDED",
    "AUTO_REFUND_FAILED",
    "MANDATE_CREATED",
    "MANDATE_ACTIVATED",
    "MANDATE_FAILED",
    "MANDATE_REVOKED",
    "NOTIFICATION_SUCCEEDED",
    "NOTIFICATION_FAILED",
  ];

  it("every documented Juspay webhook event has a classification", () => {
    for (const name of DOCUMENTED) {
      const rule = JUSPAY_WEBHOOK_EVENTS[name];
      expect(rule, name).toBeDefined();
      expect(rule?.kind, name).not.toBe("other");
      if (rule?.kind === "notice" || rule?.kind === "ignored") expect(rule.reason, name).toMatch(/\w/);
    }
    const payload = (event_name: string) =>
      JuspayWebhookSchema().parse({ event_name, content: { order: { order_id: "o1", status: "CHARGED" } } });
    const kinds = Object.fromEntries(DOCUMENTED.map((name) => [name, toWebhookEvent(payload(name)).kind]));
    expect(kinds).toMatchObject({
      ORDER_SUCCEEDED: "payment",
      ORDER_REFUNDED: "refund",
      AUTO_REFUND_SUCCEEDED: "refund",
      MANDATE_ACTIVATED: "notice",
      NOTIFICATION_SUCCEEDED: "notice",
    });
    expect(toWebhookEvent(payload("CHARGEBACK_RECEIVED"))).toMatchObject({
      kind: "notice",
      reason: "chargeback: handled in the Juspay dashboard",
    });
  });

  it("a chargeback webhook is recorded on the order without a look", async () => {
    const id = newOrderId("cb");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const webhook = await simWebhook(id, { event_name: "CHARGEBACK_RECEIVED" });
    const alarm = await alarmOf(id);
    const res = await postWebhook(webhook);
    expect(await res.json()).toMatchObject({ recorded: true });
    expect(await postWebhook(webhook).then((r) => r.json())).toMatchObject({ duplicate: true });
    const notices = (await auditOf(id)).filter((e) => e.kind === "notice_event");
    expect(notices).toMatchObject([
      { detail: { event: "CHARGEBACK_RECEIVED", reason: "chargeback: handled in the Juspay dashboard" } },
    ]);
    expect(await alarmOf(id)).toBe(alarm);
    expect(await gatewayCalls("juspay", `/orders/${id}`)).toHaveLength(0);
    expect(await getOrder(id)).toMatchObject({ status: "created" });
  });

  it("a mandate webhook is noted on its registration order without a look", async () => {
    const id = newOrderId("mw");
    await registerOrder(id, 10000);
    const headers = {
      "content-type": "application/json",
      authorization: basicAuth(J.JUSPAY_WEBHOOK_USERNAME, J.JUSPAY_WEBHOOK_PASSWORD),
    };
    // The shape of demo payv3-forms/webhook/response-mandatecreated.txt (string-typed values, `status`).
    const body = JSON.stringify({
      id: `evt_V2_${id}`,
      event_name: "MANDATE_ACTIVATED",
      date_created: "2026-01-01T00:00:00Z",
      content: { mandate: { mandate_id: `mnd${id}`, status: "ACTIVE", order_id: id, max_amount: "399" } },
    });
    const alarm = await alarmOf(id);
    expect(await (await postWebhook({ headers, body })).json()).toMatchObject({ recorded: true });
    const notices = (await auditOf(id)).filter((e) => e.kind === "notice_event");
    expect(notices).toMatchObject([
      {
        gateway_status: "ACTIVE",
        detail: { event: "MANDATE_ACTIVATED", reason: "mandate lifecycle: confirmed by the mandate's object" },
      },
    ]);
    expect(await alarmOf(id)).toBe(alarm);
  });

  it("a chargeback webhook about an order checkpost does not hold creates nothing", async () => {
    const id = newOrderId("cb");
    await simOrder(id, { status: "CHARGED" });
    const res = await postWebhook(await simWebhook(id, { event_name: "CHARGEBACK_RECEIVED", omit_id: true }));
    expect(await res.json()).toMatchObject({ recorded: false });
    await expectProblem(await api(`/v1/orders/juspay/${id}`), 404, "order_not_found");
  });
});

describe("the simulated Juspay validates requests as documented", () => {
  it("refuses calls without x-merchantid or version, and refund amounts with more than 2 decimals", async () => {
    const id = newOrderId("sv");
    await simOrder(id, { status: "CHARGED" });
    const auth = `Basic ${btoa(J.JUSPAY_API_KEY)}`; // the kits' no-colon form is accepted
    const bare = await fetch(`http://sim.test/juspay/orders/${id}`, { headers: { authorization: auth } });
    expect(bare.status).toBe(400);
    const ok = await fetch(`http://sim.test/juspay/orders/${id}`, {
      headers: { authorization: auth, "x-merchantid": J.JUSPAY_MERCHANT_ID, version: "2024-06-24" },
    });
    expect(ok.status).toBe(200);
    expect((await simApi(`/orders/${id}/refunds`, { unique_request_id: "R1", amount: "1.005" })).status).toBe(400);
    expect((await simApi(`/orders/${id}/refunds`, { unique_request_id: "R1", amount: "100.01" })).status).toBe(400);
    expect((await simApi(`/orders/${id}/refunds`, { unique_request_id: "R-1", amount: "1.00" })).status).toBe(400);
  });
});
