/**
 * The order object's two look schedules (payment and refunds, each with its own stored state) and the idempotency
 * answers it stores as values for the HTTP layer to render.
 */
import { runInDurableObject } from "cloudflare:test";
import { getMeta } from "../../src/storage/order/schema";
import { describe, expect, it } from "vitest";
import type { OrderRef } from "../../src/core/model";
import { hasTable } from "../../src/storage/order/schema";
import { api, objectOf as objectNamed, order, uniqueOrderId, type OrderObject } from "../helpers";

const INR = (minor: number) => ({ minor, currency: "INR" as const });

function objectOf(ref: OrderRef) {
  return objectNamed(ref.gateway, ref.orderId);
}

async function meta(ref: OrderRef): Promise<Record<string, { due: number } | undefined>> {
  return runInDurableObject(objectOf(ref), (_o: OrderObject, state) => {
    // The payment poll is kept in the order's row (written with it), the refund poll in `meta`.
    const sql = state.storage.sql;
    const poll = sql.exec("SELECT poll FROM order_doc WHERE poll IS NOT NULL").toArray()[0]?.poll as string | undefined;
    const refundPoll = getMeta(sql, "refund_poll");
    return {
      ...(poll ? { poll: JSON.parse(poll) } : {}),
      ...(refundPoll ? { refund_poll: JSON.parse(refundPoll) } : {}),
    };
  });
}

/** A registered order the gateway has settled, as a poll would record it. */
async function paidOrder(prefix: string): Promise<OrderRef> {
  const ref: OrderRef = { gateway: "juspay", orderId: uniqueOrderId(prefix) };
  await order(ref.gateway, ref.orderId).registerForCreate(ref, {
    amount: INR(10000),
    customer: null,
    description: null,
    metadata: null,
  });
  await order(ref.gateway, ref.orderId).observe(ref, {
    source: "poll",
    confirmed: true,
    gatewayStatus: "CHARGED",
    status: "succeeded",
    amount: INR(10000),
  });
  return ref;
}

function beginRefund(ref: OrderRef, key: string) {
  return order(ref.gateway, ref.orderId).beginRefund(ref, {
    idempotencyKey: key,
    fingerprint: `fp-${key}`,
    refundId: `rf-${key}`,
    gatewayRefundId: `cp${key}`.slice(0, 20),
    amount: INR(1000),
    reason: null,
    maxRefunds: 10,
    requestId: "req-test",
  });
}

describe("the order object's look schedules", () => {
  it("drops a planned payment look once the payment is final and nobody asked for one", async () => {
    const ref = await paidOrder("ord_final");
    expect((await meta(ref))["poll"]).toBeUndefined();
  });

  it("plans a recorded refund's look on its own schedule, within 15 seconds, and plans no payment look", async () => {
    const ref = await paidOrder("ord_rpoll");
    const before = Date.now();
    expect((await beginRefund(ref, "k1")).kind).toBe("proceed");
    const state = await meta(ref);
    expect(state["poll"]).toBeUndefined();
    const due = state["refund_poll"]?.due ?? 0;
    expect(due).toBeGreaterThan(before);
    expect(due - before).toBeLessThanOrEqual(15_000 + 1_000);
  });

  it("brings a pending refund's look forward to now when an immediate look is asked for", async () => {
    const ref = await paidOrder("ord_rnow");
    await beginRefund(ref, "k1");
    const asked = Date.now();
    await order(ref.gateway, ref.orderId).requestReconcile(ref, "test");
    const state = await meta(ref);
    expect(state["poll"]?.due ?? Infinity).toBeLessThanOrEqual(Date.now());
    expect(state["refund_poll"]?.due ?? Infinity).toBeLessThanOrEqual(Date.now());
    expect(state["refund_poll"]?.due ?? 0).toBeGreaterThanOrEqual(asked - 1_000);
  });
});

describe("the idempotency answers the order object stores", () => {
  it("replays a refused refund byte for byte, with the first answer's request id", async () => {
    const ref = await paidOrder("ord_replay");
    const send = () =>
      api(`/v1/orders/${ref.gateway}/${ref.orderId}/refunds`, {
        method: "POST",
        headers: { "idempotency-key": `k-over-${ref.orderId}` },
        json: { amount: 20000 },
      });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(422);
    expect(again.status).toBe(422);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    const body = await first.text();
    expect(await again.text()).toBe(body);
    expect(JSON.parse(body)).toMatchObject({
      code: "refund_exceeds_available",
      request_id: first.headers.get("x-request-id"),
    });
  });

  it("replays an answer stored before answers were values exactly as it was rendered", async () => {
    const ref = await paidOrder("ord_legacy");
    await runInDurableObject(objectOf(ref), (_o: OrderObject, state) => {
      hasTable(state.storage.sql, "idempotency", true); // as its first key would
      state.storage.sql.exec(
        "INSERT INTO idempotency (scope, key, fingerprint, state, status, body, created_at) VALUES (?, ?, ?, 'done', ?, ?, ?)",
        "POST /v1/orders",
        "k-legacy",
        "fp-legacy",
        201,
        '{"legacy":true}',
        Date.now(),
      );
    });
    const claim = await order(ref.gateway, ref.orderId).claimIdempotency("POST /v1/orders", "k-legacy", "fp-legacy");
    expect(claim).toEqual({ kind: "replay", answer: { kind: "response", status: 201, body: '{"legacy":true}' } });
  });
});
