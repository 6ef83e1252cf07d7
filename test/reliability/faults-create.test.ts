/**
 * Gateway faults on `POST /v1/orders` (the create call: Juspay session, PhonePe pay, Nimbbl create-order). A create
 * is not idempotent at the gateway, so it is sent once and never retried by checkpost. Each fault gives a clear
 * 502/504 `gateway_unavailable`; the order stays `created` with no event; and the order is still completed later:
 * the merchant's retry creates it, and when the gateway had already made it, the alarm finds the payment.
 */
import { describe, expect, it } from "vitest";
import { addFault, clearFaults, DRIVER_LIST } from "../drivers";
import { api, expectProblem } from "../helpers";
import { FAULTS, type FaultCase } from "./faults";
import { alarmUntil, callShort, orderView } from "./support";

describe.each(DRIVER_LIST)("$gateway create under gateway faults", (driver) => {
  it.each(FAULTS)(
    "answers a create hit by $name with $status gateway_unavailable, sends it once, and the order completes later",
    async (c: FaultCase) => {
      await driver.prepare();
      const orderId = driver.newOrderId();
      const body = { gateway: driver.gateway, order_id: orderId, amount: 10_000, currency: "INR" };
      await addFault(driver.gateway, driver.create, c.fault, null);

      await expectProblem(
        await callShort("/v1/orders", { method: "POST", json: body }),
        c.status,
        "gateway_unavailable",
      );
      expect(await driver.calls(driver.create, orderId)).toBe(1);
      const view = await orderView(driver.gateway, orderId);
      expect(view).toMatchObject({ status: "created", sequence: 0, amount: 10_000, amount_verified: true });
      await clearFaults(driver.gateway);

      if (c.reached) {
        // The gateway made the order before its answer went wrong: the customer can still pay it, and the alarm
        // (armed before the call was sent) finds the payment.
        await driver.pay(orderId);
        await alarmUntil(
          driver.gateway,
          orderId,
          async () => (await orderView(driver.gateway, orderId)).status === "succeeded",
        );
      } else {
        // Nothing was made at the gateway: the merchant's retry creates the order.
        const retry = await api("/v1/orders", { method: "POST", json: body });
        expect(retry.status).toBe(201);
        expect(((await retry.json()) as { next_action: unknown }).next_action).not.toBeNull();
        expect(await driver.calls(driver.create, orderId)).toBe(2);
      }
    },
  );
});
