/** Helpers for the outbound-events tests: seeding order changes, the simulated merchant, and driving the alarm. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { fromMinor, type Money } from "../../src/core/money";
import type { PaymentStatus } from "../../src/core/status";
import type { GatewayId } from "../../src/core/model";
import type { DeliveryDetail } from "../../src/storage/order/outbox";
import type { MerchantDelivery } from "../../sim/src/merchant";
import { objectOf, order, type OrderObject, sim } from "../helpers";

export const AMOUNT: Money = (() => {
  const money = fromMinor(10_000, "INR");
  if (!money.ok) throw new Error("bad test amount");
  return money.value;
})();

/** Registers the order and moves it through `statuses` with confirmed observations: one event per change. */
export async function seedChanges(gateway: GatewayId, orderId: string, statuses: readonly PaymentStatus[]) {
  const ref = { gateway, orderId };
  const stub = order(gateway, orderId);
  const registered = await stub.register(ref, { amount: AMOUNT, customer: null, description: null, metadata: null });
  expect(registered.ok).toBe(true);
  for (const status of statuses) {
    const observed = await stub.observe(ref, {
      source: "api",
      confirmed: true,
      gatewayStatus: `SIM_${status.toUpperCase()}`,
      status,
      amount: AMOUNT,
    });
    if (!observed.ok || !observed.value.changed) throw new Error(`seeding ${status} did not change the order`);
  }
}

export async function merchantEvents(orderId: string, accepted = false): Promise<MerchantDelivery[]> {
  const res = await sim(`/__control/merchant/events?order_id=${encodeURIComponent(orderId)}&accepted=${accepted}`);
  return res.json();
}

/** Makes the merchant answer this order's next `times` deliveries (null: all, until cleared) with `fault`. */
export async function merchantFault(orderId: string, fault: Record<string, unknown>, times: number | null) {
  await sim("/__control/merchant/faults", { method: "POST", json: { order_id: orderId, fault, times } });
}

export async function merchantRecovers(orderId: string) {
  await sim("/__control/merchant/clear-faults", { method: "POST", json: { order_id: orderId } });
}

/**
 * Runs the order's alarm, as of the time it is armed for, until `done()` holds. When no alarm is armed (a real one
 * may be running), it waits for the object's alarm work to finish instead, without sleeping. Fails after `maxSteps`.
 */
export async function runAlarmsUntil(
  gateway: GatewayId,
  orderId: string,
  done: () => Promise<boolean>,
  maxSteps = 100,
): Promise<number> {
  const stub = objectOf(gateway, orderId);
  for (let step = 0; step < maxSteps; step++) {
    if (await done()) return step;
    const ran = await runDurableObjectAlarm(stub);
    if (!ran) await runInDurableObject(stub, (object: OrderObject) => object.runDue(Date.now()));
  }
  throw new Error(`not done after ${maxSteps} alarm runs`);
}

export async function runAlarms(gateway: GatewayId, orderId: string, steps: number): Promise<void> {
  let n = 0;
  await runAlarmsUntil(gateway, orderId, () => Promise.resolve(n++ >= steps), steps + 1);
}

export async function deliveryOf(gateway: GatewayId, orderId: string, sequence: number): Promise<DeliveryDetail> {
  const detail = await order(gateway, orderId).delivery({ gateway, orderId }, sequence);
  if (!detail) throw new Error(`no delivery ${sequence} for ${orderId}`);
  return detail;
}

export const acceptedCount = (orderId: string, n: number) => async () =>
  (await merchantEvents(orderId, true)).length >= n;
