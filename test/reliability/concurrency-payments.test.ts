/**
 * Concurrency on one order (product.md §7): 100 concurrent deliveries of the same webhook, and a customer's return
 * leg racing the webhook racing the reconciliation poll. Whatever the interleaving, the order ends in one correct
 * state, with one merchant event per change, in order.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addFault, createdOrder, DRIVER_LIST, type Driver, type RequestSpec } from "../drivers";
import { call, objectOf, type OrderObject } from "../helpers";
import {
  alarmUntil,
  auditTrail,
  expectMerchantReceived,
  expectOrderedEvents,
  orderView,
  outbox,
  runAlarm,
} from "./support";

function send(spec: RequestSpec): Promise<Response> {
  return call(spec.path, spec.init);
}

async function paidAtGateway(driver: Driver): Promise<string> {
  const orderId = await createdOrder(driver);
  await driver.pay(orderId);
  return orderId;
}

async function succeeded(driver: Driver, orderId: string): Promise<boolean> {
  return (await orderView(driver.gateway, orderId)).status === "succeeded";
}

describe.each(DRIVER_LIST)("$gateway under concurrent inputs", (driver) => {
  it("acknowledges 100 concurrent deliveries of one webhook and makes one transition with one event", async () => {
    const orderId = await paidAtGateway(driver);
    const webhook = await driver.paidWebhook(orderId);
    const responses = await Promise.all(Array.from({ length: 100 }, () => send(webhook)));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 200));

    // Every delivery is counted in the audit trail: exactly one of them is news, and its row counts the 99 repeats.
    const fromWebhooks = (await auditTrail(driver.gateway, orderId)).filter((e) => e.source === "webhook");
    expect(fromWebhooks).toHaveLength(1);
    expect(fromWebhooks[0]?.repeats).toBe(99);

    await alarmUntil(driver.gateway, orderId, () => succeeded(driver, orderId));
    const transitions = (await auditTrail(driver.gateway, orderId)).filter((e) => e.from_status !== e.to_status);
    expect(transitions.filter((e) => e.to_status === "succeeded")).toHaveLength(1);
    const events = await outbox(driver.gateway, orderId);
    expect(events.map((e) => e.type)).toEqual(["payment.succeeded"]);
    expectOrderedEvents(events);
    expect((await orderView(driver.gateway, orderId)).sequence).toBe(1);
    await expectMerchantReceived(driver.gateway, orderId, ["payment.succeeded"]);
  });

  const ORDERINGS = [
    ["return, webhook, poll", [0, 1, 2]],
    ["webhook, poll, return", [1, 2, 0]],
    ["poll, return, webhook", [2, 0, 1]],
  ] as const;

  it.each(ORDERINGS)(
    "settles one payment once when the return leg, the webhook and the poll race (started %s)",
    async (_name, order) => {
      const orderId = await paidAtGateway(driver);
      const leg = await driver.returnLeg(orderId);
      const webhook = await driver.paidWebhook(orderId);
      const starters = [() => send(leg), () => send(webhook), () => runAlarm(driver.gateway, orderId)];
      // Each input twice, all in flight together: a browser refresh, a webhook retry, a second alarm run.
      const inFlight = [...order, ...order].map((i) => starters[i]!());
      const results = await Promise.all(inFlight);

      for (const r of results) if (r instanceof Response) expect([200, 303]).toContain(r.status);
      const redirects = results.filter((r): r is Response => r instanceof Response && r.status === 303);
      for (const r of redirects) {
        // The status in the redirect is always the one established server-to-server.
        expect(new URL(r.headers.get("location") ?? "").searchParams.get("status")).toBe("succeeded");
      }
      await alarmUntil(driver.gateway, orderId, () => succeeded(driver, orderId));
      const events = await outbox(driver.gateway, orderId);
      expect(events.map((e) => e.type)).toEqual(["payment.succeeded"]);
      expectOrderedEvents(events);
      const view = await orderView(driver.gateway, orderId);
      expect(view).toMatchObject({ status: "succeeded", sequence: 1, requires_review: false });
      await expectMerchantReceived(driver.gateway, orderId, ["payment.succeeded"]);
    },
  );

  it("never moves a settled order back when an old return leg and old webhook are replayed", async () => {
    const orderId = await createdOrder(driver);
    await driver.pay(orderId);
    const leg = await driver.returnLeg(orderId);
    const webhook = await driver.paidWebhook(orderId);
    expect((await send(leg)).status).toBe(303);
    const settled = await orderView(driver.gateway, orderId);
    expect(settled.status).toBe("succeeded");

    const replays = await Promise.all([
      ...Array.from({ length: 10 }, () => send(leg)),
      ...Array.from({ length: 10 }, () => send(webhook)),
      runAlarm(driver.gateway, orderId),
    ]);
    for (const r of replays) if (r instanceof Response) expect([200, 303]).toContain(r.status);
    const after = await orderView(driver.gateway, orderId);
    expect(after).toMatchObject({ status: "succeeded", sequence: settled.sequence });
    expect((await outbox(driver.gateway, orderId)).map((e) => e.type)).toEqual(["payment.succeeded"]);
    await expectMerchantReceived(driver.gateway, orderId, ["payment.succeeded"]);
  });

  it("still confirms at once a webhook that arrives while a poll is in flight", async () => {
    const orderId = await createdOrder(driver);
    const stub = objectOf(driver.gateway, orderId);
    // The order's own alarm polls now; the gateway says "not paid yet", and its answer is slow to arrive.
    await addFault(driver.gateway, driver.status(orderId), { kind: "slow_body", ms: 600 }, 1);
    const reads = await driver.calls(driver.status(orderId), orderId);
    await runInDurableObject(stub, (_o: OrderObject, state) => state.storage.setAlarm(Date.now()));
    for (let i = 0; i < 200 && (await driver.calls(driver.status(orderId), orderId)) === reads; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // While that answer is on its way, the customer pays and the gateway's webhook arrives.
    await driver.pay(orderId);
    expect((await send(await driver.paidWebhook(orderId))).status).toBe(200);
    const polled = async () => (await auditTrail(driver.gateway, orderId)).some((e) => e.source === "poll");
    for (let i = 0; i < 200 && !(await polled()); i++) await new Promise((resolve) => setTimeout(resolve, 10));

    // The webhook asked for a look now: the poll that was already running must not push it back to the regular
    // schedule (15 s, backing off to an hour).
    const due = await runInDurableObject(stub, (_o: OrderObject, state) => state.storage.getAlarm());
    const settled = (await orderView(driver.gateway, orderId)).status === "succeeded";
    expect(settled || (due !== null && due <= Date.now() + 2_000), `next look in ${(due ?? 0) - Date.now()} ms`).toBe(
      true,
    );
    await alarmUntil(driver.gateway, orderId, () => succeeded(driver, orderId));
    // The poll may have seen the order pending at the gateway first: one event per change, in order.
    const events = await outbox(driver.gateway, orderId);
    expectOrderedEvents(events);
    expect(events.at(-1)?.type).toBe("payment.succeeded");
    expect(events.filter((e) => e.type === "payment.succeeded")).toHaveLength(1);
    await expectMerchantReceived(
      driver.gateway,
      orderId,
      events.map((e) => e.type),
    );
  });
});
