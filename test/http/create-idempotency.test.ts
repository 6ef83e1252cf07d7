/**
 * `POST /v1/orders` with the optional Idempotency-Key, and a create retried after an unanswered one (issue 6 §2,
 * phonepe.md §4: on an ambiguous failure, never let a retry's refusal make checkpost forget an order that may exist).
 */
import { describe, expect, it } from "vitest";
import { api, expectProblem, gatewayCalls, sim, uniqueOrderId } from "../helpers";

function orderId(): string {
  return uniqueOrderId("ik").replace(/[^A-Za-z0-9_-]/g, "_");
}

function create(body: Record<string, unknown>, key?: string) {
  return api("/v1/orders", { method: "POST", json: body, headers: key ? { "idempotency-key": key } : {} });
}

async function payCalls(id: string): Promise<number> {
  const calls = await gatewayCalls("phonepe", "/checkout/v2/pay");
  return calls.filter((c) => c.body.includes(id)).length;
}

describe("POST /v1/orders with an Idempotency-Key", () => {
  it("replays the stored answer for the same key and body, creating the order at the gateway once", async () => {
    const id = orderId();
    const body = { gateway: "phonepe", order_id: id, amount: 10000, currency: "INR" };
    const first = await create(body, `c-${id}`);
    expect(first.status).toBe(201);
    const again = await create(body, `c-${id}`);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect(await payCalls(id)).toBe(1);
  });

  it("refuses the same key with another body (422 idempotency_key_reused)", async () => {
    const id = orderId();
    await create({ gateway: "phonepe", order_id: id, amount: 10000, currency: "INR", register_only: true }, `c-${id}`);
    const res = await create(
      { gateway: "phonepe", order_id: id, amount: 20000, currency: "INR", register_only: true },
      `c-${id}`,
    );
    await expectProblem(res, 422, "idempotency_key_reused");
  });

  it("stores a refusal too, so the same request gets the same answer", async () => {
    const id = orderId();
    await create({ gateway: "phonepe", order_id: id, amount: 10000, currency: "INR", register_only: true });
    const body = { gateway: "phonepe", order_id: id, amount: 999, currency: "INR", register_only: true };
    const first = await create(body, `c2-${id}`);
    await expectProblem(first, 409, "order_conflict");
    const again = await create(body, `c2-${id}`);
    expect(again.status).toBe(409);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("does not store a gateway outage, so a retry with the same key runs again", async () => {
    const id = orderId();
    await sim("/__control/faults", {
      method: "POST",
      json: { gateway: "phonepe", path: "/checkout/v2/pay", fault: { kind: "status", status: 503 }, times: 1 },
    });
    const body = { gateway: "phonepe", order_id: id, amount: 10000, currency: "INR" };
    await expectProblem(await create(body, `c3-${id}`), 502, "gateway_unavailable");
    const retry = await create(body, `c3-${id}`);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
  });

  it("refuses a malformed key", async () => {
    const res = await create(
      { gateway: "phonepe", order_id: orderId(), amount: 100, currency: "INR", register_only: true },
      "bad key",
    );
    await expectProblem(res, 400, "invalid_request");
  });
});

describe("a create retried after an unanswered one", () => {
  it("keeps the order and confirms it with the gateway when the retry is refused as a duplicate", async () => {
    const id = orderId();
    // The gateway creates the order, but its answer is lost.
    await sim("/__control/faults", {
      method: "POST",
      json: {
        gateway: "phonepe",
        path: "/checkout/v2/pay",
        fault: { kind: "after_success", then: { kind: "status", status: 503 } },
        times: 1,
      },
    });
    const body = { gateway: "phonepe", order_id: id, amount: 10000, currency: "INR" };
    await expectProblem(await create(body), 502, "gateway_unavailable");
    // The retry reaches the gateway, which refuses the duplicate merchantOrderId.
    await expectProblem(await create(body), 409, "order_conflict");
    const events: { data: { kind: string }[] } = await (await api(`/v1/orders/phonepe/${id}/events`)).json();
    expect(events.data.map((e) => e.kind)).not.toContain("create_rejected");
    expect(events.data.map((e) => e.kind)).toContain("reconcile_requested");
    const order: { status: string } = await (await api(`/v1/orders/phonepe/${id}?refresh=true`)).json();
    expect(order.status).toBe("pending");
  });
});
