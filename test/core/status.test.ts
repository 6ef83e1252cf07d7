import { describe, expect, it } from "vitest";
import {
  decidePaymentTransition,
  decideRefundTransition,
  PAYMENT_STATUSES,
  type PaymentStatus,
} from "../../src/core/status";

const FORWARD: [PaymentStatus, PaymentStatus][] = [
  ["created", "pending"],
  ["created", "succeeded"],
  ["created", "failed"],
  ["created", "expired"],
  ["pending", "succeeded"],
  ["pending", "failed"],
  ["pending", "expired"],
  ["created", "reversed"],
  ["pending", "reversed"],
];
const LATE: [PaymentStatus, PaymentStatus][] = [
  ["failed", "succeeded"],
  ["expired", "succeeded"],
  ["succeeded", "reversed"],
  ["failed", "reversed"],
  ["expired", "reversed"],
];

describe("payment transitions (product.md §3)", () => {
  it.each(FORWARD)("moves %s → %s when the input is confirmed", (from, to) => {
    expect(decidePaymentTransition(from, to, true)).toEqual({ kind: "apply", from, to, late: false });
  });

  it("moves created → pending on an unconfirmed input, since pending is not final", () => {
    expect(decidePaymentTransition("created", "pending", false)).toEqual({
      kind: "apply",
      from: "created",
      to: "pending",
      late: false,
    });
  });

  it.each(FORWARD.filter(([, to]) => to !== "pending"))(
    "asks for S2S confirmation before %s → %s on an unconfirmed input",
    (from, to) => {
      expect(decidePaymentTransition(from, to, false)).toEqual({ kind: "needs_confirmation", from, to });
    },
  );

  it.each(LATE)("accepts the late move %s → %s only when confirmed", (from, to) => {
    expect(decidePaymentTransition(from, to, true)).toEqual({ kind: "apply", from, to, late: true });
    expect(decidePaymentTransition(from, to, false)).toEqual({ kind: "needs_confirmation", from, to });
  });

  it("never moves succeeded back to failed, pending, created or expired, confirmed or not", () => {
    for (const to of ["failed", "pending", "created", "expired"] as const) {
      expect(decidePaymentTransition("succeeded", to, true)).toEqual({ kind: "stale", from: "succeeded", to });
      expect(decidePaymentTransition("succeeded", to, false)).toEqual({ kind: "stale", from: "succeeded", to });
    }
  });

  it("treats a reversed payment as final for every input", () => {
    for (const to of PAYMENT_STATUSES.filter((s) => s !== "reversed")) {
      expect(decidePaymentTransition("reversed", to, true).kind).toBe("stale");
    }
  });

  it("treats pending after a final state as a stale, out-of-order input", () => {
    for (const from of ["succeeded", "failed", "expired", "reversed"] as const) {
      expect(decidePaymentTransition(from, "pending", true)).toEqual({ kind: "stale", from, to: "pending" });
    }
  });

  it("never moves anything back to created", () => {
    for (const from of PAYMENT_STATUSES.filter((s) => s !== "created")) {
      expect(decidePaymentTransition(from, "created", true).kind).toBe("stale");
    }
  });

  it("does not move failed to expired or expired to failed", () => {
    expect(decidePaymentTransition("failed", "expired", true).kind).toBe("stale");
    expect(decidePaymentTransition("expired", "failed", true).kind).toBe("stale");
  });

  it("calls the same status twice a duplicate, confirmed or not", () => {
    for (const s of PAYMENT_STATUSES) {
      expect(decidePaymentTransition(s, s, true)).toEqual({ kind: "duplicate" });
      expect(decidePaymentTransition(s, s, false)).toEqual({ kind: "duplicate" });
    }
  });
});

describe("refund transitions (product.md §3)", () => {
  it("moves pending → succeeded and pending → failed when confirmed", () => {
    expect(decideRefundTransition("pending", "succeeded", true).kind).toBe("apply");
    expect(decideRefundTransition("pending", "failed", true).kind).toBe("apply");
  });
  it("asks for confirmation before settling a refund on an unconfirmed input", () => {
    expect(decideRefundTransition("pending", "succeeded", false).kind).toBe("needs_confirmation");
    expect(decideRefundTransition("pending", "failed", false).kind).toBe("needs_confirmation");
  });
  it("accepts failed → succeeded only when the gateway confirms it", () => {
    expect(decideRefundTransition("failed", "succeeded", true)).toEqual({
      kind: "apply",
      from: "failed",
      to: "succeeded",
      late: true,
    });
    expect(decideRefundTransition("failed", "succeeded", false).kind).toBe("needs_confirmation");
  });
  it("never moves a succeeded refund anywhere", () => {
    expect(decideRefundTransition("succeeded", "failed", true).kind).toBe("stale");
    expect(decideRefundTransition("succeeded", "pending", true).kind).toBe("stale");
  });
  it("treats pending after a final refund state as stale and a repeat as a duplicate", () => {
    expect(decideRefundTransition("failed", "pending", true).kind).toBe("stale");
    expect(decideRefundTransition("pending", "pending", true).kind).toBe("duplicate");
  });
});
