/**
 * `GET|POST /return/juspay` end to end: the simulator signs redirects with its own implementation of juspay.md §3.2,
 * the Worker verifies them, calls Order Status on the simulator, records through the order's Durable Object and
 * redirects to MERCHANT_RETURN_URL.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, call, expectProblem, gatewayCalls, objectOf, sim } from "../helpers";
import {
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

function merchantResult(res: Response): URLSearchParams {
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(J.MERCHANT_RETURN_URL);
  return location.searchParams;
}

describe("a verified return leg", () => {
  it("confirms a CHARGED order S2S and redirects the customer with checkpost's signed succeeded result", async () => {
    const id = newOrderId();
    await registerOrder(id, 150000);
    await simOrder(id, { amount: "1500.00", status: "CHARGED" });
    const result = merchantResult(await followReturn(await simRedirect(id)));
    expect(Object.fromEntries(result)).toMatchObject({
      gateway: "juspay",
      order_id: id,
      status: "succeeded",
      amount: "150000",
      currency: "INR",
    });
    expect(result.get("signature")).toMatch(/^v1,/);
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", gateway_status: "CHARGED", amount_verified: true });
  });

  it("calls Order Status with Basic base64(key + ':'), x-merchantid, version and x-routing-id", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "PENDING_VBV" });
    merchantResult(await followReturn(await simRedirect(id)));
    const calls = (await gatewayCalls("juspay", `/orders/${id}`)).filter((c) => c.method === "GET");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers).toMatchObject({
      authorization: `Basic ${btoa(`${J.JUSPAY_API_KEY}:`)}`,
      "x-merchantid": J.JUSPAY_MERCHANT_ID,
      version: J.JUSPAY_API_VERSION,
      "x-routing-id": id,
    });
  });

  it("verifies a redirect whose signature arrives single-encoded", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "CHARGED" });
    const result = merchantResult(await followReturn(await simRedirect(id, { encoding: "single" })));
    expect(result.get("status")).toBe("succeeded");
  });

  it("verifies a POST return leg from its form body", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "CHARGED" });
    const redirect = await simRedirect(id, { method: "POST" });
    expect(redirect.method).toBe("POST");
    expect(merchantResult(await followReturn(redirect)).get("status")).toBe("succeeded");
  });

  it("verifies merchant parameters with spaces, +, /, @, = and non-ASCII signed by the simulator", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "CHARGED" });
    const redirect = await simRedirect(id, { extra: { myQP: "a b+c/d@e=f ₹ ü", "x y": "~*!'()" } });
    expect(merchantResult(await followReturn(redirect)).get("status")).toBe("succeeded");
  });

  it("uses the status established S2S, never the one the browser carried", async () => {
    const id = newOrderId();
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const redirect = await simRedirect(id);
    await simSet(id, { status: "AUTHORIZATION_FAILED" });
    expect(merchantResult(await followReturn(redirect)).get("status")).toBe("failed");
    expect(await getOrder(id)).toMatchObject({ status: "failed", gateway_status: "AUTHORIZATION_FAILED" });
  });

  it("reproduces the worked example end to end: failed, with myQP signed", async () => {
    const id = "order_1727694028";
    await simOrder(id, { status: "AUTHORIZATION_FAILED" });
    const res = await call(
      "/return/juspay?order_id=order_1727694028&status=AUTHORIZATION_FAILED&status_id=27&myQP=aGVsbG9Xb3JsZA%3D%3D" +
        "&signature=8Esx2nrz3KE059rdsTkffYKu6AXXk07KzBo3KOexl3I%253D&signature_algorithm=HMAC-SHA256",
      { redirect: "manual" },
    );
    expect(merchantResult(res).get("status")).toBe("failed");
  });

  it("takes the amount from Juspay for an order not registered through checkpost, marked unverified", async () => {
    const id = newOrderId();
    await simOrder(id, { amount: "1234.5", status: "CHARGED" });
    expect(merchantResult(await followReturn(await simRedirect(id))).get("amount")).toBe("123450");
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", amount: 123450, amount_verified: false });
  });
});

describe("amount and currency checks", () => {
  it("never marks succeeded when Juspay reports another amount: requires_review, and the redirect says so", async () => {
    const id = newOrderId();
    await registerOrder(id, 100000);
    await simOrder(id, { amount: "999.99", status: "CHARGED" });
    expect(merchantResult(await followReturn(await simRedirect(id))).get("status")).toBe("requires_review");
    const order = await getOrder(id, true);
    expect(order).toMatchObject({ requires_review: true, review_reason: "amount_mismatch", amount: 100000 });
    expect(order.status).not.toBe("succeeded");
  });

  it("never marks succeeded when Juspay reports another currency", async () => {
    const id = newOrderId();
    await registerOrder(id, 10000);
    await simOrder(id, { amount: "100.00", currency: "USD", status: "CHARGED" });
    expect(merchantResult(await followReturn(await simRedirect(id))).get("status")).toBe("requires_review");
    expect(await getOrder(id)).toMatchObject({ requires_review: true, review_reason: "currency_mismatch" });
  });

  it("converts rupees exactly: 0.1 + 0.2 style amounts match paise without float drift", async () => {
    const id = newOrderId();
    await registerOrder(id, 30);
    await simOrder(id, { amount: "0.30", status: "CHARGED" });
    expect(merchantResult(await followReturn(await simRedirect(id))).get("status")).toBe("succeeded");
  });
});

describe("return legs that do not verify", () => {
  async function expectRejectedWithoutCall(id: string, res: Response): Promise<void> {
    await expectProblem(res, 401, "invalid_signature");
    expect(await gatewayCalls("juspay", `/orders/${id}`)).toHaveLength(0);
    await expectProblem(await api(`/v1/orders/juspay/${id}`), 404, "order_not_found");
  }

  it("answers 401 with no gateway call and no state for a signature made with another key", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "CHARGED" });
    await expectRejectedWithoutCall(id, await followReturn(await simRedirect(id, { key: "not-the-response-key" })));
  });

  it("answers 401 with no gateway call when the signature is missing", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "CHARGED" });
    const url = new URL((await simRedirect(id)).url);
    url.searchParams.delete("signature");
    await expectRejectedWithoutCall(id, await call(`${url.pathname}${url.search}`, { redirect: "manual" }));
  });

  it("answers 401 when the status was changed in the browser", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "AUTHORIZATION_FAILED" });
    const redirect = await simRedirect(id);
    const tampered = redirect.url.replace("status=AUTHORIZATION_FAILED", "status=CHARGED");
    expect(tampered).not.toBe(redirect.url);
    await expectRejectedWithoutCall(id, await followReturn({ ...redirect, url: tampered }));
  });

  it("answers 401 when order_id was swapped for another order's", async () => {
    const id = newOrderId();
    const other = newOrderId();
    await simOrder(id, { status: "CHARGED" });
    const redirect = await simRedirect(id);
    await expectRejectedWithoutCall(other, await followReturn({ ...redirect, url: redirect.url.replace(id, other) }));
  });

  it("rejects a return_url that already carried order_id: Juspay appends its own, so it arrives twice", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "CHARGED", return_url: `https://checkpost.test/return/juspay?order_id=${id}` });
    const redirect = await simRedirect(id);
    expect(new URL(redirect.url).searchParams.getAll("order_id")).toHaveLength(2);
    await expectRejectedWithoutCall(id, await followReturn(redirect));
  });

  it("renders a short HTML page for a browser", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "CHARGED" });
    const redirect = await simRedirect(id, { key: "wrong" });
    const res = await call(new URL(redirect.url).pathname + new URL(redirect.url).search, {
      headers: { accept: "text/html" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("text/html");
  });
});

describe("when Order Status cannot settle the return", () => {
  it("answers 502 when Juspay fails, changes nothing, and the alarm confirms later", async () => {
    const id = newOrderId();
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    await sim("/__control/faults", {
      method: "POST",
      // Twice: a status read is retried once after a 5xx.
      json: {
        gateway: "juspay",
        path: `/orders/${id}`,
        method: "GET",
        fault: { kind: "status", status: 503 },
        times: 2,
      },
    });
    await expectProblem(await followReturn(await simRedirect(id)), 502, "gateway_unavailable");
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect(await getOrder(id)).toMatchObject({ status: "succeeded" });
  });

  it("answers 404 gateway_not_found when Juspay reports NOT_FOUND", async () => {
    const id = newOrderId();
    await simOrder(id, { status: "NOT_FOUND" });
    await expectProblem(await followReturn(await simRedirect(id)), 404, "gateway_not_found");
  });
});
