import { describe, expect, it } from "vitest";
import { api, expectProblem, gatewayCalls } from "../helpers";
import { addFault, createOrder, freshGateway, newOrderId, simJson, simOrder, testIO } from "./support";

const { gateway } = freshGateway({ timeoutMs: 300 });

function statusCalls(orderId: string) {
  return gatewayCalls("phonepe", `/checkout/v2/order/${orderId}/status`);
}

async function statusReason(orderId: string): Promise<string | null> {
  const result = await gateway.fetchStatus(orderId, testIO());
  return result.ok ? null : result.error.reason;
}

/** A 200 whose JSON body is `body`, for the order's next status call. */
async function replyWith(orderId: string, body: unknown) {
  await addFault({
    path: `/order/${orderId}/status`,
    fault: { kind: "status", status: 200, body: JSON.stringify(body) },
  });
}

describe("PhonePe Order Status", () => {
  it.each([
    ["PENDING", {}, "pending"],
    ["COMPLETED", { state: "COMPLETED" }, "succeeded"],
    ["FAILED", { state: "FAILED" }, "failed"],
    ["EXPIRED", { state: "EXPIRED" }, "expired"],
  ])("maps %s to %s, with the amount in paise", async (state, outcome, unified) => {
    const orderId = newOrderId();
    const created = await simOrder(orderId, 12_345, outcome);
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok && result.value).toMatchObject({
      orderId,
      gatewayStatus: state,
      status: unified,
      amount: { minor: 12_345, currency: "INR" },
      gatewayOrderRef: created.orderId,
      refunds: [],
    });
  });

  it("an order PhonePe reports EXPIRED is expired in checkpost, and a later confirmed COMPLETED still applies", async () => {
    const orderId = newOrderId("EX");
    expect((await createOrder(orderId)).res.status).toBe(201);
    await simJson(`/orders/${orderId}/outcome`, { state: "EXPIRED" });
    const expired = await (await api(`/v1/orders/phonepe/${orderId}?refresh=true`)).json();
    expect(expired).toMatchObject({ status: "expired", gateway_status: "EXPIRED" });
    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    const late = await (await api(`/v1/orders/phonepe/${orderId}?refresh=true`)).json();
    expect(late).toMatchObject({ status: "succeeded" });
  });

  it("maps a state PhonePe has not documented to pending", async () => {
    const orderId = newOrderId();
    await replyWith(orderId, { orderId: "OMO1", state: "SETTLING", amount: 100 });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok && [result.value.gatewayStatus, result.value.status]).toEqual(["SETTLING", "pending"]);
  });

  it("surfaces the latest attempt of several (details=true shape), by timestamp", async () => {
    const orderId = newOrderId();
    await replyWith(orderId, {
      orderId: "OMO1",
      state: "COMPLETED",
      amount: 100,
      paymentDetails: [
        { transactionId: "OM2", paymentMode: "CARD", timestamp: 2000, state: "COMPLETED" },
        { transactionId: "OM1", paymentMode: "UPI_QR", timestamp: 1000, state: "FAILED", errorCode: "X" },
      ],
    });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok && result.value.details).toMatchObject({
      payment_mode: "CARD",
      transaction_id: "OM2",
      attempt_state: "COMPLETED",
      attempt_error_code: null,
      error_code: null,
    });
  });

  it("reports the order PhonePe names, so an answer about another order is caught", async () => {
    const orderId = newOrderId();
    await replyWith(orderId, { merchantOrderId: "SOMEONE_ELSE", orderId: "OMO1", state: "COMPLETED", amount: 100 });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok && result.value.orderId).toBe("SOMEONE_ELSE");
  });

  it.each([["MO/with space?&#"], ["../x"], ["a".repeat(64)], [""], ["MO%2Fx"]])(
    "refuses the unsafe order id %j without calling PhonePe",
    async (orderId) => {
      const before = (await gatewayCalls("phonepe", "/checkout/v2/order/")).length;
      expect(await statusReason(orderId)).toBe("validation_failed");
      expect((await gatewayCalls("phonepe", "/checkout/v2/order/")).length).toBe(before);
    },
  );

  it("asks for ?details=false once, as a GET without a body", async () => {
    const orderId = newOrderId();
    await simOrder(orderId, 100);
    await gateway.fetchStatus(orderId, testIO());
    const [call] = await statusCalls(orderId);
    expect([call?.method, call?.query, call?.body, call?.headers["content-type"]]).toEqual([
      "GET",
      "?details=false",
      "",
      undefined,
    ]);
  });
});

