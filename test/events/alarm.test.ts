/**
 * The one alarm that serves reconciliation and deliveries: when it is armed, what it records, and that running it
 * again when nothing is due changes nothing.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GatewayId } from "../../src/core/model";
import { pollDelay } from "../../src/core/reconcile";
import { api, objectOf, order, type OrderObject, uniqueOrderId } from "../helpers";
import { AMOUNT, acceptedCount, merchantEvents, merchantFault, runAlarmsUntil, seedChanges } from "./support";

interface Armed {
  alarm: number | null;
  pollDue: number | null;
  deliveryDue: number | null;
}

async function armed(gateway: GatewayId, orderId: string): Promise<Armed> {
  return runInDurableObject(objectOf(gateway, orderId), async (_o: OrderObject, state) => {
    const sql = state.storage.sql;
    const poll = sql.exec("SELECT poll AS value FROM order_doc WHERE poll IS NOT NULL").toArray()[0];
    const head = sql
      .exec("SELECT next_attempt_at FROM outbox WHERE state = 'pending' ORDER BY sequence LIMIT 1")
      .toArray()[0];
    return {
      alarm: await state.storage.getAlarm(),
      pollDue: poll ? (JSON.parse(poll.value as string) as { due: number }).due : null,
      deliveryDue: head ? (head.next_attempt_at as number) : null,
    };
  });
}

async function auditKinds(gateway: string, orderId: string): Promise<string[]> {
  const page = (await (await api(`/v1/orders/${gateway}/${orderId}/events?limit=200`)).json()) as {
    data: { kind: string; outcome: string }[];
  };
  return page.data.map((e) => `${e.kind}:${e.outcome}`);
}

describe("the order's alarm", () => {
  it("plans the first poll within 30 seconds of the create call being sent", async () => {
    const orderId = uniqueOrderId("ord_first");
    const ref = { gateway: "juspay" as const, orderId };
    const before = Date.now();
    await order("juspay", orderId).registerForCreate(ref, {
      amount: AMOUNT,
      customer: null,
      description: null,
      metadata: null,
    });
    const { alarm, pollDue } = await armed("juspay", orderId);
    expect(pollDue).not.toBeNull();
    expect(alarm).toBe(pollDue);
    expect((alarm ?? 0) - before).toBeGreaterThan(0);
    expect((alarm ?? 0) - before).toBeLessThanOrEqual(30_000);
  });

  it("records a poll the gateway could not answer and only delays the next one", async () => {
    const orderId = uniqueOrderId("ord_down");
    const ref = { gateway: "phonepe" as const, orderId };
    await order("phonepe", orderId).registerForCreate(ref, {
      amount: AMOUNT,
      customer: null,
      description: null,
      metadata: null,
    });
    const dues: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { pollDue } = await armed("phonepe", orderId);
      dues.push(pollDue ?? 0);
      expect(await runDurableObjectAlarm(objectOf("phonepe", orderId))).toBe(true);
    }
    // Until the gateway adapters land, every status call fails (501); a real outage fails the same way.
    expect((await auditKinds("phonepe", orderId)).filter((k) => k === "poll:gateway_error")).toHaveLength(3);
    const after = (await armed("phonepe", orderId)).pollDue ?? 0;
    expect([dues[1]! - dues[0]!, dues[2]! - dues[1]!, after - dues[2]!]).toEqual([
      pollDelay(1),
      pollDelay(2),
      pollDelay(3),
    ]);
    expect((await order("phonepe", orderId).get(ref))?.status).toBe("created");
  });

  it("is armed for whichever is due first: the next poll or the next delivery", async () => {
    const orderId = uniqueOrderId("ord_both");
    await merchantFault(orderId, { kind: "status", status: 500 }, null);
    await seedChanges("nimbbl", orderId, ["pending"]);
    await runAlarmsUntil("nimbbl", orderId, async () => (await merchantEvents(orderId)).length >= 1);
    const state = await armed("nimbbl", orderId);
    expect(state.pollDue).not.toBeNull();
    expect(state.deliveryDue).not.toBeNull();
    expect(state.alarm).toBe(Math.min(state.pollDue ?? 0, state.deliveryDue ?? 0));
  });

  it("does nothing and disarms when run again with nothing due", async () => {
    const orderId = uniqueOrderId("ord_idem");
    await seedChanges("juspay", orderId, ["succeeded"]);
    await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, 1));
    const kinds = await auditKinds("juspay", orderId);
    for (let i = 0; i < 3; i++) {
      await runInDurableObject(objectOf("juspay", orderId), (o: OrderObject) => o.runDue(Date.now()));
    }
    expect(await runDurableObjectAlarm(objectOf("juspay", orderId))).toBe(false);
    expect(await auditKinds("juspay", orderId)).toEqual(kinds);
    expect(await merchantEvents(orderId)).toHaveLength(1);
    expect((await armed("juspay", orderId)).alarm).toBeNull();
  });

  it("sends a new event at once, leaving the alarm only as a safety net", async () => {
    const orderId = uniqueOrderId("ord_now");
    await seedChanges("juspay", orderId, ["succeeded"]);
    // Waits for the object's work in progress without running anything due (as of the epoch, nothing is).
    await runInDurableObject(objectOf("juspay", orderId), (o: OrderObject) => o.runDue(0));
    expect((await merchantEvents(orderId, true)).map((e) => e.sequence)).toEqual([1]);
    expect((await armed("juspay", orderId)).alarm).toBeNull();
  });

  it("sends refund events in the same per-order sequence, after the payment's, with the refund in data", async () => {
    const orderId = uniqueOrderId("ord_refund");
    const ref = { gateway: "juspay" as const, orderId };
    await seedChanges("juspay", orderId, ["succeeded"]);
    const hint = {
      gatewayRefundId: `rf_${orderId}`,
      gatewayRefundRef: null,
      status: "pending" as const,
      gatewayStatus: "PENDING",
      amount: AMOUNT,
    };
    await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, 1));
    // Each refund change arms the alarm itself: its event does not wait for some later input.
    for (const [i, status] of (["pending", "succeeded"] as const).entries()) {
      const before = await runInDurableObject(objectOf("juspay", orderId), (_o: OrderObject, state) =>
        state.storage.getAlarm(),
      );
      expect(before).toBeNull();
      const armedAt = await runInDurableObject(objectOf("juspay", orderId), async (o: OrderObject, state) => {
        o.observeRefund(ref, { ...hint, status, gatewayStatus: status.toUpperCase() }, "poll", true);
        return state.storage.getAlarm();
      });
      expect(armedAt ?? Infinity).toBeLessThanOrEqual(Date.now() + 30_000);
      await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, i + 2));
    }
    await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, 3));
    const accepted = await merchantEvents(orderId, true);
    expect(accepted.map((e) => [e.sequence, e.type])).toEqual([
      [1, "payment.succeeded"],
      [2, "refund.pending"],
      [3, "refund.succeeded"],
    ]);
    const last = JSON.parse(accepted[2]?.body ?? "{}") as { data: { refund: { status: string } } };
    expect(last.data.refund.status).toBe("succeeded");
  });
});
