/**
 * Gateway faults on refunds. The refund call is never repeated: a lost answer may hide a refund the gateway made, so
 * checkpost answers `202` with the refund `pending` (its amount reserved), and the alarm resolves it by asking the
 * gateway about that same refund id (product.md §3). A refund status read under a fault gives a clear 502/504
 * `gateway_unavailable`, changes nothing, and the alarm settles the refund later.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addFault, clearFaults, DRIVER_LIST, type Driver } from "../drivers";
import { api, expectProblem, objectOf, type OrderObject } from "../helpers";
import { FAULTS, type FaultCase } from "./faults";
import { alarmUntil, callShort, orderView, runAlarm } from "./support";

interface RefundBody {
  refund_id: string;
  gateway_refund_id: string;
  gateway_reference: string | null;
  status: string;
  failure_code?: string | null;
  requires_review?: boolean;
  review_reason?: string | null;
}

/** A paid order checkpost knows as succeeded. */
function paidOrder(driver: Driver): Promise<string> {
  return driver.paidOrder(10_000);
}

function refundPath(driver: Driver, orderId: string): string {
  return `/v1/orders/${driver.gateway}/${orderId}/refunds`;
}

async function getRefund(driver: Driver, orderId: string, refundId: string): Promise<RefundBody> {
  const res = await api(`${refundPath(driver, orderId)}/${refundId}`);
  expect(res.status).toBe(200);
  return res.json();
}

describe.each(DRIVER_LIST)("$gateway refunds under gateway faults", (driver) => {
  it.each(FAULTS)(
    "answers a refund hit by $name with 202 pending, never sends it again, and later resolves it or flags it for review",
    async (c: FaultCase) => {
      const orderId = await paidOrder(driver);
      await addFault(driver.gateway, driver.refund(orderId), c.fault, null);
      const key = `k-fault-${orderId}`;
      const res = await callShort(refundPath(driver, orderId), {
        method: "POST",
        json: { amount: 4000 },
        headers: { "idempotency-key": key },
      });
      expect(res.status).toBe(202);
      const pending: RefundBody = await res.json();
      expect(pending.status).toBe("pending");
      expect(await driver.calls(driver.refund(orderId), orderId)).toBe(1);
      expect(await orderView(driver.gateway, orderId)).toMatchObject({ status: "succeeded" });
      // What is pending stays reserved: only 6000 of 10000 is left.
      await expectProblem(
        await api(refundPath(driver, orderId), {
          method: "POST",
          json: { amount: 6001 },
          headers: { "idempotency-key": `k-more-${orderId}` },
        }),
        422,
        "refund_exceeds_available",
      );
      await clearFaults(driver.gateway);

      // A gateway whose refunds cannot be found by checkpost's id alone (`findsRefundById: false`, Nimbbl) cannot tie
      // a refund whose answer was lost to its own id: it takes the review path below even when the refund was made.
      if (c.reached && driver.findsRefundById !== false) {
        // The gateway made the refund: the alarm asks about its id and follows it to the end.
        await runAlarm(driver.gateway, orderId);
        await driver.settleRefund(orderId, await getRefund(driver, orderId, pending.refund_id), "succeeded");
        await alarmUntil(
          driver.gateway,
          orderId,
          async () => (await getRefund(driver, orderId, pending.refund_id)).status === "succeeded",
        );
      } else {
        // The gateway never got it, but unknown is never failed: once it has not appeared for 30 minutes it is
        // flagged for review, still pending, its amount still reserved.
        await runInDurableObject(objectOf(driver.gateway, orderId), (_o: OrderObject, state) => {
          state.storage.sql.exec("UPDATE refunds SET created_at = created_at - ?", 31 * 60 * 1000);
        });
        await alarmUntil(
          driver.gateway,
          orderId,
          async () => (await getRefund(driver, orderId, pending.refund_id)).requires_review === true,
        );
        expect(await getRefund(driver, orderId, pending.refund_id)).toMatchObject({
          status: "pending",
          review_reason: "not_found_at_gateway",
        });
        await expectProblem(
          await api(refundPath(driver, orderId), {
            method: "POST",
            json: { amount: 6001 },
            headers: { "idempotency-key": `k-after-${orderId}` },
          }),
          422,
          "refund_exceeds_available",
        );
      }
      expect(await driver.calls(driver.refund(orderId), orderId)).toBe(1);
    },
  );

  it.each(FAULTS)(
    "answers a refund status read hit by $name with $status gateway_unavailable, changes nothing, and settles it later",
    async (c: FaultCase) => {
      const orderId = await paidOrder(driver);
      const created = await api(refundPath(driver, orderId), {
        method: "POST",
        json: { amount: 2500 },
        headers: { "idempotency-key": `k-status-${orderId}` },
      });
      expect(created.status).toBe(201);
      const refund: RefundBody = await created.json();
      const before = await orderView(driver.gateway, orderId);
      await addFault(driver.gateway, driver.refundStatus(orderId, refund.gateway_refund_id), c.fault, null);

      const res = await callShort(`${refundPath(driver, orderId)}/${refund.refund_id}?refresh=true`);
      await expectProblem(res, c.status, "gateway_unavailable");
      expect(await orderView(driver.gateway, orderId)).toEqual(before);

      await clearFaults(driver.gateway);
      await driver.settleRefund(orderId, refund, "succeeded");
      await alarmUntil(
        driver.gateway,
        orderId,
        async () => (await getRefund(driver, orderId, refund.refund_id)).status === "succeeded",
      );
    },
  );
});