describe("PhonePe error mapping", () => {
  it.each([
    ["a 429", { kind: "status", status: 429, body: '{"errorCode":"TOO_MANY_REQUESTS"}' }, "gateway_unavailable"],
    ["a 500", { kind: "status", status: 500 }, "gateway_unavailable"],
    ["a 503 HTML error page", { kind: "html", status: 503 }, "gateway_unavailable"],
    [
      "a 200 HTML page",
      { kind: "status", status: 200, body: "<html>hi</html>", contentType: "text/html" },
      "gateway_bad_response",
    ],
    ["a 200 with malformed JSON", { kind: "malformed_json" }, "gateway_bad_response"],
    [
      "a 200 JSON body without state",
      { kind: "status", status: 200, body: '{"orderId":"OMO1"}' },
      "gateway_bad_response",
    ],
    ["a 200 JSON body with the wrong content type", { kind: "wrong_content_type" }, "gateway_bad_response"],
    ["a truncated body", { kind: "truncated" }, "gateway_bad_response"],
    ["a 400", { kind: "status", status: 400, body: '{"code":"BAD_REQUEST"}' }, "gateway_rejected"],
    ["a 404", { kind: "status", status: 404, body: '{"errorCode":"ORDER_NOT_FOUND"}' }, "gateway_not_found"],
    ["a timeout", { kind: "timeout", ms: 2000 }, "gateway_timeout"],
    ["a connection reset", { kind: "reset" }, "gateway_unavailable"],
  ])("turns %s into %s", async (_name, fault, reason) => {
    const orderId = newOrderId();
    await simOrder(orderId, 100);
    // A status read is retried once after a network failure or a 5xx (src/gateways/http.ts), so those faults twice.
    const retried = reason === "gateway_unavailable" && !("status" in fault && fault.status === 429);
    await addFault({ path: `/order/${orderId}/status`, fault, times: retried ? 2 : 1 });
    expect(await statusReason(orderId)).toBe(reason);
    expect(await statusCalls(orderId)).toHaveLength(retried ? 2 : 1);
  });

  it("reads a 200 JSON body with a fractional amount as an unreadable amount (review), never a settled one", async () => {
    // Was `gateway_bad_response`: product.md §3 wants an amount checkpost cannot read exactly to put the order under
    // review (`amount_unreadable`) rather than leave it unanswered and polled until the window ends.
    const orderId = newOrderId();
    await simOrder(orderId, 100);
    await addFault({
      path: `/order/${orderId}/status`,
      fault: { kind: "status", status: 200, body: '{"state":"COMPLETED","amount":1.5}' },
    });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok && result.value).toMatchObject({ status: "succeeded", amount: null, amountUnreadable: true });
  });

  it("reads PhonePe's error code from errorCode, falling back to code, into the problem detail", async () => {
    const orderId = newOrderId();
    await addFault({
      path: `/order/${orderId}/status`,
      fault: { kind: "status", status: 400, body: '{"code":"V1_CODE","errorCode":"PR000"}' },
    });
    const both = await gateway.fetchStatus(orderId, testIO());
    expect(!both.ok && both.error.detail).toBe("gateway error code PR000");
    await addFault({
      path: `/order/${orderId}/status`,
      fault: { kind: "status", status: 400, body: '{"code":"V1_CODE"}' },
    });
    const fallback = await gateway.fetchStatus(orderId, testIO());
    expect(!fallback.ok && fallback.error.detail).toBe("gateway error code V1_CODE");
  });

  it("answers GET /v1/orders/phonepe/:id?refresh=true with 502 on a gateway HTML page and keeps the order", async () => {
    const orderId = newOrderId();
    await createOrder(orderId);
    await addFault({ path: `/order/${orderId}/status`, fault: { kind: "html", status: 502 }, times: 2 });
    await expectProblem(await api(`/v1/orders/phonepe/${orderId}?refresh=true`), 502, "gateway_unavailable");
    expect(((await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any).status).toBe("created");
  });

  it("answers GET ?refresh=true for an order neither checkpost nor PhonePe knows with 404 order_not_found", async () => {
    await expectProblem(await api(`/v1/orders/phonepe/${newOrderId()}?refresh=true`), 404, "order_not_found");
  });
});
