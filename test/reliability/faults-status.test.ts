/**
 * Gateway faults on the status reads (product.md §7): the return leg's Order Status call, `GET /v1/orders/…?refresh=true`
 * and the token endpoints behind them. Each fault gives a clear 502/504 `gateway_unavailable`, changes nothing, and
 * the reconciliation alarm settles the order once the gateway answers again. Reads are retried once on a network
 * failure or a 5xx, never more.
 */
import { describe, expect, it } from "vitest";
import { addFault, clearFaults, createdOrder, DRIVER_LIST, type Driver } from "../drivers";
import { api, expectProblem } from "../helpers";
import { configureJuspaySim, newOrderId, simOrder } from "../juspay/support";
import { FAULTS, type FaultCase } from "./faults";
import { alarmUntil, auditTrail, callShort, orderView, runAlarm } from "./support";

/** A created order the customer has paid at the gateway, which checkpost does not know about yet. */
async function paidAtGateway(driver: Driver): Promise<string> {
  const orderId = await createdOrder(driver);
  await driver.pay(orderId);
  return orderId;
}

async function settlesLater(driver: Driver, orderId: string): Promise<void> {
  await clearFaults(driver.gateway);
  await alarmUntil(
    driver.gateway,
    orderId,
    async () => (await orderView(driver.gateway, orderId)).status === "succeeded",
  );
  const view = await orderView(driver.gateway, orderId);
  expect(view).toMatchObject({ status: "succeeded", sequence: 1, requires_review: false });
}

describe.each(DRIVER_LIST)("$gateway status reads under gateway faults", (driver) => {
  it.each(FAULTS)(
    "answers a return leg hit by $name with $status gateway_unavailable, changes nothing, and settles it later",
    async (c: FaultCase) => {
      const orderId = await paidAtGateway(driver);
      const leg = await driver.returnLeg(orderId);
      const before = await orderView(driver.gateway, orderId);
      const reads = await driver.calls(driver.status(orderId), orderId);
      await addFault(driver.gateway, driver.status(orderId), c.fault, null);

      await expectProblem(await callShort(leg.path, leg.init), c.status, "gateway_unavailable");
      expect(await orderView(driver.gateway, orderId)).toEqual(before);
      expect((await driver.calls(driver.status(orderId), orderId)) - reads).toBe(c.retryable ? 2 : 1);
      const trail = await auditTrail(driver.gateway, orderId);
      expect(trail.map((e) => e.kind)).toContain("reconcile_requested");
      expect(trail.some((e) => e.to_status !== e.from_status && e.source === "return")).toBe(false);

      await settlesLater(driver, orderId);
    },
  );

  it.each(FAULTS)(
    "answers GET ?refresh=true hit by $name with $status gateway_unavailable, changes nothing, and settles it later",
    async (c: FaultCase) => {
      const orderId = await paidAtGateway(driver);
      const before = await orderView(driver.gateway, orderId);
      const reads = await driver.calls(driver.status(orderId), orderId);
      await addFault(driver.gateway, driver.status(orderId), c.fault, null);

      const res = await callShort(`/v1/orders/${driver.gateway}/${orderId}?refresh=true`);
      await expectProblem(res, c.status, "gateway_unavailable");
      expect(await orderView(driver.gateway, orderId)).toEqual(before);
      expect((await driver.calls(driver.status(orderId), orderId)) - reads).toBe(c.retryable ? 2 : 1);

      await settlesLater(driver, orderId);
    },
  );

  it("retries a status read once after a single 503 and answers with the gateway's status", async () => {
    const orderId = await paidAtGateway(driver);
    const reads = await driver.calls(driver.status(orderId), orderId);
    await addFault(driver.gateway, driver.status(orderId), { kind: "status", status: 503 }, 1);
    const res = await callShort(`/v1/orders/${driver.gateway}/${orderId}?refresh=true`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("succeeded");
    expect((await driver.calls(driver.status(orderId), orderId)) - reads).toBe(2);
  });
});

describe.each(DRIVER_LIST.filter((d) => d.token !== null))("$gateway token endpoint under gateway faults", (driver) => {
  const token = driver.token!;
  it.each(FAULTS)(
    "answers a refresh whose token request meets $name with $status gateway_unavailable, and settles it later",
    async (c: FaultCase) => {
      const orderId = await paidAtGateway(driver);
      const before = await orderView(driver.gateway, orderId);
      await driver.expireTokens();
      await addFault(driver.gateway, token, c.fault, null);

      const res = await callShort(`/v1/orders/${driver.gateway}/${orderId}?refresh=true`);
      await expectProblem(res, c.status, "gateway_unavailable");
      expect(await orderView(driver.gateway, orderId)).toEqual(before);

      await settlesLater(driver, orderId);
    },
  );
});

describe("a refresh that meets a gateway fault", () => {
  it("arms the alarm for an order only registered with checkpost, which nothing else would poll", async () => {
    await configureJuspaySim();
    const orderId = newOrderId("rg");
    await simOrder(orderId, { amount: "100.00", status: "CHARGED" });
    const registered = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: orderId, amount: 10_000, currency: "INR", register_only: true },
    });
    expect(registered.status).toBe(201);
    expect(await runAlarm("juspay", orderId)).toBe(false);

    await addFault("juspay", { path: `/orders/${orderId}`, method: "GET" }, { kind: "status", status: 503 }, null);
    await expectProblem(await api(`/v1/orders/juspay/${orderId}?refresh=true`), 502, "gateway_unavailable");
    expect((await orderView("juspay", orderId)).status).toBe("created");
    await clearFaults("juspay");

    expect(await runAlarm("juspay", orderId)).toBe(true);
    expect((await orderView("juspay", orderId)).status).toBe("succeeded");
  });
});
