/**
 * Orders at Juspay through checkpost: `POST /v1/orders` (session API, juspay.md §5), Update Order and the seeds'
 * `POST /handleJuspayResponse` (seed 000).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, call, callWithEnv, expectProblem, gatewayCalls, sim } from "../helpers";
import { openApiDoc } from "../helpers";
import {
  auditOf,
  configureJuspaySim,
  followReturn,
  getOrder,
  J,
  newOrderId,
  registerOrder,
  simOrder,
  simRedirect,
  simSet,
} from "./support";

beforeAll(configureJuspaySim);

function createOrder(json: Record<string, unknown>): Promise<Response> {
  return api("/v1/orders", { method: "POST", json: { gateway: "juspay", currency: "INR", ...json } });
}

async function simRaw(orderId: string): Promise<any> {
  return (await sim(`/__control/juspay/orders/${orderId}`)).json();
}

describe("POST /v1/orders through the session API", () => {
  it("creates a session and answers with a redirect to Juspay's payment page", async () => {
    const id = newOrderId("ses");
    const res = await createOrder({
      order_id: id,
      amount: 123450,
      customer: { id: "cust_77", email: "buyer@example.com", phone: "9999999999", name: "Asha Rani Rao" },
      description: "Two books",
      metadata: { udf1: "cart-9", internal: "not sent" },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body.next_action).toEqual({ type: "redirect", url: `http://sim.test/juspay/pay/${id}` });
    expect(body.order).toMatchObject({ order_id: id, status: "created", amount: 123450, gateway_status: "NEW" });

    const sent = (await gatewayCalls("juspay", "/session")).find((c) => JSON.parse(c.body).order_id === id);
    expect(JSON.parse(sent!.body)).toEqual({
      order_id: id,
      amount: "1234.50",
      currency: "INR",
      payment_page_client_id: J.JUSPAY_PAYMENT_PAGE_CLIENT_ID,
      action: "paymentPage",
      return_url: `${J.PUBLIC_BASE_URL}/return/juspay`,
      customer_id: "cust_77",
      customer_email: "buyer@example.com",
      customer_phone: "9999999999",
      first_name: "Asha",
      last_name: "Rani Rao",
      description: "Two books",
      udf1: "cart-9",
    });
    expect(sent!.headers).toMatchObject({
      "content-type": "application/json",
      "x-routing-id": "cust_77",
      "x-merchantid": J.JUSPAY_MERCHANT_ID,
      version: J.JUSPAY_API_VERSION,
      authorization: `Basic ${btoa(`${J.JUSPAY_API_KEY}:`)}`,
    });
  });

  it("answers with the SDK payload when sdk is true", async () => {
    const id = newOrderId("ses");
    const res = await createOrder({ order_id: id, amount: 100, sdk: true });
    const body = (await res.json()) as any;
    expect(body.next_action.type).toBe("sdk");
    expect(body.next_action.payload).toMatchObject({
      service: "in.juspay.hyperpay",
      payload: { orderId: id, amount: "1.00", clientAuthToken: expect.any(String) },
    });
  });

  it("routes a guest's session by the order id and sends no customer_id", async () => {
    const id = newOrderId("ses");
    expect((await createOrder({ order_id: id, amount: 100 })).status).toBe(201);
    const sent = (await gatewayCalls("juspay", "/session")).find((c) => JSON.parse(c.body).order_id === id);
    expect(sent?.headers["x-routing-id"]).toBe(id);
    expect(JSON.parse(sent!.body)).not.toHaveProperty("customer_id");
  });

  it("answers a repeated create from the stored result without a second session", async () => {
    const id = newOrderId("ses");
    const first = (await (await createOrder({ order_id: id, amount: 100 })).json()) as any;
    const again = await createOrder({ order_id: id, amount: 100 });
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).next_action).toEqual(first.next_action);
    expect((await gatewayCalls("juspay", "/session")).filter((c) => JSON.parse(c.body).order_id === id)).toHaveLength(
      1,
    );
  });

  it("runs a whole payment: session, payment at Juspay, signed return, succeeded", async () => {
    const id = newOrderId("ses");
    await createOrder({ order_id: id, amount: 5000 });
    await simSet(id, { status: "CHARGED" });
    const res = await followReturn(await simRedirect(id));
    expect(new URL(res.headers.get("location")!).searchParams.get("status")).toBe("succeeded");
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", amount: 5000, amount_verified: true });
  });

  it("answers 422 gateway_rejected when Juspay refuses the session", async () => {
    const id = newOrderId("ses");
    await sim("/__control/faults", {
      method: "POST",
      json: {
        gateway: "juspay",
        path: "/session",
        fault: {
          kind: "status",
          status: 400,
          body: '{"status":"invalid_request_error","error_code":"invalid_request"}',
        },
      },
    });
    await expectProblem(await createOrder({ order_id: id, amount: 100 }), 422, "gateway_rejected");
  });

  it("answers 404 gateway_not_configured without JUSPAY_PAYMENT_PAGE_CLIENT_ID", async () => {
    const res = await callWithEnv({ JUSPAY_PAYMENT_PAGE_CLIENT_ID: "" }, "/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: newOrderId("ses"), amount: 100, currency: "INR" },
    });
    await expectProblem(res, 404, "gateway_not_configured");
  });
});

describe("POST /v1/orders/juspay/:order_id/update", () => {
  const update = (id: string, json: unknown) => api(`/v1/orders/juspay/${id}/update`, { method: "POST", json });

  it("changes the amount at Juspay and the registered amount, so the new amount settles the order", async () => {
    const id = newOrderId("upd");
    await createOrder({ order_id: id, amount: 10000 });
    const res = await update(id, { amount: 250000, udf2: "gift wrap" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ order_id: id, amount: 250000, status: "created" });
    const call = (await gatewayCalls("juspay", `/orders/${id}`)).find((c) => c.method === "POST");
    expect(call?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(call!.body))).toEqual({ amount: "2500.00", udf2: "gift wrap" });
    expect((await simRaw(id)).amount).toBe(2500);
    expect((await auditOf(id)).find((e) => e.kind === "amount_update")).toMatchObject({
      outcome: "applied",
      detail: { from_amount: 10000, amount: 250000 },
    });
    await simSet(id, { status: "CHARGED" });
    expect(await getOrder(id, true)).toMatchObject({ status: "succeeded", requires_review: false });
  });

  it("updates only UDFs when no amount is given", async () => {
    const id = newOrderId("upd");
    await createOrder({ order_id: id, amount: 10000 });
    expect(await (await update(id, { udf1: "x" })).json()).toMatchObject({ amount: 10000 });
    expect((await simRaw(id)).udf1).toBe("x");
  });

  it("refuses once a payment attempt has started at Juspay, without calling Update Order", async () => {
    const id = newOrderId("upd");
    await createOrder({ order_id: id, amount: 10000 });
    await simSet(id, { status: "PENDING_VBV" });
    await expectProblem(await update(id, { amount: 20000 }), 409, "order_not_updatable");
    expect((await gatewayCalls("juspay", `/orders/${id}`)).filter((c) => c.method === "POST")).toHaveLength(0);
    expect((await getOrder(id)).amount).toBe(10000);
  });

  it("refuses an order that is already final", async () => {
    const id = newOrderId("upd");
    await createOrder({ order_id: id, amount: 10000 });
    await simSet(id, { status: "CHARGED" });
    await getOrder(id, true);
    await expectProblem(await update(id, { amount: 20000 }), 409, "order_not_updatable");
  });

  it("refuses an order checkpost does not know", async () => {
    await expectProblem(await update(newOrderId("upd"), { amount: 20000 }), 404, "order_not_found");
  });

  it("refuses an order whose amount was never registered through checkpost", async () => {
    const id = newOrderId("upd");
    await simOrder(id, { status: "STARTED" });
    await getOrder(id, true);
    await expectProblem(await update(id, { amount: 20000 }), 409, "order_not_updatable");
  });

  it.each([
    ["an empty body", {}],
    ["another currency", { amount: 100, currency: "USD" }],
    ["a zero amount", { amount: 0 }],
    ["a fractional amount", { amount: 10.5 }],
    ["an unknown field", { amount: 100, colour: "red" }],
    ["an over-long udf", { udf3: "x".repeat(300) }],
  ])("answers 400 for %s", async (_name, json) => {
    const id = newOrderId("upd");
    await registerOrder(id, 10000);
    await expectProblem(await update(id, json), 400, "invalid_request");
  });

  it("requires the API key", async () => {
    await expectProblem(await call(`/v1/orders/juspay/x1/update`, { method: "POST", body: "{}" }), 401, "unauthorized");
  });
});

describe("POST /handleJuspayResponse (the seeds' contract)", () => {
  const handle = (body: string, type = "application/json") =>
    call("/handleJuspayResponse", { method: "POST", headers: { "content-type": type }, body });

  it.each([
    ["CHARGED", "order payment done successfully", "succeeded"],
    ["PENDING_VBV", "order payment pending", "pending"],
    ["AUTHORIZATION_FAILED", "order payment authorization failed", "failed"],
    ["AUTHENTICATION_FAILED", "order payment authentication failed", "failed"],
    ["VOIDED", "order status VOIDED", "failed"],
  ])("answers %s with the seeds' message", async (status, message, unified) => {
    const id = newOrderId("hjr");
    await registerOrder(id, 10000);
    await simOrder(id, { status });
    const res = await handle(JSON.stringify({ order_id: id }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ order_id: id, order_status: status, message, status: unified });
    expect((await getOrder(id)).status).toBe(unified);
  });

  it("takes orderId from a form body too", async () => {
    const id = newOrderId("hjr");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const res = await handle(`orderId=${id}`, "application/x-www-form-urlencoded");
    expect(await res.json()).toMatchObject({ order_id: id, order_status: "CHARGED" });
  });

  it.each([
    ["an empty JSON object", "{}", "application/json"],
    ["an empty order_id", '{"order_id":""}', "application/json"],
    ["an empty form", "", "application/x-www-form-urlencoded"],
  ])("answers 400 with the seeds' message for %s", async (_name, body, type) => {
    const problem = await expectProblem(await handle(body, type), 400, "invalid_request");
    expect(problem["detail"]).toBe("order_id not present or cannot be empty");
  });

  it("does not report success when the charged amount differs from the registered one", async () => {
    const id = newOrderId("hjr");
    await registerOrder(id, 10000);
    await simOrder(id, { amount: "1.00", status: "CHARGED" });
    const body = (await (await handle(JSON.stringify({ order_id: id }))).json()) as any;
    expect(body).toMatchObject({ order_status: "CHARGED", status: "requires_review" });
    expect(body.message).not.toBe("order payment done successfully");
  });

  it("answers 404 for a registered order Juspay does not know", async () => {
    const id = newOrderId("none");
    await registerOrder(id, 10000);
    await expectProblem(await handle(JSON.stringify({ order_id: id })), 404, "gateway_not_found");
  });

  it("spends no gateway call and stores nothing for 20 order ids checkpost never saw", async () => {
    const ids = Array.from({ length: 20 }, () => newOrderId("oracle"));
    for (const id of ids) await simOrder(id, { status: "CHARGED" });
    for (const id of ids) await expectProblem(await handle(JSON.stringify({ order_id: id })), 404, "order_not_found");
    for (const id of ids) expect(await gatewayCalls("juspay", `/orders/${id}`)).toHaveLength(0);
    for (const id of ids.slice(0, 3)) {
      await expectProblem(await api(`/v1/orders/juspay/${id}`), 404, "order_not_found");
    }
  });

  it("answers a final order from checkpost's state, with no gateway call, however often it is asked", async () => {
    const id = newOrderId("final");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    expect(await (await handle(JSON.stringify({ order_id: id }))).json()).toMatchObject({ status: "succeeded" });
    const calls = (await gatewayCalls("juspay", `/orders/${id}`)).length;
    for (let i = 0; i < 10; i++) {
      expect(await (await handle(JSON.stringify({ order_id: id }))).json()).toMatchObject({
        order_status: "CHARGED",
        message: "order payment done successfully",
        status: "succeeded",
      });
    }
    expect(await gatewayCalls("juspay", `/orders/${id}`)).toHaveLength(calls);
  });

  it("makes at most one status call per 2 seconds for a pending order, however often it is asked", async () => {
    const id = newOrderId("burst");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "PENDING_VBV" });
    const answers = await Promise.all(Array.from({ length: 20 }, () => handle(JSON.stringify({ order_id: id }))));
    for (const res of answers) expect(res.status).toBe(200);
    expect((await gatewayCalls("juspay", `/orders/${id}`)).length).toBeLessThanOrEqual(2);
  });
});

describe("the OpenAPI document", () => {
  it("describes Juspay's routes from the schemas that validate them", () => {
    const doc = openApiDoc() as any;
    const update = doc.paths["/v1/orders/juspay/{order_id}/update"]?.post;
    expect(update.security).toEqual([{ bearer: [] }]);
    expect(update.requestBody.content["application/json"].schema.properties.amount.type).toBe("integer");
    expect(doc.paths["/v1/juspay/customers/{customer_id}/mandates"]?.get).toBeDefined();
    expect(doc.paths["/v1/juspay/mandates/{mandate_id}/revoke"]?.post).toBeDefined();
    expect(doc.paths["/v1/juspay/sdk/signed-payload"]?.post.requestBody).toBeDefined();
    expect(doc.paths["/handleJuspayResponse"]?.post.security).toBeUndefined();
  });
});
