/**
 * Amounts are read exactly, and the amount compared is the one the gateway says was paid (product.md §3): a payment
 * for less than the order, or an amount checkpost cannot read exactly, is flagged for review and never `succeeded`.
 * The gateways answer through the simulator: Nimbbl a capture for another amount (nimbbl.md §1.1, §3 document that
 * `transaction_amount` can differ from the order total), Juspay and PhonePe an inexact amount injected as a fault
 * (neither documents one; a proxy or a gateway bug could send it).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { refreshAnswered } from "../drivers";
import { api, call, sim } from "../helpers";
import * as juspay from "../juspay/support";
import { createOrder as createNimbblOrder, outcome } from "../nimbbl/support";
import * as phonepe from "../phonepe/support";

beforeAll(async () => {
  await juspay.configureJuspaySim();
});

async function order(gateway: string, orderId: string): Promise<any> {
  const res = await api(`/v1/orders/${gateway}/${orderId}`);
  expect(res.status).toBe(200);
  return res.json();
}

describe("a payment for another amount than the order", () => {
  it("a Nimbbl payment captured for less than the order is flagged for review, never succeeded", async () => {
    const { orderId } = await createNimbblOrder(1250);
    // The customer pays 10.00 of the 12.50 order; Nimbbl signs and reports that capture (§1.1, §3).
    await outcome(orderId, "success", { transaction_amount: 10 });
    const built: any = await (
      await sim(`/__control/nimbbl/orders/${orderId}/checkout-response`, { method: "POST", json: {} })
    ).json();
    const back = new URL(built.redirect_url);
    const res = await call(back.pathname + back.search, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get("location") ?? "").searchParams.get("status")).toBe("requires_review");

    const first = await order("nimbbl", orderId);
    expect(first).toMatchObject({ status: "created", requires_review: true, review_reason: "amount_mismatch" });
    expect(first.details.transaction_amount).toBe("10.00");
    // Asking again changes nothing: the capture never settles the order.
    expect((await api(`/v1/orders/nimbbl/${orderId}?refresh=true`)).status).toBe(200);
    expect((await order("nimbbl", orderId)).status).not.toBe("succeeded");
  });

  it("a Nimbbl capture that includes a convenience fee still settles an order paid in full", async () => {
    const { orderId } = await createNimbblOrder(1250);
    await outcome(orderId, "success", { additional_charges: 2 });
    const res = await api(`/v1/orders/nimbbl/${orderId}?refresh=true`);
    expect(await res.json()).toMatchObject({ status: "succeeded", requires_review: false });
  });
});

describe("an amount checkpost cannot read exactly", () => {
  it("a Juspay status answering amount 100.005 is flagged for review (amount_unreadable), never succeeded", async () => {
    const orderId = juspay.newOrderId("unread");
    await juspay.registerOrder(orderId, 10_000);
    await juspay.simOrder(orderId, { status: "CHARGED" });
    const answer = { order_id: orderId, status: "CHARGED", status_id: 21, amount: 100.005, currency: "INR" };
    await refreshAnswered("juspay", orderId, `/orders/${orderId}`, answer);
    expect(await order("juspay", orderId)).toMatchObject({
      status: "created",
      requires_review: true,
      review_reason: "amount_unreadable",
    });
  });

  it("a PhonePe status answering 10000.5 paise is flagged for review (amount_unreadable), never succeeded", async () => {
    const orderId = phonepe.newOrderId("UNR");
    expect((await phonepe.createOrder(orderId)).res.status).toBe(201);
    const answer = { merchantOrderId: orderId, orderId: `OMO${orderId}`, state: "COMPLETED", amount: 10_000.5 };
    await refreshAnswered("phonepe", orderId, `/checkout/v2/order/${orderId}/status`, answer);
    expect(await order("phonepe", orderId)).toMatchObject({
      requires_review: true,
      review_reason: "amount_unreadable",
    });
    expect((await order("phonepe", orderId)).status).not.toBe("succeeded");
  });
});
