/**
 * Route-level security (product.md §2, §7): the return routes never redirect anywhere but `MERCHANT_RETURN_URL` or
 * checkpost's own status page, whatever the request says; every `/v1` route refuses missing, wrong and revoked API
 * keys; and a replayed return URL cannot move an order backwards.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildRouter } from "../../src/http/router";
import { TEST_BINDINGS } from "../bindings";
import { createdOrder, DRIVER_LIST, DRIVERS, type Driver, type RequestSpec } from "../drivers";
import { api, API_KEY, call, callWithEnv, expectProblem, objectOf, type OrderObject, worker } from "../helpers";
import { expectMerchantReceived, orderView, outbox } from "./support";

const FOREIGN = "https://evil.test/phish";
/** Parameters an attacker might add to a return URL to steer the redirect. */
const STEERING = ["return_url", "redirect", "redirect_url", "redirectUrl", "next", "url", "callback_url", "location"];

/**
 * The return leg with every steering parameter pointing elsewhere. Where the gateway signs every parameter on the
 * return URL (Juspay), they arrive signed: verification passes, steering must not.
 */
function steeredLeg(driver: Driver, orderId: string): Promise<RequestSpec> {
  return driver.returnLeg(orderId, Object.fromEntries(STEERING.map((name) => [name, FOREIGN])));
}

describe.each(DRIVER_LIST)("$gateway return redirects", (driver) => {
  it("sends the customer to MERCHANT_RETURN_URL whatever the query says", async () => {
    const orderId = await createdOrder(driver);
    await driver.pay(orderId);
    const leg = await steeredLeg(driver, orderId);
    const res = await call(leg.path, leg.init);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(TEST_BINDINGS.MERCHANT_RETURN_URL);
    expect(res.headers.get("location")).not.toContain("evil.test");
  });

  it("sends the customer to checkpost's status page when MERCHANT_RETURN_URL is unset, whatever the Host", async () => {
    const orderId = await createdOrder(driver);
    await driver.pay(orderId);
    const leg = await steeredLeg(driver, orderId);
    for (const host of ["https://checkpost.test", "https://evil.test"]) {
      const res = await callWithEnv({ MERCHANT_RETURN_URL: "" }, new URL(leg.path, host).toString(), leg.init);
      expect(res.status).toBe(303);
      const location = res.headers.get("location") ?? "";
      expect(location.startsWith(`${TEST_BINDINGS.PUBLIC_BASE_URL}/status/${driver.gateway}/`)).toBe(true);
    }
  });
});

describe("/v1 authentication", () => {
  const routes = buildRouter()
    .routes.filter(([method, , , path]) => method !== "ALL" && path?.startsWith("/v1/"))
    .map(([method, , , path]) => ({
      method,
      path: (path ?? "").replace(/:gateway/g, "juspay").replace(/:(\w+)/g, "x1"),
    }));

  it("knows the /v1 routes", () => {
    expect(routes.length).toBeGreaterThanOrEqual(5);
  });

  const CASES: [string, Record<string, string>][] = [
    ["no Authorization header", {}],
    ["a wrong key", { authorization: "Bearer test-key-wrong" }],
    ["a valid key under another scheme", { authorization: `Basic ${API_KEY}` }],
    ["a prefix of a valid key", { authorization: `Bearer ${API_KEY.slice(0, -1)}` }],
    ["a valid key with a suffix", { authorization: `Bearer ${API_KEY}x` }],
    ["two keys", { authorization: `Bearer ${API_KEY} ${API_KEY}` }],
  ];

  it.each(CASES)("refuses %s on every /v1 route with 401 unauthorized", async (_name, headers) => {
    for (const route of routes) {
      const res = await call(route.path, { method: route.method, headers, body: route.method === "GET" ? null : "{}" });
      await expectProblem(res, 401, "unauthorized");
    }
  });

  it("refuses a revoked key (removed from PROXY_API_KEYS) and accepts the key that replaced it", async () => {
    const [revoked, current] = TEST_BINDINGS.PROXY_API_KEYS.split(",");
    const rotated = { PROXY_API_KEYS: current ?? "" };
    for (const route of routes) {
      const res = await callWithEnv(rotated, route.path, {
        method: route.method,
        headers: { authorization: `Bearer ${revoked}` },
        body: route.method === "GET" ? null : "{}",
      });
      await expectProblem(res, 401, "unauthorized");
    }
    const ok = await callWithEnv(rotated, "/v1/orders/juspay/nosuchorder1", {
      headers: { authorization: `Bearer ${current}` },
    });
    await expectProblem(ok, 404, "order_not_found");
  });

  it("refuses every key when PROXY_API_KEYS is empty (fails closed)", async () => {
    const res = await callWithEnv({ PROXY_API_KEYS: "" }, "/v1/orders/juspay/nosuchorder1");
    await expectProblem(res, 401, "unauthorized");
  });

  it("answers the same 401 body shape whether the key is missing or wrong", async () => {
    const missing = await expectProblem(await call("/v1/orders/juspay/x1"), 401, "unauthorized");
    const wrong = await expectProblem(
      await call("/v1/orders/juspay/x1", { headers: { authorization: "Bearer nope" } }),
      401,
      "unauthorized",
    );
    expect({ ...missing, request_id: null }).toEqual({ ...wrong, request_id: null });
  });
});

