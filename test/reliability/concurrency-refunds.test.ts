/**
 * Refunds under concurrency (product.md §7), beyond the refund contract suite (test/refunds/contract.test.ts): keys
 * repeated and distinct at once, racing the reconciliation alarm. One gateway call per key, never more refunded than
 * captured, and one merchant event per refund change, in order.
 */
import { describe, expect, it } from "vitest";
import { DRIVER_LIST, refundCalls } from "../drivers";
import { api } from "../helpers";
import { expectMerchantReceived, expectOrderedEvents, orderView, outbox, runAlarm } from "./support";

interface RefundBody {
  refund_id: string;
  amount: number;
  status: string;
}

describe.each(DRIVER_LIST)("$gateway refunds under concurrency", (driver) => {
  function refund(orderId: string, amount: number, key: string) {
    return api(`/v1/orders/${driver.gateway}/${orderId}/refunds`, {
      method: "POST",
      json: { amount },
      headers: { "idempotency-key": key },
    });
  }

  it("gives each of 12 keys sent 4 times at once one refund and one gateway call, within the captured amount", async () => {
    const orderId = await driver.paidOrder(10_000);
    // 12 keys × 1000 = 12000 asked for, 10000 captured: at most 10 keys can be accepted.
    const keys = Array.from({ length: 12 }, (_, i) => `k-mix-${i}-${orderId}`);
    const sends = keys.flatMap((key) => Array.from({ length: 4 }, () => ({ key, res: refund(orderId, 1000, key) })));
    const answered = await Promise.all(sends.map(async (s) => ({ key: s.key, res: await s.res })));

    for (const a of answered) expect([201, 409, 422]).toContain(a.res.status);
    const accepted = new Map<string, Set<string>>();
    for (const a of answered.filter((x) => x.res.status === 201)) {
      const body: RefundBody = await a.res.json();
      accepted.set(a.key, (accepted.get(a.key) ?? new Set()).add(body.refund_id));
    }
    // A key that got a refund got exactly one, whichever of its four requests answered.
    for (const ids of accepted.values()) expect(ids.size).toBe(1);
    expect(accepted.size).toBe(10);
    expect(await refundCalls(driver, orderId)).toBe(10);

    const view = await orderView(driver.gateway, orderId);
    const total = (view.refunds as RefundBody[]).reduce((sum, r) => sum + r.amount, 0);
    expect(total).toBe(10_000);
    const events = await outbox(driver.gateway, orderId);
    expect(events.map((e) => e.type)).toEqual([
      "payment.succeeded",
      ...Array.from({ length: 10 }, () => "refund.pending"),
    ]);
    expectOrderedEvents(events);
  });

  it("makes one gateway call for 50 same-key requests racing the reconciliation alarm", async () => {
    const orderId = await driver.paidOrder(10_000);
    const key = `k-alarm-${orderId}`;
    const [answers] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, () => refund(orderId, 2500, key))),
      runAlarm(driver.gateway, orderId),
      runAlarm(driver.gateway, orderId),
    ]);
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const ids = new Set(
      await Promise.all(
        answers.filter((r) => r.status === 201).map(async (r) => (await r.json<RefundBody>()).refund_id),
      ),
    );
    expect(ids.size).toBe(1);
    expect(await refundCalls(driver, orderId)).toBe(1);
    await runAlarm(driver.gateway, orderId);
    const events = await outbox(driver.gateway, orderId);
    expect(events.filter((e) => e.type === "refund.pending")).toHaveLength(1);
    expectOrderedEvents(events);
    await expectMerchantReceived(
      driver.gateway,
      orderId,
      events.map((e) => e.type),
    );
  });
});
