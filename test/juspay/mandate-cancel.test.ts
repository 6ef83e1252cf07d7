/**
 * `POST /v1/orders/juspay/:order_id/cancel-execution` (juspay.md §6: `command=cancel_recurring_transaction`): the
 * cancel's answer is confirmed by an Order Status look before it changes the order.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, gatewayCalls } from "../helpers";
import { configureJuspaySim, newOrderId, registerOrder, simSet } from "./support";
import { activeMandate } from "./mandate-support";

beforeAll(configureJuspaySim);

const cancel = (orderId: string, key = `c-${newOrderId()}`) =>
  api(`/v1/orders/juspay/${orderId}/cancel-execution`, { method: "POST", headers: { "idempotency-key": key } });

async function debit(): Promise<{ mandateId: string; orderId: string }> {
  const { mandateId } = await activeMandate();
  const orderId = newOrderId("cx");
  const res = await api(`/v1/juspay/mandates/${mandateId}/execute`, {
    method: "POST",
    json: { order_id: orderId, amount: 10_000, currency: "INR" },
    headers: { "idempotency-key": `x-${orderId}` },
  });
  expect(res.status).toBe(202);
  return { mandateId, orderId };
}

describe("cancel-execution", () => {
  it("sends cancel_recurring_transaction and folds the order's confirmed status: failed; the same key replays", async () => {
    const { mandateId, orderId } = await debit();
    const res = await cancel(orderId, "cancel-1");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mandate_id: mandateId, order: { order_id: orderId, status: "failed" } });
    const again = await cancel(orderId, "cancel-1");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const sent = (await gatewayCalls("juspay", `/mandates/${mandateId}`)).filter((c) =>
      c.body.includes("cancel_recurring_transaction"),
    );
    expect(sent).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(sent[0]?.body))).toEqual({
      command: "cancel_recurring_transaction",
      order_id: orderId,
    });
  });

  it("refuses an order that is not a mandate debit checkpost sent", async () => {
    const orderId = newOrderId("cn");
    await registerOrder(orderId, 100);
    await expectProblem(await cancel(orderId), 409, "order_not_updatable");
  });

  it("refuses a debit that is already final", async () => {
    const { orderId } = await debit();
    await simSet(orderId, { status: "CHARGED" });
    expect((await api(`/v1/orders/juspay/${orderId}?refresh=true`)).status).toBe(200);
    await expectProblem(await cancel(orderId), 409, "order_not_updatable");
  });
});
