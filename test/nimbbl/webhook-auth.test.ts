/**
 * Authentication of `POST /webhooks/nimbbl` (nimbbl.md §2): encrypted → v4 envelope → legacy per-field, with the
 * payment and refund formulas. Bodies come from the simulator (signed on its own) or are signed here with WebCrypto.
 * A refusal is a 401 and stores nothing.
 */
import { describe, expect, it } from "vitest";
import { api, expectProblem } from "../helpers";
import { b64, createOrder, encrypt, hmac, outcome, paymentJson, postWebhook, SECRET, simWebhooks } from "./support";

async function paid() {
  const { orderId } = await createOrder(1250);
  const txn = await outcome(orderId, "success");
  return { orderId, txn };
}

async function webhookEntries(orderId: string): Promise<any[]> {
  const events: any = await (await api(`/v1/orders/nimbbl/${orderId}/events`)).json();
  return events.data.filter((e: any) => e.source === "webhook");
}

async function expectRefused(res: Response, orderId: string) {
  await expectProblem(res, 401, "invalid_signature");
  expect(await webhookEntries(orderId)).toEqual([]);
}

/** A refund webhook signed as §2 says: `invoice|refund txn|amount2dp|refundable_currency|refund_status|type`. */
async function refundJson(
  invoice: string,
  f: { amountJson?: string; amountSigned?: string; status?: string; type?: string; eventType?: string } = {},
  after: Record<string, unknown> = {},
): Promise<string> {
  const refundTxn = `${invoice}-R1`;
  const status = f.status ?? "succeeded";
  const type = f.type ?? "partial_refund";
  const signature = await hmac(SECRET, [invoice, refundTxn, f.amountSigned ?? "5.00", "INR", status, type].join("|"));
  const obj = {
    event_type: f.eventType ?? "refund_success",
    nimbbl_transaction_id: refundTxn,
    transaction: {
      transaction_id: refundTxn,
      refund_status: status,
      refund_amount: "__AMOUNT__",
      transaction_type: type,
      transaction_currency: "INR",
      refund_request_id: "rf_1",
      signature,
      signature_version: "v3",
      ...after,
    },
    order: { invoice_id: invoice, status: "completed", refund_details: { refundable_currency: "INR" } },
  };
  return JSON.stringify(obj).replace('"__AMOUNT__"', f.amountJson ?? "5");
}

describe("legacy per-field webhooks", () => {
  it("records a payment_success signed by the simulated gateway", async () => {
    const { orderId } = await paid();
    const [body] = await simWebhooks(orderId);
    const res = await postWebhook(body ?? "");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, recorded: true, duplicate: false });
    expect((await webhookEntries(orderId))[0]?.gateway_status).toBe("succeeded");
  });

  it("records a payment webhook signed here from the documented formula", async () => {
    const { orderId, txn } = await paid();
    const json = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.5", amountSigned: "12.50" },
      { top: { event_type: "payment_success" } },
    );
    expect((await postWebhook(json)).status).toBe(200);
  });

  it("accepts a webhook without signature_version as v3 (SDK 4.x), and refuses a foreign one", async () => {
    const { orderId, txn } = await paid();
    const top = { top: { event_type: "payment_success" } };
    const missing = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", version: null },
      top,
    );
    expect((await postWebhook(missing)).status).toBe(200);
    const foreign = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", version: "v2" },
      top,
    );
    await expectProblem(await postWebhook(foreign), 401, "invalid_signature");
  });

  it("refuses a payment webhook whose signed status was changed", async () => {
    const { orderId, txn } = await paid();
    const json = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", status: "failed" },
      { top: { event_type: "payment_success" }, transaction: { status: "succeeded" } },
    );
    await expectRefused(await postWebhook(json), orderId);
  });

  it("refuses a payment webhook signed with another secret", async () => {
    const { orderId, txn } = await paid();
    const json = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", secret: "access_secret_Other00000001" },
      { top: { event_type: "payment_success" } },
    );
    await expectRefused(await postWebhook(json), orderId);
  });

  it("verifies a refund webhook with the refund formula (refund_amount, refundable_currency, refund_status)", async () => {
    const { orderId } = await paid();
    const res = await postWebhook(await refundJson(orderId, { amountJson: "5", amountSigned: "5.00" }));
    expect(res.status).toBe(200);
    const [entry] = await webhookEntries(orderId);
    expect(entry.kind).toBe("refund_event");
    expect(entry.detail).toMatchObject({ event: "refund_success", refund_id: "rf_1", refund_status: "succeeded" });
  });

  it("refuses a refund webhook whose refund_amount was changed", async () => {
    const { orderId } = await paid();
    await expectRefused(await postWebhook(await refundJson(orderId, {}, { refund_amount: 12.5 })), orderId);
  });

  it("refuses a signed payment relabelled as a refund event (the signed type is payment)", async () => {
    const { orderId, txn } = await paid();
    const json = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" },
      { top: { event_type: "refund_success" } },
    );
    await expectRefused(await postWebhook(json), orderId);
  });

  it("refuses a legacy webhook without event_type, which names no formula", async () => {
    const { orderId, txn } = await paid();
    const json = await paymentJson({ invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" });
    await expectRefused(await postWebhook(json), orderId);
  });

  it("answers a body that is not JSON with 400 and stores nothing", async () => {
    await expectProblem(await postWebhook("{not json"), 400, "malformed_body");
  });

  it("acknowledges a verified payment-link event without storing anything", async () => {
    const link = {
      invoice_id: "inv_link_1",
      status: "paid",
      currency: "INR",
      amount_paid: 100,
      payment_link_hash: "h1",
    };
    const signature = await hmac(SECRET, "inv_link_1|paid|INR|100.00|h1");
    const res = await postWebhook(JSON.stringify({ event_type: "payment_link_paid", payment_link: link, signature }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, recorded: false });
    const forged = { event_type: "payment_link_paid", payment_link: { ...link, amount_paid: 1 }, signature };
    await expectProblem(await postWebhook(JSON.stringify(forged)), 401, "invalid_signature");
  });
});

