import { describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../src/gateways/types";
import { order, uniqueOrderId } from "../helpers";
import {
  AMOUNT,
  acceptedCount,
  deliveryOf,
  merchantEvents,
  merchantFault,
  merchantRecovers,
  runAlarms,
  runAlarmsUntil,
  seedChanges,
} from "./support";

const sequences = (events: { sequence: number | null }[]) => events.map((e) => e.sequence);

describe("events are delivered in order per order", () => {
  it("delivers an order's events in sequence order even when the merchant fails the first attempts", async () => {
    const orderId = uniqueOrderId("ord_fail3");
    await merchantFault(orderId, { kind: "status", status: 500 }, 3);
    await seedChanges("juspay", orderId, ["pending", "succeeded", "reversed"]);

    await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, 3));

    const accepted = await merchantEvents(orderId, true);
    expect(sequences(accepted)).toEqual([1, 2, 3]);
    expect(accepted.map((e) => e.type)).toEqual(["payment.pending", "payment.succeeded", "payment.reversed"]);
    const all = await merchantEvents(orderId);
    expect(all.map((e) => [e.sequence, e.answered])).toEqual([
      [1, 500],
      [1, 500],
      [1, 500],
      [1, 200],
      [2, 200],
      [3, 200],
    ]);
    // Every attempt of an event carries the same webhook-id; each event has its own.
    expect(new Set(all.slice(0, 4).map((e) => e.webhook_id)).size).toBe(1);
    expect(new Set(accepted.map((e) => e.webhook_id)).size).toBe(3);
    const first = await deliveryOf("juspay", orderId, 1);
    expect(first).toMatchObject({ status: "delivered", attempts: 4, last_status: 200 });
    expect(first.attempt_log.map((a) => a.status)).toEqual([500, 500, 500, 200]);
  });

  it("delivers everything, in order, to a merchant that was down for a while", async () => {
    const orderId = uniqueOrderId("ord_down");
    await merchantFault(orderId, { kind: "status", status: 503 }, null);
    await seedChanges("phonepe", orderId, ["pending", "succeeded"]);
    await runAlarms("phonepe", orderId, 8);
    // The later change happens while the merchant is still down.
    const ref = { gateway: "phonepe" as const, orderId };
    await order("phonepe", orderId).observe(ref, {
      source: "poll",
      confirmed: true,
      gatewayStatus: "SIM_REVERSED",
      status: "reversed",
      amount: AMOUNT,
    });
    await runAlarms("phonepe", orderId, 4);

    const whileDown = await merchantEvents(orderId);
    expect(whileDown.length).toBeGreaterThanOrEqual(8);
    expect(whileDown.every((e) => e.sequence === 1 && e.answered !== 200)).toBe(true);
    expect(await merchantEvents(orderId, true)).toEqual([]);
    const head = await deliveryOf("phonepe", orderId, 1);
    expect(head.status).toBe("pending");
    expect(head.attempt_log.every((a) => a.status !== 200)).toBe(true);

    await merchantRecovers(orderId);
    await runAlarmsUntil("phonepe", orderId, acceptedCount(orderId, 3));
    const accepted = await merchantEvents(orderId, true);
    expect(sequences(accepted)).toEqual([1, 2, 3]);
    expect(accepted.map((e) => e.type)).toEqual(["payment.pending", "payment.succeeded", "payment.reversed"]);
  });

  it("turns 100 concurrent identical webhooks into one transition and one merchant event", async () => {
    const orderId = uniqueOrderId("ord_dup");
    const ref = { gateway: "nimbbl" as const, orderId };
    const event: WebhookEvent = {
      kind: "payment",
      eventType: "payment_pending",
      orderId,
      dedupeKeys: [`nimbbl:evt:${orderId}:1`],
      gatewayStatus: "pending",
      status: "pending",
      amount: AMOUNT,
      refund: null,
    };
    const stub = order("nimbbl", orderId);
    const results = await Promise.all(Array.from({ length: 100 }, () => stub.recordWebhook(ref, event)));
    const outcomes = results.map((r) => (r.ok ? r.value.outcome : "error"));
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate_event")).toHaveLength(99);

    await runAlarmsUntil("nimbbl", orderId, acceptedCount(orderId, 1));
    await runAlarms("nimbbl", orderId, 3);
    const received = await merchantEvents(orderId);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ sequence: 1, type: "payment.pending", answered: 200 });
    expect(await stub.delivery(ref, 2)).toBeNull();
  });
});
