/**
 * The pure pieces, against vectors produced outside checkpost: the Java SDK's HMAC test vector (nimbbl.md §1.2), an
 * AES-256-GCM vector with a 16-byte nonce produced by OpenSSL (Node's `createCipheriv`), and the status tables.
 */
import { describe, expect, it } from "vitest";
import { decryptResponse, hmacHex } from "../../src/gateways/nimbbl/envelope";
import { refundTuple, tupleMessage } from "../../src/gateways/nimbbl/verify";
import {
  mapGatewayStatus,
  mapPaymentStatus,
  mapRefundStatus,
  snapshotFromEnquiry,
} from "../../src/gateways/nimbbl/map";
import { tokenExpiry } from "../../src/gateways/nimbbl/token";
import type { NimbblEnquiryResponse, NimbblSignedEvent } from "../../src/gateways/nimbbl/wire";
import { SECRET } from "./support";

/** Node 22: createCipheriv("aes-256-gcm", sha256("ArL0OKDKBGx5A0zP"), 000102…0f), hex(nonce ‖ ciphertext ‖ tag). */
const OPENSSL_VECTOR =
  "000102030405060708090a0b0c0d0e0f1628bdc35cae87334990bb49bd881462ee1f86ebca10aab32e892e9f169979b0005dc42d7efd6dfa" +
  "ddcab68980968b2befb011182ff478c7483a7915141f0cd77df95a9d72ed93f9";

describe("crypto primitives", () => {
  it("reproduces the Java SDK's HMAC test vector (§1.2)", async () => {
    const message = "order_BmO74B5pZQJ4W3qx|order_BmO74B5pZQJ4W3qx-20211018144400|14.00|INR";
    expect(await hmacHex("access_secret_ArL0OKDKBGx5A0zP", message)).toBe(
      "41547fa353e7e01dd6cb85715fa323fa35e3f76bf383d4041c371daff7adb645",
    );
  });

  it("decrypts OpenSSL's AES-256-GCM output with a 16-byte nonce in workerd", async () => {
    const plain = await decryptResponse(OPENSSL_VECTOR, SECRET);
    expect(plain.ok && new TextDecoder().decode(plain.value)).toBe(
      '{"event_type":"payment_success","note":"openssl vector"}',
    );
  });

  it("refuses the vector under a key derived with the access_secret_ prefix kept", async () => {
    const result = await decryptResponse(OPENSSL_VECTOR, `access_secret_access_secret_${SECRET.slice(14)}`);
    expect(result.ok).toBe(false);
  });

  it("refuses input too short to hold a nonce and a tag, or that is not hex", async () => {
    expect((await decryptResponse("00".repeat(31), SECRET)).ok).toBe(false);
    expect((await decryptResponse("zz".repeat(40), SECRET)).ok).toBe(false);
  });
});

describe("refund formula (§2)", () => {
  const event = (order: Record<string, unknown>): NimbblSignedEvent =>
    ({
      transaction: {
        transaction_id: "o_1-R1",
        refund_status: "succeeded",
        refund_amount: 5,
        transaction_type: "partial_refund",
        transaction_currency: "USD",
      },
      order: { invoice_id: "inv1", ...order },
    }) as NimbblSignedEvent;

  it("takes the currency from order.refund_details.refundable_currency", () => {
    const tuple = refundTuple(event({ refund_details: { refundable_currency: "INR" } }));
    expect(tuple.ok && tupleMessage(tuple.value)).toBe("inv1|o_1-R1|5.00|INR|succeeded|partial_refund");
  });

  it("falls back to transaction_currency when refund_details is absent ([S3])", () => {
    const tuple = refundTuple(event({}));
    expect(tuple.ok && tupleMessage(tuple.value)).toBe("inv1|o_1-R1|5.00|USD|succeeded|partial_refund");
  });
});

describe("status tables (§4), unknown → pending", () => {
  it.each([
    ["new", "pending"],
    ["pending", "pending"],
    ["authorized", "pending"],
    ["succeeded", "succeeded"],
    ["failed", "failed"],
    ["reversing", "pending"],
    ["reversed", "reversed"],
    ["SUCCEEDED", "pending"],
    ["completed", "pending"],
    ["", "pending"],
  ])("maps payment status %j to %s", (gateway, unified) => {
    expect(mapPaymentStatus(gateway)).toBe(unified);
  });

  it.each([
    ["order:new", "created"],
    ["order:pending", "pending"],
    ["order:completed", "pending"],
    ["order:lapsed", "expired"],
    ["order:other", "pending"],
  ])("maps order status %j (no attempt yet) to %s", (gateway, unified) => {
    expect(mapGatewayStatus(gateway)).toBe(unified);
  });

  it.each([
    ["new", "pending"],
    ["pending", "pending"],
    ["succeeded", "succeeded"],
    ["failed", "failed"],
    ["reversed", "pending"],
  ])("maps refund status %j to %s", (gateway, unified) => {
    expect(mapRefundStatus(gateway)).toBe(unified);
  });
});

