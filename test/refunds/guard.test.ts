/**
 * Refund idempotency and the over-refund guard, decided inside the order Durable Object before any gateway call.
 * (The end-to-end refund flows against each gateway's simulator live next to this file.)
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectProblem, objectOf, order, type OrderObject, uniqueOrderId } from "../helpers";

async function paidOrder(amount = 10000): Promise<string> {
  const id = uniqueOrderId("rf");
  const ref = { gateway: "juspay" as const, orderId: id };
  await order("juspay", id).register(ref, {
    amount: { minor: amount, currency: "INR" },
    customer: null,
    description: null,
    metadata: null,
  });
  await order("juspay", id).observe(ref, {
    source: "poll",
    confirmed: true,
    gatewayStatus: "CHARGED",
    status: "succeeded",
    amount: { minor: amount, currency: "INR" },
  });
  return id;
}

function refund(id: string, body: unknown, key: string | null) {
  return api(`/v1/orders/juspay/${id}/refunds`, {
    method: "POST",
    json: body,
    headers: key === null ? {} : { "idempotency-key": key },
  });
}

describe("refund requests", () => {
  it("require an Idempotency-Key header", async () => {
    const id = await paidOrder();
    await expectProblem(await refund(id, { amount: 100 }, null), 400, "idempotency_key_missing");
    expect((await (await api(`/v1/orders/juspay/${id}`)).json<{ refunds: unknown[] }>()).refunds).toEqual([]);
  });

  it("refuse a malformed Idempotency-Key", async () => {
    const id = await paidOrder();
    await expectProblem(await refund(id, { amount: 100 }, "has space"), 400, "invalid_request");
  });

  it("refuse a refund of an order that has not succeeded, and replay that answer for the same key", async () => {
    const id = uniqueOrderId("rf");
    await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: id, amount: 500, currency: "INR", register_only: true },
    });
    const first = await refund(id, { amount: 100 }, "k-not-paid");
    const body = await expectProblem(first, 409, "order_not_refundable");
    const again = await refund(id, { amount: 100 }, "k-not-paid");
    expect(again.status).toBe(409);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(body);
  });

  it("refuse the same key with a different body (422 idempotency_key_reused)", async () => {
    const id = uniqueOrderId("rf");
    await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: id, amount: 500, currency: "INR", register_only: true },
    });
    await refund(id, { amount: 100 }, "k-reused");
    await expectProblem(await refund(id, { amount: 200 }, "k-reused"), 422, "idempotency_key_reused");
  });

  it("refuse more than what is left to refund", async () => {
    const id = await paidOrder(1000);
    const res = await refund(id, { amount: 1001 }, "k-too-much");
    const body = await expectProblem(res, 422, "refund_exceeds_available");
    expect(body["detail"]).toBe("at most 1000 can still be refunded");
  });

  it("refuse a currency other than the order's", async () => {
    const id = await paidOrder(1000);
    await expectProblem(await refund(id, { amount: 100, currency: "USD" }, "k-usd"), 400, "invalid_request");
  });

  it("answer 404 for an order checkpost does not know, storing nothing", async () => {
    await expectProblem(await refund(uniqueOrderId("rf"), { amount: 100 }, "k-404"), 404, "order_not_found");
  });

  it("answer 404 for a refund id the order does not have", async () => {
    const id = await paidOrder();
    await expectProblem(await api(`/v1/orders/juspay/${id}/refunds/rf_missing`), 404, "refund_not_found");
  });

  it("treat a key as new once it has been pruned after 24 hours", async () => {
    const id = uniqueOrderId("rf");
    await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: id, amount: 500, currency: "INR", register_only: true },
    });
    await refund(id, { amount: 100 }, "k-old");
    // Age the stored key past the retention period, as a day passing would.
    await runInDurableObject(objectOf("juspay", id), (_obj: OrderObject, state) => {
      state.storage.sql.exec("UPDATE idempotency SET created_at = created_at - ?", 24 * 60 * 60 * 1000 + 1);
    });
    const reused = await refund(id, { amount: 200 }, "k-old");
    expect(reused.headers.get("idempotent-replayed")).toBeNull();
    await expectProblem(reused, 409, "order_not_refundable");
  });
});
