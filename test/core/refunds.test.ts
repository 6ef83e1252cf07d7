import { describe, expect, it } from "vitest";
import { canonicalJson, requestFingerprint } from "../../src/core/idempotency";
import { newOrder, type OrderRecord } from "../../src/core/order";
import {
  REFUND_REVIEW_AFTER_MS,
  deriveGatewayRefundId,
  markFailedRefusal,
  notFoundReview,
  refundRefusal,
  reservedAmount,
  type RefundRecord,
} from "../../src/core/refunds";

const paid: OrderRecord = {
  ...newOrder("juspay", "o1", 0),
  status: "succeeded",
  amount: 10000,
  currency: "INR",
  amount_verified: true,
};

function refund(amount: number, status: RefundRecord["status"], origin: RefundRecord["origin"] = "api"): RefundRecord {
  return {
    refund_id: `r${amount}${status}`,
    gateway_refund_id: "g",
    gateway_refund_ref: null,
    amount,
    currency: "INR",
    status,
    phase: "sent",
    gateway_status: null,
    reason: null,
    origin,
    failure_code: null,
    requires_review: false,
    review_reason: null,
    created_at: 0,
    updated_at: 0,
  };
}

const INR = (minor: number) => ({ minor, currency: "INR" as const });

describe("the over-refund guard", () => {
  it("counts pending and succeeded refunds against the captured amount, not failed ones", () => {
    expect(reservedAmount([refund(3000, "pending"), refund(2000, "succeeded"), refund(4000, "failed")])).toBe(5000);
  });
  it("allows a refund of exactly what is left (a full refund)", () => {
    expect(refundRefusal(paid, [refund(4000, "succeeded")], INR(6000), 10)).toBeNull();
  });
  it("refuses one paisa more than what is left", () => {
    expect(refundRefusal(paid, [refund(4000, "pending")], INR(6001), 10)?.reason).toBe("refund_exceeds_available");
  });
  it("counts refunds the gateway reported on its own (dashboard, auto-refund)", () => {
    expect(refundRefusal(paid, [refund(10000, "succeeded", "gateway")], INR(1), 10)?.reason).toBe(
      "refund_exceeds_available",
    );
  });
  it.each(["created", "pending", "failed", "expired", "reversed"] as const)(
    "refuses to refund a %s order",
    (status) => {
      expect(refundRefusal({ ...paid, status }, [], INR(1), 10)?.reason).toBe("order_not_refundable");
    },
  );
  it("refuses to refund an order flagged for review", () => {
    expect(refundRefusal({ ...paid, requires_review: true }, [], INR(1), 10)?.reason).toBe("order_not_refundable");
  });
  it("refuses the refund after the per-order limit, counting failed attempts too", () => {
    const ten = Array.from({ length: 10 }, () => refund(1, "failed"));
    expect(refundRefusal(paid, ten, INR(1), 10)?.reason).toBe("refund_limit_reached");
    expect(refundRefusal(paid, ten.slice(1), INR(1), 10)).toBeNull();
  });
  it("refuses a refund for an order that does not exist", () => {
    expect(refundRefusal(null, [], INR(1), 10)?.reason).toBe("order_not_found");
  });
});

describe("gateway refund ids", () => {
  it("are 20 alphanumeric characters, short enough for Juspay's unique_request_id (< 21)", async () => {
    const id = await deriveGatewayRefundId("juspay", "order_1", "rf_1");
    expect(id).toMatch(/^cp[0-9a-z]{18}$/);
  });
  it("are the same for the same refund, so a retry never mints a second one", async () => {
    expect(await deriveGatewayRefundId("juspay", "o", "r")).toBe(await deriveGatewayRefundId("juspay", "o", "r"));
  });
  it("differ between refunds, orders and gateways", async () => {
    const ids = new Set([
      await deriveGatewayRefundId("juspay", "o", "r1"),
      await deriveGatewayRefundId("juspay", "o", "r2"),
      await deriveGatewayRefundId("juspay", "o2", "r1"),
      await deriveGatewayRefundId("phonepe", "o", "r1"),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe("request fingerprints", () => {
  it("ignore the order of keys in the body", async () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(await requestFingerprint("e", { a: 1, b: 2 })).toBe(await requestFingerprint("e", { b: 2, a: 1 }));
  });
  it("differ for another body or another endpoint", async () => {
    expect(await requestFingerprint("e", { a: 1 })).not.toBe(await requestFingerprint("e", { a: 2 }));
    expect(await requestFingerprint("e1", { a: 1 })).not.toBe(await requestFingerprint("e2", { a: 1 }));
  });
});

describe("a refund the gateway does not show", () => {
  it("is not flagged for review in its first 30 minutes", () => {
    expect(notFoundReview(refund(1000, "pending"), REFUND_REVIEW_AFTER_MS)).toBeNull();
  });
  it("is flagged not_found_at_gateway after 30 minutes, and never failed", () => {
    expect(notFoundReview(refund(1000, "pending"), REFUND_REVIEW_AFTER_MS + 1)).toBe("not_found_at_gateway");
  });
  it("is flagged only once, and only while pending", () => {
    const flagged = { ...refund(1000, "pending"), requires_review: true, review_reason: "not_found_at_gateway" };
    expect(notFoundReview(flagged, REFUND_REVIEW_AFTER_MS * 2)).toBeNull();
    expect(notFoundReview(refund(1000, "succeeded"), REFUND_REVIEW_AFTER_MS * 2)).toBeNull();
  });
  it("keeps its amount reserved while it is under review", () => {
    const flagged = { ...refund(6000, "pending"), requires_review: true, review_reason: "not_found_at_gateway" };
    expect(refundRefusal(paid, [flagged], INR(4001), 10)?.reason).toBe("refund_exceeds_available");
  });
});

describe("marking a refund failed", () => {
  it("is allowed only for a pending refund flagged for review", () => {
    const flagged = { ...refund(1000, "pending"), requires_review: true, review_reason: "not_found_at_gateway" };
    expect(markFailedRefusal(flagged)).toBeNull();
  });
  it.each([
    ["a pending refund not under review", refund(1000, "pending")],
    ["a succeeded refund", { ...refund(1000, "succeeded"), requires_review: true }],
    ["a failed refund", refund(1000, "failed")],
  ])("is refused for %s", (_label, r) => {
    expect(markFailedRefusal(r)?.reason).toBe("refund_not_under_review");
  });
});