describe("the enquiry as a snapshot", () => {
  type Listed = NimbblEnquiryResponse & { transaction: Record<string, unknown>[] };
  const enquiry = (statuses: string[], order: Record<string, unknown> = {}): Listed =>
    ({
      transaction: statuses.map((s, i) => ({
        nimbbl_transaction_id: `o_1-${i}`,
        transaction_type: "payment",
        payment_status: s,
        transaction_amount: 12.5,
      })),
      order: { invoice_id: "inv1", status: "pending", total_amount: 12.5, currency: "INR", ...order },
    }) as Listed;

  it.each([
    [["failed", "succeeded"], "succeeded"],
    [["succeeded", "failed"], "succeeded"],
    [["pending", "failed"], "pending"],
    [["failed", "reversing"], "pending"],
    [["failed", "reversed"], "reversed"],
    [["failed", "failed"], "failed"],
  ])("decides %j as %s", (statuses, unified) => {
    expect(snapshotFromEnquiry(enquiry(statuses)).status).toBe(unified);
  });

  it("names the deciding attempt and keeps its facts", () => {
    const snap = snapshotFromEnquiry(enquiry(["failed", "succeeded"]));
    expect(snap.gatewayStatus).toBe("succeeded");
    expect(snap.details["transaction_id"]).toBe("o_1-1");
    expect(snap.details["attempts"]).toBe(2);
  });

  it("uses the order status when there is no attempt", () => {
    expect(snapshotFromEnquiry(enquiry([], { status: "new" })).status).toBe("created");
    expect(snapshotFromEnquiry(enquiry([], { status: "lapsed" })).status).toBe("expired");
    expect(snapshotFromEnquiry(enquiry([], { status: "completed" })).status).toBe("pending");
  });

  it("compares the original amount when Nimbbl converted the currency", () => {
    const body = enquiry(["succeeded"], {
      total_amount: 1000,
      currency: "INR",
      currency_conversion: { original_currency: "USD", converted_currency: "INR", original_total_amount: 10 },
    });
    // The capture is in the converted currency (§4) and, as the amount compared is now the capture, matches the
    // converted total: the fixture's default 12.50 would be a capture for less than the order.
    Object.assign(body.transaction[0] ?? {}, { transaction_amount: 1000, transaction_currency: "INR" });
    const snap = snapshotFromEnquiry(body);
    expect(snap.amount).toEqual({ minor: 1000, currency: "USD" });
  });

  /** A refund entry as the enquiry reference shows one: no refund fields, its status in `payment_status` (§9). */
  const refundEntry = (id: string, status: string, amount: number, type = "partial_refund") => ({
    nimbbl_transaction_id: id,
    transaction_type: type,
    payment_status: status,
    transaction_amount: amount,
    transaction_currency: "INR",
    payment_mode: null,
    failure_reason: null,
    nimbbl_signature: null,
    signature_version: "v2",
  });

  it("lists documented refund entries (partial_refund, partial-refund) as refund hints known by their transaction id", () => {
    const body = enquiry(["succeeded"], { status: "completed" });
    body.transaction.push(refundEntry("o_1-R1", "pending", 5), refundEntry("o_1-R2", "failed", 2.5, "partial-refund"));
    const snap = snapshotFromEnquiry(body);
    expect(snap.status).toBe("succeeded");
    expect(snap.details["attempts"]).toBe(1);
    expect(snap.refunds).toEqual([
      {
        gatewayRefundId: null,
        gatewayRefundRef: "o_1-R1",
        status: "pending",
        gatewayStatus: "pending",
        amount: { minor: 500, currency: "INR" },
      },
      {
        gatewayRefundId: null,
        gatewayRefundRef: "o_1-R2",
        status: "failed",
        gatewayStatus: "failed",
        amount: { minor: 250, currency: "INR" },
      },
    ]);
  });

  it("reads a transaction sent as one object instead of a list", () => {
    const body = { ...enquiry(["succeeded"]), transaction: enquiry(["succeeded"]).transaction[0] };
    expect(snapshotFromEnquiry(body as NimbblEnquiryResponse).status).toBe("succeeded");
  });

  it("reads an entry's status from status when payment_status is absent (the .NET sample's fallback)", () => {
    const body = enquiry([]);
    body.transaction.push({ nimbbl_transaction_id: "o_1-0", transaction_type: "payment", status: "succeeded" });
    expect(snapshotFromEnquiry(body).status).toBe("succeeded");
  });

  it("marks an authorized payment as held, still pending", () => {
    const snap = snapshotFromEnquiry(enquiry(["authorized"]));
    expect(snap).toMatchObject({ status: "pending", gatewayStatus: "authorized", held: true });
    expect(snapshotFromEnquiry(enquiry(["pending"])).held).toBeUndefined();
  });

  it("keeps succeeded refund entries pending while order.refund_details.refunded_amount does not cover them", () => {
    const details = (refunded: number) => ({
      status: "completed",
      refund_details: { refundable_currency: "INR", total_refundable_amount: 12.5, refunded_amount: refunded },
    });
    const lagging = enquiry(["succeeded"], details(0));
    lagging.transaction.push(refundEntry("o_1-R1", "succeeded", 5));
    expect(snapshotFromEnquiry(lagging).refunds.map((r) => r.status)).toEqual(["pending"]);
    const agreed = enquiry(["succeeded"], details(5));
    agreed.transaction.push(refundEntry("o_1-R1", "succeeded", 5));
    expect(snapshotFromEnquiry(agreed).refunds.map((r) => r.status)).toEqual(["succeeded"]);
  });
});

