/**
 * How the checkout response reaches `/return/nimbbl` (nimbbl.md §1.3): base64 JSON in the `response` query parameter,
 * a JSON body, a form body, the checkout SDK's envelope, v4 and encrypted callbacks; and the amount check against the
 * ORDER total, not the fee-inclusive transaction amount.
 */
import { describe, expect, it } from "vitest";
import { api, expectProblem, sim, uniqueOrderId } from "../helpers";
import {
  ACCESS_KEY,
  b64,
  browser,
  callbackPath,
  createOrder,
  encrypt,
  countCalls,
  getOrder,
  hmac,
  outcome,
  paymentJson,
  redirectStatus,
  returnWith,
  SECRET,
} from "./support";

async function signedFor(amount = 1250) {
  const created = await createOrder(amount);
  const txn = await outcome(created.orderId, "success");
  const json = await paymentJson({ invoice: created.orderId, txn, amountJson: "12.50", amountSigned: "12.50" });
  return { ...created, txn, json };
}

async function simResponse(orderId: string, extra: Record<string, unknown> = {}) {
  const res = await sim(`/__control/nimbbl/orders/${orderId}/checkout-response`, { method: "POST", json: extra });
  expect(res.status).toBe(200);
  return (await res.json()) as { json: string; base64: string; redirect_url: string };
}

describe("transports", () => {
  it("accepts the checkout response as a JSON body (POST callback)", async () => {
    const { callbackUrl, json } = await signedFor();
    const res = await browser(callbackPath(callbackUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json,
    });
    expect(redirectStatus(res)).toBe("succeeded");
  });

  it("accepts a form body whose response field is base64 JSON", async () => {
    const { callbackUrl, json } = await signedFor();
    const res = await browser(callbackPath(callbackUrl), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ response: b64(json) }).toString(),
    });
    expect(redirectStatus(res)).toBe("succeeded");
  });

  it("unwraps the checkout SDK envelope (globalHandleCheckoutResponse) in a JSON body", async () => {
    const { callbackUrl, json } = await signedFor();
    const body = `{"event_type":"globalHandleCheckoutResponse","payload":${json}}`;
    const res = await browser(callbackPath(callbackUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(redirectStatus(res)).toBe("succeeded");
  });

  it("reads base64 whose '+' arrived unescaped (as a space) and URL-safe base64", async () => {
    const { callbackUrl, orderId, txn } = await signedFor();
    let json = "";
    for (let pad = 0; !b64(json).includes("+"); pad++) {
      json = await paymentJson(
        { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" },
        { top: { message: "~".repeat(pad) + "?>" } },
      );
    }
    const raw = `${callbackPath(callbackUrl)}&response=${b64(json)}`;
    expect(redirectStatus(await browser(raw))).toBe("succeeded");
    const urlSafe = b64(json).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(redirectStatus(await browser(`${callbackPath(callbackUrl)}&response=${urlSafe}`))).toBe("succeeded");
  });

  it("accepts the response the simulated gateway signed on its own, via its redirect URL", async () => {
    const { orderId } = await signedFor();
    const { redirect_url } = await simResponse(orderId, { envelope: "globalHandleCheckoutResponse" });
    const url = new URL(redirect_url);
    expect(redirectStatus(await browser(url.pathname + url.search))).toBe("succeeded");
  });

  it("accepts a v4 callback signed over the exact payload bytes", async () => {
    const { orderId, callbackUrl } = await signedFor();
    const { json } = await simResponse(orderId, { format: "v4" });
    expect(JSON.parse(json).version).toBe("v4");
    expect(redirectStatus(await returnWith(callbackUrl, json))).toBe("succeeded");
  });

  it("refuses a v4 callback whose payload was re-serialised (same JSON value, other bytes)", async () => {
    const { orderId, callbackUrl } = await signedFor();
    const envelope = JSON.parse((await simResponse(orderId, { format: "v4" })).json);
    const inner = JSON.parse(atob(envelope.payload));
    const reserialised = { ...envelope, payload: b64(JSON.stringify(inner, null, 1)) };
    await expectProblem(await returnWith(callbackUrl, JSON.stringify(reserialised)), 401, "invalid_signature");
    expect(await countCalls("transaction-enquiry", orderId)).toBe(0);
  });

  it("accepts an encrypted callback and refuses one encrypted under another key", async () => {
    const { orderId, callbackUrl, json } = await signedFor();
    const good = JSON.stringify({ encrypted_response: await encrypt(SECRET, json) });
    expect(redirectStatus(await returnWith(callbackUrl, good))).toBe("succeeded");
    const bad = JSON.stringify({ encrypted_response: await encrypt("access_secret_NotTheRightOne", json) });
    await expectProblem(await returnWith(callbackUrl, bad), 401, "invalid_signature");
    expect(await countCalls("transaction-enquiry", orderId)).toBe(1);
  });

  it("answers an undecodable response parameter with 400 malformed_body and no gateway call", async () => {
    const { orderId, callbackUrl } = await signedFor();
    await expectProblem(await browser(`${callbackPath(callbackUrl)}&response=%25%25not-base64`), 400, "malformed_body");
    await expectProblem(await browser(`${callbackPath(callbackUrl)}&response=${b64("[1,2]")}`), 400, "malformed_body");
    expect(await countCalls("transaction-enquiry", orderId)).toBe(0);
  });

  it("answers a POST body in another media type with 415", async () => {
    const { callbackUrl, json } = await signedFor();
    const res = await browser(callbackPath(callbackUrl), {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: json,
    });
    await expectProblem(res, 415, "unsupported_media_type");
  });
});

describe("the amount check compares the order total", () => {
  it("settles an order whose transaction amount includes a convenience fee", async () => {
    const { orderId, callbackUrl } = await createOrder(1250);
    const txn = await outcome(orderId, "success", { additional_charges: 2 });
    const json = await paymentJson({ invoice: orderId, txn, amountJson: "14.50", amountSigned: "14.50" });
    expect(redirectStatus(await returnWith(callbackUrl, json))).toBe("succeeded");
    const order = await getOrder(orderId);
    expect(order.requires_review).toBe(false);
    expect(order.details.transaction_amount).toBe("14.50");
    expect(order.details.additional_charges).toBe("2.00");
  });

  it("flags an order whose gateway total differs from the registered amount for review, never succeeded", async () => {
    const orderId = uniqueOrderId("nbr");
    const registered = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "nimbbl", order_id: orderId, amount: 1250, currency: "INR", register_only: true },
    });
    expect(registered.status).toBe(201);
    const atGateway = await sim("/__control/nimbbl/orders", {
      method: "POST",
      json: { invoice_id: orderId, total_amount: 13, currency: "INR", access_key: ACCESS_KEY },
    });
    expect(atGateway.status).toBe(200);
    const txn = await outcome(orderId, "success");
    const signature = await hmac(SECRET, `${orderId}|${txn}|13.00|INR|succeeded|payment`);
    const json = await paymentJson(
      { invoice: orderId, txn, amountJson: "13.00", amountSigned: "13.00" },
      {},
      signature,
    );
    expect(redirectStatus(await returnWith("https://checkpost.test/return/nimbbl", json))).toBe("requires_review");
    const order = await getOrder(orderId);
    expect(order.status).not.toBe("succeeded");
    expect(order.review_reason).toBe("amount_mismatch");
  });
});
