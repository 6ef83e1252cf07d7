/**
 * The v3 checkout-response signature on `GET /return/nimbbl` (nimbbl.md §1.1): amount formatting, every tampered
 * field, wrong secret, uppercase hex, `signature_version`, the unsigned top-level status, and the binding of the
 * signed `invoice_id` to the order named by the return URL. A refusal is a 401 with no gateway call.
 */
import { describe, expect, it } from "vitest";
import { api, expectProblem } from "../helpers";
import {
  browser,
  createOrder,
  countCalls,
  outcome,
  paymentJson,
  paymentSignature,
  redirectStatus,
  returnWith,
  type PaymentFields,
} from "./support";

async function paidOrder(amount = 1250, name = "success") {
  const created = await createOrder(amount);
  const txn = await outcome(created.orderId, name);
  return { ...created, txn };
}

async function expectRefused(res: Response, orderId: string) {
  await expectProblem(res, 401, "invalid_signature");
  expect(await countCalls("transaction-enquiry", orderId)).toBe(0);
}

/**
 * Settles an order of 12.50 at the gateway with `outcomeName`, signs its response with `fields` (applied before
 * signing) and `overrides` (after signing), and brings it back through the order's return URL.
 */
async function returnSigned(
  fields: Partial<PaymentFields> = {},
  overrides: Parameters<typeof paymentJson>[1] = {},
  outcomeName = "success",
  signature?: (f: PaymentFields) => Promise<string>,
): Promise<{ res: Response; orderId: string }> {
  const { orderId, callbackUrl, txn } = await paidOrder(1250, outcomeName);
  const f: PaymentFields = { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", ...fields };
  const json = await paymentJson(f, overrides, signature ? await signature(f) : undefined);
  return { res: await returnWith(callbackUrl, json), orderId };
}

async function expectRefusedReturn(...args: Parameters<typeof returnSigned>) {
  const { res, orderId } = await returnSigned(...args);
  await expectRefused(res, orderId);
}

describe("amount formatting (§1.1: always two decimals)", () => {
  it.each([
    ["12.5", 1250],
    ["12.50", 1250],
    ['"12.50"', 1250],
    ["100", 10000],
    ["100.0", 10000],
  ])("accepts transaction_amount written as %s, signed over the two-decimal form", async (literal, paise) => {
    const { orderId, callbackUrl, txn } = await paidOrder(paise);
    const amountSigned = paise === 1250 ? "12.50" : "100.00";
    const json = await paymentJson({ invoice: orderId, txn, amountJson: literal, amountSigned });
    expect(redirectStatus(await returnWith(callbackUrl, json))).toBe("succeeded");
  });

  it("refuses a signature computed over the unformatted amount (12.5 instead of 12.50)", async () => {
    await expectRefusedReturn({ amountJson: "12.5", amountSigned: "12.5" });
  });

  it("refuses an amount with more than two significant decimals rather than rounding or truncating it", async () => {
    await expectRefusedReturn({ amountJson: "12.505", amountSigned: "12.51" });
  });
});

describe("tampering with any signed field", () => {
  const cases: [string, (f: PaymentFields) => Record<string, unknown>][] = [
    ["amount", () => ({ transaction: { transaction_amount: 1.25 } })],
    ["transaction status", () => ({ transaction: { status: "failed" } })],
    ["currency", () => ({ transaction: { transaction_currency: "USD" } })],
    ["transaction type", () => ({ transaction: { transaction_type: "partial_refund" } })],
    [
      "transaction id",
      (f) => ({ transaction: { transaction_id: `${f.txn}9` }, top: { nimbbl_transaction_id: `${f.txn}9` } }),
    ],
  ];

  it.each(cases)("refuses a response whose %s was changed after signing", async (_name, change) => {
    const { orderId, callbackUrl, txn } = await paidOrder(1250);
    const fields = { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" };
    await expectRefused(await returnWith(callbackUrl, await paymentJson(fields, change(fields))), orderId);
  });

  it("refuses a response whose invoice id was changed after signing", async () => {
    const { orderId, txn } = await paidOrder(1250);
    const other = await createOrder(1250);
    const json = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" },
      { order: { invoice_id: other.orderId } },
    );
    await expectRefused(await returnWith(other.callbackUrl, json), other.orderId);
  });

  it("refuses a response signed with another secret", async () => {
    await expectRefusedReturn({ secret: "access_secret_SomeoneElse0001" });
  });

  it("refuses an uppercase-hex copy of a valid signature (exact comparison)", async () => {
    await expectRefusedReturn({}, {}, "success", async (f) => (await paymentSignature(f)).toUpperCase());
  });

  it("refuses a response without a signature", async () => {
    await expectRefusedReturn({}, { transaction: { signature: undefined } });
  });
});

describe("signature_version", () => {
  it("refuses a response without signature_version (checkpost requires v3)", async () => {
    await expectRefusedReturn({ version: null });
  });

  it.each(["v2", "v4", "V3", ""])("refuses signature_version %j even when the v3 MAC is right", async (version) => {
    const { orderId, callbackUrl, txn } = await paidOrder(1250);
    const json = await paymentJson({ invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", version });
    await expectRefused(await returnWith(callbackUrl, json), orderId);
  });
});

describe("what decides the outcome", () => {
  it("ignores the unsigned top-level status: a failed payment flipped to success is reported failed", async () => {
    const { res, orderId } = await returnSigned({ status: "failed", responseStatus: "success" }, {}, "failure");
    expect(redirectStatus(res)).toBe("failed");
    const events: any = await (await api(`/v1/orders/nimbbl/${orderId}/events`)).json();
    const notes = events.data.map((e: any) => e.detail.note).filter(Boolean);
    expect(notes).toContain("browser said failed");
  });

  it("reports the enquiry's answer when the signed response is older than the gateway's state", async () => {
    const { orderId, callbackUrl, txn } = await paidOrder(1250, "pending");
    const json = await paymentJson({
      invoice: orderId,
      txn,
      amountJson: "12.50",
      amountSigned: "12.50",
      status: "pending",
      responseStatus: "pending",
    });
    await outcome(orderId, "late_success");
    expect(redirectStatus(await returnWith(callbackUrl, json))).toBe("succeeded");
  });

  it("refuses a correctly signed refund transaction on the payment return route", async () => {
    await expectRefusedReturn({ type: "partial_refund" });
  });
});

describe("binding the response to the order", () => {
  it("refuses a valid response for one order delivered to another order's return URL", async () => {
    const paid = await paidOrder(1250);
    const other = await createOrder(1250);
    const json = await paymentJson({
      invoice: paid.orderId,
      txn: paid.txn,
      amountJson: "12.50",
      amountSigned: "12.50",
    });
    await expectRefused(await returnWith(other.callbackUrl, json), other.orderId);
    expect(await countCalls("transaction-enquiry", paid.orderId)).toBe(0);
  });

  it("refuses a return URL whose checkpost token is wrong", async () => {
    const { orderId, callbackUrl, txn } = await paidOrder(1250);
    const url = new URL(callbackUrl);
    url.searchParams.set("t", "AAAA");
    const json = await paymentJson({ invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" });
    await expectRefused(await returnWith(url.toString(), json), orderId);
  });

  it("refuses a top-level nimbbl_transaction_id that differs from the signed one", async () => {
    await expectRefusedReturn({}, { top: { nimbbl_transaction_id: "o_other-1" } });
  });

  it("accepts a signed response on the bare route, naming the order by its signed invoice id", async () => {
    const { orderId, txn } = await paidOrder(1250);
    const json = await paymentJson({ invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" });
    const res = await returnWith("https://checkpost.test/return/nimbbl", json);
    expect(redirectStatus(res)).toBe("succeeded");
    expect(new URL(res.headers.get("location") ?? "").searchParams.get("order_id")).toBe(orderId);
  });

  it("refuses a return without any response (401, no gateway call)", async () => {
    const { orderId, callbackUrl } = await paidOrder(1250);
    await expectRefused(await browser(new URL(callbackUrl).pathname + new URL(callbackUrl).search), orderId);
  });
});
