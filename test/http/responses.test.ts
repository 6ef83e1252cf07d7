/**
 * The answers `/openapi.json` describes are the answers the routes give: real answers of every kind of route are parsed
 * with the response schemas the document is generated from (`src/http/responses.ts`), strict where the shape is fully
 * known, so a field added, dropped or retyped in an answer fails here until the description follows.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { deliveryId } from "../../src/core/delivery";
import { EXAMPLES, REQUEST_EXAMPLES } from "../../src/http/openapi-examples";
import * as R from "../../src/http/responses";
import { CreateOrderSchema } from "../../src/http/schemas";
import { MarkFailedSchema, RefundRequestSchema } from "../../src/http/routes/refunds";
import { DRIVERS } from "../drivers";
import { acceptedCount, merchantEvents, runAlarmsUntil } from "../events/support";
import { api, call } from "../helpers";

/** The answer's JSON, after checking its status and that it carries its request id. */
async function answer(res: Response, status: number): Promise<unknown> {
  expect(res.status).toBe(status);
  expect(res.headers.get("x-request-id")).toMatch(/\S/);
  return res.json();
}

const phonepe = DRIVERS.phonepe;

describe("the response schemas of the OpenAPI document", () => {
  it("match a created order, its idempotent replay, the order read back and the order listing", async () => {
    await phonepe.prepare();
    const orderId = phonepe.newOrderId();
    const init = {
      method: "POST",
      headers: { "idempotency-key": `create-${orderId}` },
      json: { gateway: "phonepe", order_id: orderId, amount: 12_300, currency: "INR" },
    };
    const created = z.parse(R.CreatedOrderSchema, await answer(await api("/v1/orders", init), 201));
    expect(created.next_action?.type).toBe("redirect");
    const replay = await api("/v1/orders", init);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    z.parse(R.CreatedOrderSchema, await answer(replay, 201));

    const read = z.parse(R.OrderWithRefundsSchema, await answer(await api(`/v1/orders/phonepe/${orderId}`), 200));
    expect(read).toMatchObject({ order_id: orderId, amount: 12_300, refunds: [] });
    const page = z.parse(R.OrderListSchema, await answer(await api("/v1/orders?gateway=phonepe&limit=5"), 200));
    expect(page.data.length).toBeGreaterThan(0);
  });

  it("match a refund, the refund read back, the order with it, and the order's audit trail", async () => {
    const orderId = await phonepe.paidOrder(20_000);
    const res = await api(`/v1/orders/phonepe/${orderId}/refunds`, {
      method: "POST",
      headers: { "idempotency-key": `refund-${orderId}` },
      json: { amount: 5_000, reason: "one item back" },
    });
    expect([201, 202]).toContain(res.status);
    const refund = z.parse(R.RefundSchema, await answer(res, res.status));
    const again = await api(`/v1/orders/phonepe/${orderId}/refunds/${refund.refund_id}`);
    expect(z.parse(R.RefundSchema, await answer(again, 200)).amount).toBe(5_000);
    const order = z.parse(R.OrderWithRefundsSchema, await answer(await api(`/v1/orders/phonepe/${orderId}`), 200));
    expect(order.refunds.map((r) => r.refund_id)).toEqual([refund.refund_id]);
    const audit = z.parse(R.AuditPageSchema, await answer(await api(`/v1/orders/phonepe/${orderId}/events`), 200));
    expect(audit.data.length).toBeGreaterThan(1);
  });

  it("match the event deliveries listing, one delivery, and the event body the merchant receives", async () => {
    const orderId = await phonepe.paidOrder(10_000);
    await runAlarmsUntil("phonepe", orderId, acceptedCount(orderId, 1));
    const [event] = await merchantEvents(orderId, true);
    const body = JSON.parse(event?.body ?? "null") as { type: "payment.succeeded" };
    z.parse(R.eventSchema(body.type), body);
    const id = deliveryId("phonepe", orderId, event?.sequence ?? 0);
    const one = z.parse(R.DeliveryDetailSchema, await answer(await api(`/v1/deliveries/${id}`), 200));
    expect(one.status).toBe("delivered");
    const list = z.parse(R.DeliveryListSchema, await answer(await api("/v1/deliveries?status=delivered&limit=5"), 200));
    expect(list.data.length).toBeGreaterThan(0);
  });

  it("match a gateway webhook's acknowledgement, the Juspay front-end answer, and a re-queued delivery", async () => {
    await phonepe.prepare();
    const orderId = await phonepe.paidOrder(7_000);
    const hook = await phonepe.paidWebhook(orderId);
    const ack = z.parse(R.WebhookAckSchema, await answer(await call(hook.path, hook.init), 200));
    expect(ack.received).toBe(true);

    const juspayOrder = await DRIVERS.juspay.paidOrder(5_000);
    const front = await call("/handleJuspayResponse", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ order_id: juspayOrder }),
    });
    expect(z.parse(R.JuspayResponseSchema, await answer(front, 200))).toMatchObject({ order_status: "CHARGED" });

    await runAlarmsUntil("phonepe", orderId, acceptedCount(orderId, 1));
    const [event] = await merchantEvents(orderId, true);
    const retry = await api(`/v1/deliveries/${deliveryId("phonepe", orderId, event?.sequence ?? 0)}/retry`, {
      method: "POST",
    });
    expect(z.parse(R.DeliveryDetailSchema, await answer(retry, 202)).status).toBe("pending");
  });

  it("match /healthz, /v1/health and /v1/summary", async () => {
    z.parse(R.HealthSchema, await answer(await call("/healthz"), 200));
    const detail = z.parse(R.HealthDetailSchema, await answer(await api("/v1/health"), 200));
    expect(Object.keys(detail.features).length).toBeGreaterThan(0);
    const summary = z.parse(R.SummarySchema, await answer(await api("/v1/summary?bucket=hour"), 200));
    expect(summary.buckets.length).toBeGreaterThan(0);
  });

  it("match problems: a validation failure with its field errors, an unknown order, a missing API key", async () => {
    const invalid = await api("/v1/orders", { method: "POST", json: { gateway: "phonepe", amount: -1 } });
    expect(z.parse(R.ProblemSchema, await answer(invalid, 400)).errors?.length).toBeGreaterThan(0);
    const missing = z.parse(R.ProblemSchema, await answer(await api("/v1/orders/phonepe/no_such_order_x"), 404));
    expect(missing.code).toBe("order_not_found");
    const anonymous = await call("/v1/orders");
    expect(z.parse(R.ProblemSchema, await answer(anonymous, 401)).code).toBe("unauthorized");
  });

  it("match the document's own examples, and its request examples match the request schemas", () => {
    const byName = new Map([...R.COMPONENTS].map(([schema, name]) => [name, schema]));
    for (const [name, example] of Object.entries(EXAMPLES)) z.parse(byName.get(name) ?? z.never(), example);
    z.parse(CreateOrderSchema(), REQUEST_EXAMPLES["createOrder"]);
    z.parse(RefundRequestSchema(), REQUEST_EXAMPLES["createRefund"]);
    z.parse(MarkFailedSchema(), REQUEST_EXAMPLES["markRefundFailed"]);
    expect(Object.keys(EXAMPLES).length).toBeGreaterThan(0);
  });
});