/** Gateways whose redirect carries a signed status, with a failure that can turn into a late success (`lateSuccess`). */
const LATE_SUCCESS = DRIVER_LIST.filter((d) => d.lateSuccess !== null);

describe.each(LATE_SUCCESS)("replayed $gateway return URLs", (driver) => {
  const late = driver.lateSuccess!;

  it("cannot move a late success back to failed", async () => {
    const orderId = await createdOrder(driver);
    await late.fail(orderId);
    const failedLeg = await driver.returnLeg(orderId);
    const first = await call(failedLeg.path, failedLeg.init);
    expect(new URL(first.headers.get("location") ?? "").searchParams.get("status")).toBe("failed");

    await late.succeedLate(orderId);
    expect((await (await api(`/v1/orders/${driver.gateway}/${orderId}?refresh=true`)).json<any>()).status).toBe(
      "succeeded",
    );
    const settled = await orderView(driver.gateway, orderId);

    // The old, validly signed "failed" redirect, replayed: the status comes from the gateway, never the URL.
    const replays = await Promise.all(Array.from({ length: 5 }, () => call(failedLeg.path, failedLeg.init)));
    for (const r of replays) {
      expect(r.status).toBe(303);
      expect(new URL(r.headers.get("location") ?? "").searchParams.get("status")).toBe("succeeded");
    }
    expect(await orderView(driver.gateway, orderId)).toMatchObject({ status: "succeeded", sequence: settled.sequence });
    expect((await outbox(driver.gateway, orderId)).map((e) => e.type)).toEqual(["payment.failed", "payment.succeeded"]);
    await expectMerchantReceived(driver.gateway, orderId, ["payment.failed", "payment.succeeded"]);
  });
});

it("the Worker entry answers in-process (sanity check of the helper used above)", async () => {
  const res = await worker().fetch("https://checkpost.test/healthz");
  expect(res.status).toBe(200);
});

describe("webhooks about order ids no route can address", () => {
  it("acknowledges an authentic Juspay webhook for the order id '..' and records nothing", async () => {
    const juspay = DRIVERS.juspay;
    const orderId = await createdOrder(juspay);
    await juspay.pay(orderId);
    const hook = await juspay.paidWebhook(orderId);
    for (const id of ["..", "a.b", "a:b"]) {
      // Basic auth covers the sender, not the body (juspay.md §7): the body can name any order id.
      const body = (hook.init.body as string).split(JSON.stringify(orderId)).join(JSON.stringify(id));
      const res = await call(hook.path, { ...hook.init, body });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ received: true, recorded: false });
      const stored = await runInDurableObject(objectOf("juspay", id), (_o: OrderObject, state) =>
        state.storage.sql.exec("SELECT count(*) AS n FROM order_doc").one(),
      );
      expect(stored["n"]).toBe(0);
    }
  });
});
