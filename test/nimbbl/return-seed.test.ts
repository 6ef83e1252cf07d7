/**
 * Seed 003's response table, row by row, through `GET /return/nimbbl`: response status × transaction status × order
 * status. Each response is signed in the test (helpers.ts, WebCrypto from §1.1); the unified status in checkpost's
 * redirect is always the one the transaction enquiry established.
 */
import { describe, expect, it } from "vitest";
import {
  callbackPath,
  createOrder,
  countCalls,
  getOrder,
  outcome,
  paymentJson,
  redirectStatus,
  returnWith,
  b64,
  browser,
} from "./support";

interface Row {
  response: string;
  transaction: "succeeded" | "failed" | "pending";
  order: "completed" | "pending" | "lapsed";
  outcomes: string[];
  unified: string;
}

const SIGNED_ROWS: Row[] = [
  { response: "success", transaction: "succeeded", order: "completed", outcomes: ["success"], unified: "succeeded" },
  { response: "failed", transaction: "failed", order: "pending", outcomes: ["failure"], unified: "failed" },
  { response: "pending", transaction: "pending", order: "pending", outcomes: ["pending"], unified: "pending" },
  { response: "failed", transaction: "failed", order: "lapsed", outcomes: ["failure", "lapse"], unified: "failed" },
  { response: "pending", transaction: "pending", order: "lapsed", outcomes: ["pending", "lapse"], unified: "pending" },
];

describe("seed 003 response table through the return route", () => {
  it.each(SIGNED_ROWS)(
    "row $response / $transaction / $order: a valid v3 response leads to $unified, confirmed by enquiry",
    async (row) => {
      const { orderId, callbackUrl } = await createOrder(1250);
      let txn = "";
      for (const name of row.outcomes) txn = (await outcome(orderId, name)) || txn;
      const json = await paymentJson({
        invoice: orderId,
        txn,
        amountJson: "12.50",
        amountSigned: "12.50",
        status: row.transaction,
        responseStatus: row.response,
        orderStatus: row.order,
      });
      const res = await returnWith(callbackUrl, json);
      expect(redirectStatus(res)).toBe(row.unified);
      expect(await countCalls("transaction-enquiry", orderId)).toBe(1);
      const order = await getOrder(orderId);
      expect(order.status).toBe(row.unified);
      expect(order.details.order_status).toBe(row.order);
      expect(order.gateway_status).toBe(row.transaction);
    },
  );

  it("row failed / null / new: a cancelled checkout carries no signature, so checkpost's token ties it to the order", async () => {
    const { orderId, callbackUrl } = await createOrder(1250);
    const cancelled = JSON.stringify({
      event_type: "globalCloseCheckoutModal",
      payload: {
        status: "failed",
        message: "User cancelled",
        transaction: null,
        order: { invoice_id: orderId, status: "new" },
      },
    });
    const res = await returnWith(callbackUrl, cancelled);
    expect(redirectStatus(res)).toBe("created");
    expect(await countCalls("transaction-enquiry", orderId)).toBe(1);
    const order = await getOrder(orderId);
    expect(order.gateway_status).toBe("order:new");
  });

  it("refuses a cancelled checkout without checkpost's token (401, no gateway call)", async () => {
    const { orderId } = await createOrder(1250);
    const cancelled = JSON.stringify({
      status: "failed",
      transaction: null,
      order: { invoice_id: orderId, status: "new" },
    });
    const res = await browser(`/return/nimbbl?order_id=${orderId}&response=${encodeURIComponent(b64(cancelled))}`);
    expect(res.status).toBe(401);
    expect(await countCalls("transaction-enquiry", orderId)).toBe(0);
  });

  it("refuses a cancelled checkout whose token belongs to another order", async () => {
    const first = await createOrder(1250);
    const second = await createOrder(1250);
    const t = new URL(first.callbackUrl).searchParams.get("t") ?? "";
    const cancelled = JSON.stringify({ status: "failed", transaction: null, order: { invoice_id: second.orderId } });
    const res = await browser(
      `/return/nimbbl?order_id=${second.orderId}&t=${encodeURIComponent(t)}&response=${encodeURIComponent(b64(cancelled))}`,
    );
    expect(res.status).toBe(401);
    expect(await countCalls("transaction-enquiry", second.orderId)).toBe(0);
  });

  it("refuses a cancelled checkout that names another invoice than the token's order", async () => {
    const { orderId, callbackUrl } = await createOrder(1250);
    const cancelled = JSON.stringify({ status: "failed", transaction: null, order: { invoice_id: `${orderId}x` } });
    const res = await returnWith(callbackUrl, cancelled);
    expect(res.status).toBe(401);
    expect(await countCalls("transaction-enquiry", orderId)).toBe(0);
    expect(callbackPath(callbackUrl)).toContain(orderId);
  });
});
