import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../src/gateways/types";
import type { ObserveInput } from "../../src/core/order";
import { objectOf, order, type OrderObject, uniqueOrderId } from "../helpers";

const INR = (minor: number) => ({ minor, currency: "INR" as const });

function confirmed(status: ObserveInput["status"], minor = 10000, extra: Partial<ObserveInput> = {}): ObserveInput {
  return { source: "poll", confirmed: true, gatewayStatus: status.toUpperCase(), status, amount: INR(minor), ...extra };
}

function paymentWebhook(orderId: string, status: "succeeded" | "pending", id = "evt_1"): WebhookEvent {
  return {
    kind: "payment",
    eventType: "ORDER_SUCCEEDED",
    orderId,
    dedupeKeys: [`test:evt:${id}`],
    gatewayStatus: status === "succeeded" ? "CHARGED" : "PENDING_VBV",
    status,
    amount: INR(10000),
    refund: null,
  };
}

function stubFor(orderId: string) {
  return objectOf("juspay", orderId);
}

async function outbox(orderId: string): Promise<{ sequence: number; type: string }[]> {
  return runInDurableObject(
    stubFor(orderId),
    (_obj: OrderObject, state) =>
      state.storage.sql.exec("SELECT sequence, type FROM outbox ORDER BY sequence").toArray() as {
        sequence: number;
        type: string;
      }[],
  );
}

describe("the order Durable Object", () => {
  it("creates an order it has never seen from a confirmed observation, with the gateway's amount unverified", async () => {
    const id = uniqueOrderId();
    const res = await order("juspay", id).observe({ gateway: "juspay", orderId: id }, confirmed("succeeded", 4200));
    expect(res.ok && res.value.order).toMatchObject({ status: "succeeded", amount: 4200, amount_verified: false });
  });

  it("applies an input once per event key, however often it is delivered", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    const input = confirmed("pending", 10000, { eventKeys: ["test:evt:dup"] });
    const first = await order("juspay", id).observe(ref, input);
    const second = await order("juspay", id).observe(ref, input);
    expect(first.ok && first.value.outcome).toBe("applied");
    expect(second.ok && second.value.outcome).toBe("duplicate_event");
    expect(await outbox(id)).toEqual([{ sequence: 1, type: "payment.pending" }]);
  });

  it("gives each change the next per-order sequence and queues one event for it", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    await order("juspay", id).registerForCreate(ref, {
      amount: INR(10000),
      customer: null,
      description: null,
      metadata: null,
    });
    await order("juspay", id).observe(ref, confirmed("pending"));
    await order("juspay", id).observe(ref, confirmed("failed"));
    await order("juspay", id).observe(ref, confirmed("succeeded"));
    expect(await outbox(id)).toEqual([
      { sequence: 1, type: "payment.pending" },
      { sequence: 2, type: "payment.failed" },
      { sequence: 3, type: "payment.succeeded" },
    ]);
    expect((await order("juspay", id).get(ref))?.sequence).toBe(3);
  });

  it("records every input in the audit trail with its source and outcome, including ones that change nothing", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    await order("juspay", id).observe(ref, confirmed("succeeded"));
    await order("juspay", id).observe(ref, { ...confirmed("failed"), source: "return" });
    const page = await order("juspay", id).audit(ref, 0, 50);
    const rows = page?.data.filter((r) => r.kind === "observation") ?? [];
    expect(rows.map((r) => [r.source, r.outcome, r.from_status, r.to_status])).toEqual([
      ["poll", "applied", "created", "succeeded"],
      ["return", "stale", "succeeded", "succeeded"],
    ]);
  });

  it("yields one transition and one event for 100 concurrent deliveries of the same webhook", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    const results = await Promise.all(
      Array.from({ length: 100 }, () => order("juspay", id).recordWebhook(ref, paymentWebhook(id, "pending"))),
    );
    const outcomes = results.map((r) => (r.ok ? r.value.outcome : "error"));
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate_event")).toHaveLength(99);
    expect(await outbox(id)).toEqual([{ sequence: 1, type: "payment.pending" }]);
  });

  it("does not settle an order on a webhook alone, and arms the alarm to confirm it at once", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    const before = Date.now();
    const res = await order("juspay", id).recordWebhook(ref, paymentWebhook(id, "succeeded"));
    expect(res.ok && res.value.outcome).toBe("needs_confirmation");
    expect((await order("juspay", id).get(ref))?.status).toBe("created");
    const alarm = await runInDurableObject(stubFor(id), (_obj: OrderObject, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm ?? 0).toBeLessThanOrEqual(Date.now() + 1000);
    expect(alarm ?? 0).toBeGreaterThanOrEqual(before - 1000);
  });

  it("keeps the order unchanged and re-arms the alarm when the confirming gateway call fails", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    await order("juspay", id).recordWebhook(ref, paymentWebhook(id, "succeeded"));
    // The foundation's gateways answer 501 to every call: the poll must fail cleanly, record why, and try again later.
    expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
    expect((await order("juspay", id).get(ref))?.status).toBe("created");
    const page = await order("juspay", id).audit(ref, 0, 50);
    expect(page?.data.some((r) => r.kind === "poll" && r.outcome === "gateway_error")).toBe(true);
    const alarm = await runInDurableObject(stubFor(id), (_obj: OrderObject, state) => state.storage.getAlarm());
    expect(alarm ?? 0).toBeGreaterThan(Date.now());
  });

  it("refuses to serve a request addressed with another order's reference", async () => {
    const id = uniqueOrderId();
    await order("juspay", id).observe({ gateway: "juspay", orderId: id }, confirmed("pending"));
    await runInDurableObject(stubFor(id), (obj: OrderObject) => {
      expect(() => obj.get({ gateway: "juspay", orderId: `${id}_other` })).toThrow(/another order's reference/);
    });
  });

  it("refuses to register an amount other than the one the gateway already reported", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    await order("juspay", id).observe(ref, confirmed("pending", 5000));
    const res = await order("juspay", id).register(ref, {
      amount: INR(6000),
      customer: null,
      description: null,
      metadata: null,
    });
    expect(res).toMatchObject({ ok: false, error: { reason: "amount_mismatch" } });
  });

  it("registers an order and marks it attempted in one call before the gateway call, so reconciliation looks for it", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    await order("juspay", id).register(ref, { amount: INR(100), customer: null, description: null, metadata: null });
    const alarm = await runInDurableObject(stubFor(id), (_obj: OrderObject, state) => state.storage.getAlarm());
    expect(alarm ?? 0).toBeGreaterThan(Date.now());
    expect(alarm ?? 0).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it("does not mark a create sent again once the gateway answered one, and says what it answered", async () => {
    const id = uniqueOrderId();
    const ref = { gateway: "juspay" as const, orderId: id };
    const input = { amount: INR(100), customer: null, description: null, metadata: null };
    const first = await order("juspay", id).registerForCreate(ref, input);
    expect(first).toMatchObject({ ok: true, value: { before: { attempted: false, nextAction: null } } });
    const nextAction = { type: "redirect", url: "https://gateway.example/pay" } as const;
    await order("juspay", id).recordCreated(ref, {
      gatewayOrderRef: "g1",
      gatewayStatus: "NEW",
      nextAction,
      expiresAt: null,
    });
    const again = await order("juspay", id).registerForCreate(ref, input);
    expect(again).toMatchObject({ ok: true, value: { before: { attempted: true, nextAction } } });
    const page = await order("juspay", id).audit(ref, 0, 50);
    expect(page?.data.map((e) => e.kind)).toEqual(["register", "create_sent", "created_at_gateway", "register"]);
  });
});
