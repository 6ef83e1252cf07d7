import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { api, call, expectProblem, gatewayCalls } from "../helpers";
import { addFault, createOrder, newOrderId, returnToken, simJson } from "./support";

function statusCalls(orderId: string) {
  return gatewayCalls("phonepe", `/checkout/v2/order/${orderId}/status`);
}

async function returnLeg(orderId: string, t: string | null, extra = ""): Promise<Response> {
  const query = new URLSearchParams({ order_id: orderId });
  if (t !== null) query.set("t", t);
  return call(`/return/phonepe?${query.toString()}${extra}`, { redirect: "manual" });
}

function flipLast(token: string): string {
  return `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
}

/** The merchant redirect's query, as a plain object. */
function redirectParams(res: Response): Record<string, string> {
  const location = new URL(res.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(TEST_BINDINGS.MERCHANT_RETURN_URL);
  return Object.fromEntries(location.searchParams);
}

describe("GET /return/phonepe", () => {
  it("follows PhonePe's redirect to the redirectUrl checkpost gave, confirms with Order Status and redirects", async () => {
    const orderId = newOrderId();
    await createOrder(orderId, { amount: 25_000 });
    const { redirectUrl } = await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    const res = await call(redirectUrl, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(redirectParams(res)).toMatchObject({
      gateway: "phonepe",
      order_id: orderId,
      status: "succeeded",
      amount: "25000",
      currency: "INR",
    });
    const [status, ...more] = await statusCalls(orderId);
    expect(more).toHaveLength(0);
    expect(status?.method).toBe("GET");
    expect(status?.query).toBe("?details=false");
    expect(status?.headers["authorization"]).toMatch(/^O-Bearer /);
  });

  it("runs a whole payment through the simulated checkout page and back to the merchant", async () => {
    const orderId = newOrderId();
    const { body } = await createOrder(orderId, { amount: 49_900 });
    const page = await fetch(body.next_action.url);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain(orderId);
    const paid = await fetch(`${body.next_action.url}&outcome=COMPLETED`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    const back = paid.headers.get("location") ?? "";
    expect(back).toBe(
      `${TEST_BINDINGS.PUBLIC_BASE_URL}/return/phonepe?order_id=${orderId}&t=${await returnToken(orderId)}`,
    );
    const res = await call(back, { redirect: "manual" });
    expect(redirectParams(res)).toMatchObject({ order_id: orderId, status: "succeeded", amount: "49900" });
  });

  it("accepts a token minted under the second, rotated CHECKPOST_SECRET key", async () => {
    const orderId = newOrderId();
    await createOrder(orderId);
    const res = await returnLeg(orderId, await returnToken(orderId, 1));
    expect(res.status).toBe(303);
    expect(redirectParams(res)["status"]).toBe("pending");
  });

  it("shows the status PhonePe confirms, never one carried on the URL", async () => {
    const orderId = newOrderId();
    await createOrder(orderId);
    const res = await returnLeg(orderId, await returnToken(orderId), "&state=COMPLETED&code=PAYMENT_SUCCESS");
    expect(redirectParams(res)["status"]).toBe("pending");
  });

  it("records a confirmed failure with PhonePe's error codes and the latest attempt, never VPA or card data", async () => {
    const orderId = newOrderId();
    await createOrder(orderId);
    await simJson(`/orders/${orderId}/outcome`, {
      state: "FAILED",
      paymentMode: "UPI_COLLECT",
      errorCode: "PAYMENT_ERROR",
      detailedErrorCode: "ZA",
    });
    const res = await returnLeg(orderId, await returnToken(orderId));
    expect(redirectParams(res)["status"]).toBe("failed");
    const order = (await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any;
    const atSim = await simJson(`/orders/${orderId}`);
    expect(order.details).toEqual({
      error_code: "PAYMENT_ERROR",
      detailed_error_code: "ZA",
      payment_mode: "UPI_COLLECT",
      transaction_id: atSim.attempts[0].transactionId,
      attempt_state: "FAILED",
      attempt_error_code: "PAYMENT_ERROR",
      attempt_detailed_error_code: "ZA",
      expire_at: atSim.expireAt,
    });
    const text = JSON.stringify(order);
    for (const secret of ["customer@ybl", "XXXXXXXX1234", "412345678901", "SIMB0000001"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("flags the order requires_review when PhonePe reports another amount than was registered", async () => {
    const orderId = newOrderId();
    await createOrder(orderId, { amount: 10_000 });
    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED", reportedAmount: 100 });
    const res = await returnLeg(orderId, await returnToken(orderId));
    expect(redirectParams(res)["status"]).toBe("requires_review");
    const order = (await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any;
    expect(order).toMatchObject({ requires_review: true, review_reason: "amount_mismatch" });
    expect(order.status).not.toBe("succeeded");
  });

  it("answers 502 when Order Status fails, changes nothing and leaves the order to reconciliation", async () => {
    const orderId = newOrderId();
    await createOrder(orderId);
    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    // Twice: a status read is retried once after a 5xx.
    await addFault({ path: `/order/${orderId}/status`, fault: { kind: "html", status: 502 }, times: 2 });
    await expectProblem(await returnLeg(orderId, await returnToken(orderId)), 502, "gateway_unavailable");
    const order = (await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any;
    expect(order.status).toBe("created");
    const audit = (await (await api(`/v1/orders/phonepe/${orderId}/events`)).json()) as any;
    expect(audit.data.map((e: { kind: string }) => e.kind)).toContain("reconcile_requested");
  });

  describe("refuses with 401 invalid_signature and no gateway call", () => {
    it.each([
      ["without t", (_id: string): string | null | Promise<string> => null],
      ["with an empty t", () => ""],
      ["with a wrong t", () => "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
      ["with the t of another order", (id: string) => returnToken(`${id}x`)],
      ["with t of the right order but one character changed", async (id: string) => flipLast(await returnToken(id))],
    ])("a return %s", async (_name, token) => {
      const orderId = newOrderId();
      await createOrder(orderId);
      await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
      await expectProblem(await returnLeg(orderId, await token(orderId)), 401, "invalid_signature");
      expect(await statusCalls(orderId)).toHaveLength(0);
      const order = (await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any;
      expect(order.status).toBe("created");
    });

    it("a return without order_id", async () => {
      const before = (await gatewayCalls("phonepe", "/checkout/v2/order/")).length;
      await expectProblem(await call(`/return/phonepe?t=${await returnToken("x")}`), 401, "invalid_signature");
      expect((await gatewayCalls("phonepe", "/checkout/v2/order/")).length).toBe(before);
    });
  });
});
