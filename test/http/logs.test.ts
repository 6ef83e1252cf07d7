/**
 * Logs an operator can use (#19): each line at its console level, a request line with the route template, gateway,
 * status, error code and duration, every 4xx with its reason, and the request id carried into the order's object,
 * to the gateway and to the merchant (`x-request-id`).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/log";
import { seedChanges } from "../events/support";
import {
  api,
  call,
  callWithEnv,
  captureLogs,
  gatewayCalls,
  objectOf,
  type OrderObject,
  uniqueOrderId,
} from "../helpers";

type Line = Record<string, unknown>;
const parsed = (lines: string[]): Line[] =>
  lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Line];
    } catch {
      return [];
    }
  });
const requestLines = (lines: string[]) => parsed(lines).filter((l) => l["msg"] === "request");

describe("log levels", () => {
  it("writes each line with the console method of its level, so Workers Logs keeps it", () => {
    const seen: string[] = [];
    const methods = ["debug", "info", "warn", "error", "log"] as const;
    const original = methods.map((m): unknown => Reflect.get(console, m));
    for (const m of methods) console[m] = (line: string) => void seen.push(`${m} ${JSON.parse(line).msg}`);
    try {
      const log = createLogger("debug");
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
    } finally {
      methods.forEach((m, i) => Reflect.set(console, m, original[i]));
    }
    expect(seen).toEqual(["debug d", "info i", "warn w", "error e"]);
  });
});

describe("the request line", () => {
  it("carries the route template (not the path), the gateway, the status, the error code and the duration", async () => {
    const orderId = uniqueOrderId("logline");
    const { lines } = await captureLogs(() => api(`/v1/orders/juspay/${orderId}`));
    const [line] = requestLines(lines);
    expect(line).toMatchObject({
      level: "info",
      method: "GET",
      route: "/v1/orders/:gateway/:order_id",
      gateway: "juspay",
      status: 404,
      code: "order_not_found",
    });
    expect(typeof line?.["ms"]).toBe("number");
    expect(JSON.stringify(line)).not.toContain(orderId);
  });

  it("names the gateway of POST /v1/orders from its body, and the fields a 400 refused", async () => {
    const body = { gateway: "phonepe", order_id: uniqueOrderId("lg"), amount: 100, currency: "INR" };
    const { lines } = await captureLogs(() =>
      callWithEnv({ PHONEPE_CLIENT_SECRET: "" }, "/v1/orders", { method: "POST", json: body }),
    );
    expect(requestLines(lines)[0]).toMatchObject({
      route: "/v1/orders",
      gateway: "phonepe",
      status: 404,
      code: "gateway_not_configured",
    });
    const refused = await captureLogs(() => api("/v1/orders", { method: "POST", json: { ...body, amount: -5 } }));
    expect(refused.result.status).toBe(400);
    const answer = (await refused.result.json()) as Line;
    expect(requestLines(refused.lines)[0]).toMatchObject({ status: 400, code: answer["code"], fields: "amount" });
  });

  it.each([
    ["a missing API key", () => call("/v1/orders/juspay/x1"), 401, "/v1/*"],
    ["an unknown route", () => call("/nope"), 404, "unmatched"],
    ["a wrong method", () => call("/healthz", { method: "DELETE" }), 405, "unmatched"],
    ["an unsigned return leg", () => call("/return/juspay?order_id=x1"), 401, "/return/:gateway"],
  ])("logs the code of every 4xx, as the answer gives it: %s", async (_name, send, status, route) => {
    const { result, lines } = await captureLogs(send);
    expect(result.status).toBe(status);
    const body = (await result.json()) as Line;
    expect(typeof body["code"]).toBe("string");
    expect(requestLines(lines)[0]).toMatchObject({ status, route, code: body["code"] });
  });
});

describe("the request id", () => {
  it("travels into the order's object and to the gateway on a look made for the request", async () => {
    const orderId = uniqueOrderId("rid").replace(/[^A-Za-z0-9_-]/g, "_");
    const requestId = `trace-${crypto.randomUUID()}`;
    const created = await api("/v1/orders", {
      method: "POST",
      headers: { "x-request-id": `${requestId}-create` },
      json: { gateway: "phonepe", order_id: orderId, amount: 10_000, currency: "INR" },
    });
    expect(created.status).toBe(201);
    const { lines } = await captureLogs(() =>
      api(`/v1/orders/phonepe/${orderId}?refresh=true`, { headers: { "x-request-id": requestId } }),
    );
    const calls = await gatewayCalls("phonepe");
    expect(calls.some((c) => c.headers["x-request-id"] === `${requestId}-create`)).toBe(true);
    const status = calls.filter((c) => c.path.includes(orderId) && c.headers["x-request-id"] === requestId);
    expect(status.length).toBeGreaterThan(0);
    // The object's own line about its gateway call carries the request's id.
    const objectLines = parsed(lines).filter((l) => l["msg"] === "gateway call" && l["order_id"] === orderId);
    expect(objectLines.length).toBeGreaterThan(0);
    for (const line of objectLines) expect(line["request_id"]).toBe(requestId);
  });

  it("travels to Juspay on the look /handleJuspayResponse makes for a known pending order", async () => {
    const orderId = uniqueOrderId("ridj").replace(/[^A-Za-z0-9_]/g, "_");
    const requestId = `trace-${crypto.randomUUID()}`;
    const registered = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: orderId, amount: 10_000, currency: "INR", register_only: true },
    });
    expect(registered.status).toBe(201);
    await call("/handleJuspayResponse", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify({ order_id: orderId }),
    });
    const calls = (await gatewayCalls("juspay")).filter((c) => c.path.includes(orderId));
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.headers["x-request-id"]).toBe(requestId);
  });

  it("is sent to the merchant with each event delivery: the alarm run's id, also on that run's log lines", async () => {
    const orderId = uniqueOrderId("ridev");
    await seedChanges("juspay", orderId, ["pending"]);
    const sent: { url: string; requestId: string | null }[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push({
        url: input instanceof Request ? input.url : input.toString(),
        requestId: new Headers(init?.headers).get("x-request-id"),
      });
      return original(input, init);
    };
    let lines: string[];
    try {
      ({ lines } = await captureLogs(() =>
        runInDurableObject(objectOf("juspay", orderId), (object: OrderObject) => object.runDue(Date.now())),
      ));
    } finally {
      globalThis.fetch = original;
    }
    const delivery = sent.find((s) => s.url.includes("/merchant/webhooks"));
    expect(delivery?.requestId).toMatch(/^alarm-[0-9a-f-]{36}$/);
    const runLines = parsed(lines).filter((l) => l["order_id"] === orderId);
    expect(runLines.length).toBeGreaterThan(0);
    for (const line of runLines) expect(line["request_id"]).toBe(delivery?.requestId);
  });
});
