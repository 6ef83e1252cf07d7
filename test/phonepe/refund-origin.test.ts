/**
 * PhonePe refunds checkpost did not issue, and refund callbacks that do not name checkpost's refund id: a Business
 * Dashboard refund (PhonePe's own `merchantRefundId`) and the documented `pg.refund.failed` samples, which carry no
 * `merchantRefundId` (phonepe.md §5, §11). Everything goes through the HTTP routes and the simulator.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, call, expectProblem, gatewayCalls, objectOf } from "../helpers";
import { createOrder, freshGateway, newOrderId, simJson, simOrder, testIO, useTestWebhookCredentials } from "./support";

beforeAll(useTestWebhookCredentials);

interface Built {
  headers: Record<string, string>;
  body: string;
}

function post(built: Built): Promise<Response> {
  return call("/webhooks/phonepe", { method: "POST", headers: built.headers, body: built.body });
}

/** checkpost's PhonePe verifier over a callback the simulator built. */
function verifyBuilt(built: Built) {
  const bytes = new Uint8Array(new TextEncoder().encode(built.body));
  return freshGateway().gateway.verifyWebhook({ bytes, headers: new Headers(built.headers) }, Date.now());
}

function refund(orderId: string, amount: number, key: string): Promise<Response> {
  return api(`/v1/orders/phonepe/${orderId}/refunds`, {
    method: "POST",
    json: { amount },
    headers: { "idempotency-key": key },
  });
}

/** An order created through checkpost, paid at PhonePe, and settled in checkpost by a status refresh. */
async function paidOrder(amount = 10_000): Promise<string> {
  const orderId = newOrderId("PO");
  expect((await createOrder(orderId, { amount })).res.status).toBe(201);
  await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
  const res = await api(`/v1/orders/phonepe/${orderId}?refresh=true`);
  expect(((await res.json()) as { status: string }).status).toBe("succeeded");
  return orderId;
}

async function refunds(orderId: string): Promise<any[]> {
  return ((await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as { refunds: any[] }).refunds;
}

describe("PhonePe refunds checkpost did not issue", () => {
  it("a dashboard refund's callback carries PhonePe's own merchantRefundId, refundId, amount and state to checkpost", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000, { state: "COMPLETED" });
    const built = await simJson("/refunds/dashboard", { merchantOrderId: orderId, amount: 4_000 });
    const event = await verifyBuilt(built);
    expect(event.ok && event.value).toMatchObject({
      kind: "refund",
      eventType: "pg.refund.completed",
      orderId,
      refund: {
        gatewayRefundId: built.refund.merchantRefundId,
        gatewayRefundRef: built.refund.refundId,
        status: "succeeded",
        gatewayStatus: "COMPLETED",
        amount: { minor: 4_000, currency: "INR" },
      },
    });
  });

  it("reads the refund status of a merchantRefundId checkpost did not mint (a dashboard refund)", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 10_000, { state: "COMPLETED" });
    const built = await simJson("/refunds/dashboard", { merchantOrderId: orderId, amount: 4_000 });
    const { gateway } = freshGateway();
    const lookup = { orderId, gatewayRefundId: built.refund.merchantRefundId, gatewayRefundRef: built.refund.refundId };
    const status = await gateway.refundStatus(lookup, testIO());
    expect(status.ok && status.value).toEqual({
      gatewayRefundId: built.refund.merchantRefundId,
      gatewayRefundRef: built.refund.refundId,
      status: "succeeded",
      gatewayStatus: "COMPLETED",
      amount: { minor: 4_000, currency: "INR" },
    });
  });

  it("a dashboard refund of ₹40 on ₹100 makes a later ₹70 refund through checkpost refused", async () => {
    const orderId = await paidOrder(10_000);
    const built = await simJson("/refunds/dashboard", { merchantOrderId: orderId, amount: 4_000 });
    expect(await (await post(built)).json()).toMatchObject({ received: true, recorded: true });
    await runDurableObjectAlarm(objectOf("phonepe", orderId));
    const before = (await gatewayCalls("phonepe", "/payments/v2/refund")).filter((c) => c.body.includes(orderId));

    await expectProblem(await refund(orderId, 7_000, `k-70-${orderId}`), 422, "refund_exceeds_available");
    const after = (await gatewayCalls("phonepe", "/payments/v2/refund")).filter((c) => c.body.includes(orderId));
    expect(after).toHaveLength(before.length);
    // What is left can still be refunded.
    expect((await refund(orderId, 6_000, `k-60-${orderId}`)).status).toBe(201);
  });
});

describe("PhonePe refund callbacks without merchantRefundId", () => {
  it("a PhonePe pg.refund.failed callback without merchantRefundId is matched by refundId", async () => {
    const orderId = await paidOrder(10_000);
    const res = await refund(orderId, 2_500, `k-f-${orderId}`);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { refund_id: string; gateway_refund_id: string };
    await simJson(`/refunds/${created.gateway_refund_id}/outcome`, { state: "FAILED" });
    // The documented failed variant, with the order named (else it could not be routed to any order at all).
    const built = await simJson("/callbacks", {
      merchantRefundId: created.gateway_refund_id,
      payload: { originalMerchantOrderId: orderId },
    });
    const payload = JSON.parse(built.body).payload;
    expect(payload).not.toHaveProperty("merchantRefundId");

    const event = await verifyBuilt(built);
    expect(event.ok && event.value.refund).toMatchObject({ gatewayRefundId: null, gatewayRefundRef: payload.refundId });
    expect(event.ok && event.value.dedupeKeys).toEqual([`phonepe:pg.refund.failed:${payload.refundId}:FAILED`]);

    expect(await (await post(built)).json()).toMatchObject({ received: true, recorded: true });
    await runDurableObjectAlarm(objectOf("phonepe", orderId));
    const list = await refunds(orderId);
    expect(list.map((r) => [r.refund_id, r.status])).toEqual([[created.refund_id, "failed"]]);
  });
});
