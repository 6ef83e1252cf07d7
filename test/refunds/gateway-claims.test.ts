/**
 * Refunds the gateway tells of on its own (product.md §3): a webhook's claim of a refund checkpost never sent reserves
 * its amount until a confirmed answer settles it, and a gateway that itself asks for a person flags the refund once.
 * Driven through the order object's RPC surface, with the webhook already authenticated by its adapter.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RefundHint } from "../../src/core/model";
import type { WebhookEvent } from "../../src/gateways/types";
import { MAX_UNCONFIRMED_CLAIMS } from "../../src/storage/order/refund-hints";
import { api, expectProblem, objectOf, order, type OrderObject, uniqueOrderId } from "../helpers";

const INR = (minor: number) => ({ minor, currency: "INR" as const });

async function paidOrder(amount = 10000): Promise<{ id: string; ref: { gateway: "juspay"; orderId: string } }> {
  const id = uniqueOrderId("gc");
  const ref = { gateway: "juspay" as const, orderId: id };
  await order("juspay", id).register(ref, { amount: INR(amount), customer: null, description: null, metadata: null });
  await order("juspay", id).observe(ref, {
    source: "poll",
    confirmed: true,
    gatewayStatus: "CHARGED",
    status: "succeeded",
    amount: INR(amount),
  });
  return { id, ref };
}

function refundWebhook(orderId: string, hint: Partial<RefundHint>, key = "evt_r1"): WebhookEvent {
  return {
    kind: "refund",
    eventType: "ORDER_REFUNDED",
    orderId,
    dedupeKeys: [`test:evt:${key}`],
    gatewayStatus: "SUCCESS",
    status: null,
    amount: null,
    refund: {
      gatewayRefundId: "dash_1",
      gatewayRefundRef: "rfnd_1",
      status: "succeeded",
      gatewayStatus: "SUCCESS",
      amount: INR(4000),
      ...hint,
    },
  };
}

async function outbox(orderId: string): Promise<string[]> {
  return runInDurableObject(objectOf("juspay", orderId), (_obj: OrderObject, state) =>
    state.storage.sql
      .exec("SELECT type FROM outbox ORDER BY sequence")
      .toArray()
      .map((r) => r["type"] as string),
  );
}

const refunds = (id: string) => order("juspay", id).refunds({ gateway: "juspay", orderId: id });

describe("a webhook's claim of a refund checkpost never sent", () => {
  it("reserves its amount at once, so a later refund through checkpost cannot exceed what is left", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, {}));
    const res = await api(`/v1/orders/juspay/${id}/refunds`, {
      method: "POST",
      json: { amount: 7000 },
      headers: { "idempotency-key": "k-after-dashboard" },
    });
    await expectProblem(res, 422, "refund_exceeds_available");
    expect(await refunds(id)).toEqual([
      expect.objectContaining({ refund_id: "gw_dash_1", origin: "gateway", status: "pending", amount: 4000 }),
    ]);
  });

  it("tells the merchant nothing until the gateway confirms it, then tells them once", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, {}));
    expect(await outbox(id)).toEqual(["payment.succeeded"]);
    const confirmed: RefundHint = {
      gatewayRefundId: "dash_1",
      gatewayRefundRef: "rfnd_1",
      status: "succeeded",
      gatewayStatus: "SUCCESS",
      amount: INR(4000),
    };
    await order("juspay", id).observeRefund(ref, confirmed, "poll", true);
    await order("juspay", id).observeRefund(ref, confirmed, "poll", true);
    expect(await outbox(id)).toEqual(["payment.succeeded", "refund.succeeded"]);
    expect((await refunds(id))[0]).toMatchObject({ status: "succeeded", gateway_status: "SUCCESS" });
  });

  it("plans a look at the gateway for that refund right after the acknowledgement", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, {}));
    const due = await runInDurableObject(objectOf("juspay", id), (_obj: OrderObject, state) =>
      state.storage.sql.exec("SELECT value FROM meta WHERE key = 'refund_poll'").toArray(),
    );
    expect(due).toHaveLength(1);
  });

  it("reserves nothing when the claim is that the refund failed", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, { status: "failed", gatewayStatus: "FAILURE" }));
    expect(await refunds(id)).toEqual([]);
  });

  it("holds at most MAX_UNCONFIRMED_CLAIMS per order, so forged claims cannot multiply refund-status calls", async () => {
    const { id, ref } = await paidOrder();
    for (let i = 0; i < MAX_UNCONFIRMED_CLAIMS + 3; i++) {
      const claim = refundWebhook(
        id,
        { gatewayRefundId: `dash_m${i}`, gatewayRefundRef: null, amount: INR(100) },
        `m${i}`,
      );
      await order("juspay", id).recordWebhook(ref, claim);
    }
    expect(await refunds(id)).toHaveLength(MAX_UNCONFIRMED_CLAIMS);
  });

  it("is not repeated by a redelivery of the same webhook", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, {}));
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, {}));
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, {}, "evt_r2"));
    expect(await refunds(id)).toHaveLength(1);
  });
});

describe("a refund the gateway itself puts under manual review", () => {
  const manual = (status: RefundHint["status"] = "pending"): RefundHint => ({
    gatewayRefundId: "dash_2",
    gatewayRefundRef: null,
    status,
    gatewayStatus: status === "pending" ? "MANUAL_REVIEW" : "SUCCESS",
    amount: INR(2500),
    ...(status === "pending" ? { reviewReason: "manual_review_at_gateway" } : {}),
  });

  it("is flagged manual_review_at_gateway once, with one refund.requires_review event, its amount still reserved", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, { gatewayRefundId: "dash_2", amount: INR(2500) }));
    for (let i = 0; i < 3; i++) await order("juspay", id).observeRefund(ref, manual(), "poll", true);
    expect((await refunds(id))[0]).toMatchObject({
      status: "pending",
      requires_review: true,
      review_reason: "manual_review_at_gateway",
    });
    expect(await outbox(id)).toEqual(["payment.succeeded", "refund.requires_review"]);
    const res = await api(`/v1/orders/juspay/${id}/refunds`, {
      method: "POST",
      json: { amount: 7600 },
      headers: { "idempotency-key": "k-during-review" },
    });
    await expectProblem(res, 422, "refund_exceeds_available");
  });

  it("is flagged from the first confirmed answer when checkpost had never seen it", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).observeRefund(ref, manual(), "poll", true);
    expect((await refunds(id))[0]).toMatchObject({ origin: "gateway", requires_review: true });
    expect(await outbox(id)).toEqual(["payment.succeeded", "refund.pending", "refund.requires_review"]);
  });

  it("leaves review once the gateway settles it", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).observeRefund(ref, manual(), "poll", true);
    await order("juspay", id).observeRefund(ref, manual("succeeded"), "poll", true);
    expect((await refunds(id))[0]).toMatchObject({ status: "succeeded", requires_review: false, review_reason: null });
  });

  it("is never flagged from an unconfirmed input", async () => {
    const { id, ref } = await paidOrder();
    await order("juspay", id).recordWebhook(ref, refundWebhook(id, { gatewayRefundId: "dash_2", amount: INR(2500) }));
    await order("juspay", id).observeRefund(ref, manual(), "webhook", false);
    expect((await refunds(id))[0]).toMatchObject({ requires_review: false });
  });
});
