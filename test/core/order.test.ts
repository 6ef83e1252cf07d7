import { describe, expect, it } from "vitest";
import { HELD_REVIEW, foldObservation, newOrder, type Observation, type OrderRecord } from "../../src/core/order";

const NOW = 1_700_000_000_000;

function registered(overrides: Partial<OrderRecord> = {}): OrderRecord {
  return { ...newOrder("juspay", "o1", NOW), amount: 10000, currency: "INR", amount_verified: true, ...overrides };
}

function obs(overrides: Partial<Observation> = {}): Observation {
  return {
    source: "poll",
    confirmed: true,
    gatewayStatus: "CHARGED",
    status: "succeeded",
    amount: { minor: 10000, currency: "INR" },
    ...overrides,
  };
}

describe("folding observations into an order", () => {
  it("settles a registered order when the confirmed amount and currency match, and emits payment.succeeded", () => {
    const folded = foldObservation(registered(), obs(), NOW + 1);
    expect(folded.outcome).toBe("applied");
    expect(folded.order.status).toBe("succeeded");
    expect(folded.event).toBe("payment.succeeded");
    expect(folded.order.sequence).toBe(1);
    expect(folded.order.gateway_status).toBe("CHARGED");
  });

  it("flags requires_review instead of succeeding when the confirmed amount differs", () => {
    const folded = foldObservation(registered(), obs({ amount: { minor: 9999, currency: "INR" } }), NOW);
    expect(folded.outcome).toBe("requires_review");
    expect(folded.order.status).toBe("created");
    expect(folded.order.requires_review).toBe(true);
    expect(folded.order.review_reason).toBe("amount_mismatch");
    expect(folded.event).toBe("payment.requires_review");
  });

  it("flags requires_review when the currency differs", () => {
    const folded = foldObservation(registered(), obs({ amount: { minor: 10000, currency: "USD" } }), NOW);
    expect(folded.order.review_reason).toBe("currency_mismatch");
    expect(folded.order.status).not.toBe("succeeded");
  });

  it("flags requires_review when a confirmed success carries no amount for a registered order", () => {
    const folded = foldObservation(registered(), obs({ amount: null }), NOW);
    expect(folded.order.review_reason).toBe("amount_missing");
  });

  it("tells the merchant about a review only once", () => {
    const first = foldObservation(registered(), obs({ amount: { minor: 1, currency: "INR" } }), NOW);
    const second = foldObservation(first.order, obs({ amount: { minor: 1, currency: "INR" } }), NOW);
    expect(second.event).toBeNull();
    expect(second.order.sequence).toBe(first.order.sequence);
  });

  it("takes the amount from the gateway for an order not registered through checkpost, unverified", () => {
    const folded = foldObservation(
      newOrder("juspay", "o1", NOW),
      obs({ amount: { minor: 4200, currency: "INR" } }),
      NOW,
    );
    expect(folded.order).toMatchObject({ status: "succeeded", amount: 4200, currency: "INR", amount_verified: false });
  });

  it("does not settle on an unconfirmed success and reports that confirmation is needed", () => {
    const folded = foldObservation(registered(), obs({ confirmed: false, source: "webhook" }), NOW);
    expect(folded.outcome).toBe("needs_confirmation");
    expect(folded.order.status).toBe("created");
    expect(folded.event).toBeNull();
  });

  it("does not keep facts from an unconfirmed input it did not apply", () => {
    const folded = foldObservation(registered(), obs({ confirmed: false, gatewayStatus: "TAMPERED" }), NOW);
    expect(folded.order.gateway_status).toBeNull();
  });

  it("moves to pending on an unconfirmed input and emits payment.pending", () => {
    const folded = foldObservation(
      registered(),
      obs({ confirmed: false, status: "pending", gatewayStatus: "PENDING_VBV" }),
      NOW,
    );
    expect(folded.outcome).toBe("applied");
    expect(folded.event).toBe("payment.pending");
  });

  it("ignores a stale failure after success and emits nothing", () => {
    const paid = foldObservation(registered(), obs(), NOW).order;
    const folded = foldObservation(paid, obs({ status: "failed", gatewayStatus: "AUTHORIZATION_FAILED" }), NOW + 5);
    expect(folded.outcome).toBe("stale");
    expect(folded.order.status).toBe("succeeded");
    expect(folded.event).toBeNull();
    expect(folded.order.sequence).toBe(paid.sequence);
  });

  it("accepts a confirmed late success after failure", () => {
    const failed = foldObservation(
      registered(),
      obs({ status: "failed", gatewayStatus: "AUTHORIZATION_FAILED" }),
      NOW,
    ).order;
    const late = foldObservation(failed, obs(), NOW + 60_000);
    expect(late.outcome).toBe("applied");
    expect(late.order.status).toBe("succeeded");
    expect(late.order.sequence).toBe(2);
  });

  it("treats the same status twice as a duplicate with no event", () => {
    const paid = foldObservation(registered(), obs(), NOW).order;
    const again = foldObservation(paid, obs(), NOW + 1);
    expect(again.outcome).toBe("duplicate");
    expect(again.event).toBeNull();
  });

  it("merges gateway details from confirmed inputs", () => {
    const folded = foldObservation(registered(), obs({ details: { bank_error_code: "E1" } }), NOW);
    expect(folded.order.details).toEqual({ bank_error_code: "E1" });
  });
});

describe("an answer that needs a person though it settles nothing (money held past the window)", () => {
  const held = (overrides: Partial<Observation> = {}) =>
    obs({ gatewayStatus: "AUTHORIZED", status: "pending", review: HELD_REVIEW, ...overrides });

  it("flags the order authorized_not_captured once, with one payment.requires_review event, and keeps its status", () => {
    const first = foldObservation(registered({ status: "pending" }), held(), NOW);
    expect(first.order).toMatchObject({ status: "pending", requires_review: true, review_reason: HELD_REVIEW });
    expect(first.event).toBe("payment.requires_review");
    const again = foldObservation(first.order, held(), NOW + 1);
    expect(again.event).toBeNull();
    expect(again.order.sequence).toBe(first.order.sequence);
  });

  it("is never taken from an unconfirmed input", () => {
    const folded = foldObservation(registered({ status: "pending" }), held({ confirmed: false }), NOW);
    expect(folded.order.requires_review).toBe(false);
  });

  it("no longer holds the order for review once the gateway has captured the money", () => {
    const flagged = foldObservation(registered({ status: "pending" }), held(), NOW).order;
    const captured = foldObservation(flagged, obs(), NOW + 1);
    expect(captured.order).toMatchObject({ status: "succeeded", requires_review: false, review_reason: null });
    expect(captured.event).toBe("payment.succeeded");
  });

  it("turns into an amount review, with its event, when the capture is for another amount", () => {
    const flagged = foldObservation(registered({ status: "pending" }), held(), NOW).order;
    const captured = foldObservation(flagged, obs({ amount: { minor: 9000, currency: "INR" } }), NOW + 1);
    expect(captured.order).toMatchObject({
      status: "pending",
      requires_review: true,
      review_reason: "amount_mismatch",
    });
    expect(captured.event).toBe("payment.requires_review");
  });

  it("leaves an amount review in place when the gateway later captures", () => {
    const mismatch = foldObservation(registered(), obs({ amount: { minor: 9999, currency: "INR" } }), NOW).order;
    const later = foldObservation(mismatch, obs(), NOW + 1);
    expect(later.order.requires_review).toBe(true);
    expect(later.order.review_reason).toBe("amount_mismatch");
  });
});