describe("the amount compared is what the deciding attempt captured", () => {
  const snap = (txn: Record<string, unknown>, order: Record<string, unknown> = {}) =>
    snapshotFromEnquiry({
      transaction: [
        { nimbbl_transaction_id: "o_1-0", transaction_type: "payment", payment_status: "succeeded", ...txn },
      ],
      order: { invoice_id: "inv1", status: "completed", total_amount: 12.5, currency: "INR", ...order },
    } as NimbblEnquiryResponse);

  it("takes transaction_amount in transaction_currency, not the order total checkpost sent", () => {
    expect(snap({ transaction_amount: 10, transaction_currency: "INR" }).amount).toEqual({
      minor: 1000,
      currency: "INR",
    });
    expect(snap({ transaction_amount: 12.5, transaction_currency: "USD" }).amount).toEqual({
      minor: 1250,
      currency: "USD",
    });
  });

  it("takes Nimbbl's convenience fee and offer discount back out of the capture", () => {
    expect(snap({ transaction_amount: "14.50", additional_charges: 2 }).amount).toEqual({
      minor: 1250,
      currency: "INR",
    });
    expect(snap({ transaction_amount: "11.50", offer_discount: "1.00" }).amount).toEqual({
      minor: 1250,
      currency: "INR",
    });
  });

  it("marks an amount it cannot read exactly as unreadable, with no amount", () => {
    for (const txn of [
      { transaction_amount: 12.505 },
      { transaction_amount: "12.50.1" },
      { transaction_amount: 12.5, additional_charges: "0.001" },
      { transaction_amount: 12.5, transaction_currency: "XYZ" },
      { transaction_amount: 1, additional_charges: 2 },
    ]) {
      const s = snap(txn);
      expect(s.amount, JSON.stringify(txn)).toBeNull();
      expect(s.amountUnreadable, JSON.stringify(txn)).toBe(true);
    }
  });

  it("has no amount, and nothing unreadable, when the attempt states none", () => {
    const s = snap({});
    expect(s.amount).toBeNull();
    expect(s.amountUnreadable).toBeUndefined();
  });

  it("compares the capture itself when it does not match Nimbbl's converted total", () => {
    const conv = { original_currency: "USD", converted_currency: "INR", original_total_amount: 10 };
    const s = snap(
      { transaction_amount: 900, transaction_currency: "INR" },
      { total_amount: 1000, currency_conversion: conv },
    );
    expect(s.amount).toEqual({ minor: 90_000, currency: "INR" });
  });
});

describe("token expiry", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads expires_at as UTC without a zone suffix", () => {
    expect(tokenExpiry("2026-01-01T00:10:00.715413", now)).toBe(Date.parse("2026-01-01T00:10:00.715Z"));
  });

  it("never keeps a token longer than 20 minutes, and assumes 20 when expires_at is absent or unreadable", () => {
    const twenty = now + 20 * 60 * 1000;
    expect(tokenExpiry("2026-01-02T00:00:00", now)).toBe(twenty);
    expect(tokenExpiry(undefined, now)).toBe(twenty);
    expect(tokenExpiry("tomorrow", now)).toBe(twenty);
  });
});
