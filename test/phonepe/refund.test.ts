import { describe, expect, it } from "vitest";
import type { RefundInput } from "../../src/gateways/types";
import { addFault, freshGateway, newOrderId, simJson, simOrder, testIO } from "./support";
import { gatewayCalls } from "../helpers";

const { gateway } = freshGateway({ timeoutMs: 300 });

/** An order PhonePe has completed, and a refund request for part of it. */
async function paidOrder(amount = 10_000, refundAmount = 2_500): Promise<RefundInput> {
  const orderId = newOrderId();
  await simOrder(orderId, amount, { state: "COMPLETED" });
  return { orderId, gatewayRefundId: `MR_${orderId}`, amount: { minor: refundAmount, currency: "INR" }, reason: null };
}

function refundCalls(input: RefundInput) {
  return gatewayCalls("phonepe", "/payments/v2/refund").then((calls) =>
    calls.filter((c) => c.body.includes(input.gatewayRefundId) || c.path.includes(input.gatewayRefundId)),
  );
}

describe("PhonePe refund", () => {
  it("posts merchantRefundId, originalMerchantOrderId and the amount in paise to /payments/v2/refund", async () => {
    const input = await paidOrder();
    const result = await gateway.refund(input, testIO());
    expect(result.ok && result.value).toEqual({
      gatewayRefundId: input.gatewayRefundId,
      gatewayRefundRef: expect.stringMatching(/^OMR/),
      status: "pending",
      gatewayStatus: "PENDING",
      amount: { minor: 2_500, currency: "INR" },
    });
    const [call, ...more] = await refundCalls(input);
    expect(more).toHaveLength(0);
    expect(call?.method).toBe("POST");
    expect(call?.headers["authorization"]).toMatch(/^O-Bearer /);
    expect(JSON.parse(call?.body ?? "")).toEqual({
      merchantRefundId: input.gatewayRefundId,
      originalMerchantOrderId: input.orderId,
      amount: 2_500,
    });
  });

  it.each([
    ["PENDING", "pending"],
    ["CONFIRMED", "pending"],
    ["COMPLETED", "succeeded"],
    ["FAILED", "failed"],
  ])("reads refund state %s as %s from /payments/v2/refund/{id}/status", async (state, status) => {
    const input = await paidOrder();
    await gateway.refund(input, testIO());
    await simJson(`/refunds/${input.gatewayRefundId}/outcome`, { state });
    const result = await gateway.refundStatus(input, testIO());
    expect(result.ok && [result.value.gatewayStatus, result.value.status]).toEqual([state, status]);
    const [, statusCall] = await refundCalls(input);
    expect([statusCall?.method, statusCall?.path]).toEqual([
      "GET",
      `/payments/v2/refund/${input.gatewayRefundId}/status`,
    ]);
  });

  it("reads an undocumented refund state as pending", async () => {
    const input = await paidOrder();
    await addFault({
      path: `/refund/${input.gatewayRefundId}/status`,
      fault: { kind: "status", status: 200, body: JSON.stringify({ state: "REVERSED?", amount: 100 }) },
    });
    const result = await gateway.refundStatus(input, testIO());
    expect(result.ok && result.value.status).toBe("pending");
  });

  it("answers a refund PhonePe does not know with gateway_not_found", async () => {
    const input = await paidOrder();
    const result = await gateway.refundStatus(input, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_not_found");
  });

  it("refuses a refund status that belongs to another order", async () => {
    const input = await paidOrder();
    await gateway.refund(input, testIO());
    const result = await gateway.refundStatus({ ...input, orderId: newOrderId() }, testIO());
    expect(result.ok ? null : result.error.reason).toBe("order_mismatch");
  });

  it("answers an excess refund with gateway_rejected carrying PhonePe's errorCode", async () => {
    const input = await paidOrder(10_000, 10_001);
    const result = await gateway.refund(input, testIO());
    expect(!result.ok && [result.error.reason, result.error.detail]).toEqual([
      "gateway_rejected",
      "gateway error code EXCESS_REFUND_AMOUNT",
    ]);
  });

  it.each([["MR/with space?&#"], ["../x"], ["r".repeat(64)]])(
    "refuses to mint the unsafe refund id %j without calling PhonePe",
    async (refundId) => {
      const input = { ...(await paidOrder()), gatewayRefundId: refundId };
      const before = (await gatewayCalls("phonepe", "/payments/v2/refund")).length;
      const created = await gateway.refund(input, testIO());
      expect(created.ok ? null : created.error.reason).toBe("validation_failed");
      expect((await gatewayCalls("phonepe", "/payments/v2/refund")).length).toBe(before);
    },
  );

  it.each([["r".repeat(64)], ["."], [".."]])(
    "refuses to look up the refund id %j without calling PhonePe",
    async (id) => {
      const input = { ...(await paidOrder()), gatewayRefundId: id };
      const before = (await gatewayCalls("phonepe", "/payments/v2/refund")).length;
      const status = await gateway.refundStatus(input, testIO());
      expect(status.ok ? null : status.error.reason).toBe("validation_failed");
      expect((await gatewayCalls("phonepe", "/payments/v2/refund")).length).toBe(before);
    },
  );

  it.each([["MR/with space?&#"], ["../x"]])(
    "looks up a refund id it did not mint (%j) as one encoded path segment",
    async (refundId) => {
      const input = { ...(await paidOrder()), gatewayRefundId: refundId };
      const status = await gateway.refundStatus(input, testIO());
      expect(status.ok ? null : status.error.reason).toBe("gateway_not_found");
      const calls = await gatewayCalls("phonepe", `/payments/v2/refund/${encodeURIComponent(refundId)}/status`);
      expect(calls.map((c) => c.path)).toEqual([`/payments/v2/refund/${encodeURIComponent(refundId)}/status`]);
    },
  );

  it("answers a refund below PhonePe's 100-paise minimum with gateway_rejected", async () => {
    const input = await paidOrder(10_000, 99);
    const result = await gateway.refund(input, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_rejected");
  });

  it("does not retry a refund that timed out (the caller asks for its status instead)", async () => {
    const input = await paidOrder();
    await addFault({ path: "/payments/v2/refund", method: "POST", fault: { kind: "timeout", ms: 1500 } });
    const result = await gateway.refund(input, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_timeout");
    expect(await refundCalls(input)).toHaveLength(1);
  });

  it("refuses a non-INR refund without calling PhonePe", async () => {
    const input = await paidOrder();
    const result = await gateway.refund({ ...input, amount: { minor: 100, currency: "USD" } }, testIO());
    expect(result.ok ? null : result.error.reason).toBe("currency_unsupported");
    expect(await refundCalls(input)).toHaveLength(0);
  });
});