describe("v4 envelope", () => {
  it("records a v4 webhook signed over the exact decoded payload bytes", async () => {
    const { orderId } = await paid();
    const [body] = await simWebhooks(orderId, "v4");
    expect(JSON.parse(body ?? "").version).toBe("v4");
    expect((await postWebhook(body ?? "")).status).toBe(200);
  });

  it("records a v4 webhook whose inner event carries no per-field signature", async () => {
    const { orderId } = await paid();
    const [body] = await simWebhooks(orderId, "v4", false);
    expect(JSON.parse(atob(JSON.parse(body ?? "").payload)).transaction.signature).toBeUndefined();
    expect((await postWebhook(body ?? "")).status).toBe(200);
  });

  it("refuses a v4 webhook whose payload was re-serialised", async () => {
    const { orderId } = await paid();
    const envelope = JSON.parse((await simWebhooks(orderId, "v4"))[0] ?? "");
    const pretty = JSON.stringify(JSON.parse(atob(envelope.payload)), null, 2);
    await expectRefused(await postWebhook(JSON.stringify({ ...envelope, payload: b64(pretty) })), orderId);
  });

  it("refuses a v4 webhook whose envelope is valid but whose inner per-field signature is not", async () => {
    const { orderId, txn } = await paid();
    const inner = await paymentJson(
      { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", status: "failed" },
      { top: { event_type: "payment_success" }, transaction: { status: "succeeded" } },
    );
    const envelope = { version: "v4", payload: b64(inner), signature: await hmac(SECRET, inner) };
    await expectRefused(await postWebhook(JSON.stringify(envelope)), orderId);
  });

  it("refuses a v4 webhook with a wrong or uppercase envelope signature", async () => {
    const { orderId } = await paid();
    const envelope = JSON.parse((await simWebhooks(orderId, "v4"))[0] ?? "");
    await expectRefused(await postWebhook(JSON.stringify({ ...envelope, signature: "00".repeat(32) })), orderId);
    const upper = { ...envelope, signature: String(envelope.signature).toUpperCase() };
    await expectRefused(await postWebhook(JSON.stringify(upper)), orderId);
  });
});

describe("encrypted webhooks", () => {
  it("records an encrypted webhook (AES-256-GCM, 16-byte nonce) from the simulated gateway", async () => {
    const { orderId } = await paid();
    const [body] = await simWebhooks(orderId, "encrypted");
    expect(JSON.parse(body ?? "").encrypted_response).toMatch(/^[0-9a-f]+$/);
    expect((await postWebhook(body ?? "")).status).toBe(200);
  });

  it("refuses a webhook encrypted under another key", async () => {
    const { orderId } = await paid();
    const [legacy] = await simWebhooks(orderId);
    const body = JSON.stringify({ encrypted_response: await encrypt("access_secret_WrongKey000001", legacy ?? "") });
    await expectRefused(await postWebhook(body), orderId);
  });

  it.each([
    ["tag", (hex: string) => hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0")],
    ["ciphertext", (hex: string) => hex.slice(0, 40) + (hex[40] === "0" ? "1" : "0") + hex.slice(41)],
    ["nonce", (hex: string) => (hex.startsWith("0") ? "1" : "0") + hex.slice(1)],
  ])("refuses an encrypted webhook whose %s was altered", async (_part, alter) => {
    const { orderId } = await paid();
    const body = JSON.parse((await simWebhooks(orderId, "encrypted"))[0] ?? "");
    await expectRefused(
      await postWebhook(JSON.stringify({ encrypted_response: alter(body.encrypted_response) })),
      orderId,
    );
  });
});
