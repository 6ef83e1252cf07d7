/**
 * One Workers Analytics Engine data point per request, per order state change and per gateway call (src/metrics.ts,
 * docs/operations.md). The dataset cannot be read back locally, so these tests put a recording dataset in its place.
 */
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import checkpost from "../../src/index";
import { seedChanges } from "../events/support";
import { API_KEY, objectOf, type OrderObject, uniqueOrderId } from "../helpers";

function recorder() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, dataset: { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void (p && points.push(p)) } };
}

async function fetchWith(envObject: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await checkpost.fetch(new Request(new URL(path, "https://checkpost.test"), init), envObject, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("METRICS", () => {
  it("is bound in the test configuration as in wrangler.toml", () => {
    expect(typeof (env as unknown as Env).METRICS?.writeDataPoint).toBe("function");
  });

  it("gets one point per request: route template, gateway, error code, method, status and duration", async () => {
    const { points, dataset } = recorder();
    const orderId = uniqueOrderId("metric");
    const res = await fetchWith({ ...env, METRICS: dataset } as unknown as Env, `/v1/orders/nimbbl/${orderId}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(404);
    expect(points).toHaveLength(1);
    const [point] = points;
    expect(point?.blobs).toEqual(["request", "nimbbl", "/v1/orders/:gateway/:order_id", "order_not_found", "GET"]);
    expect(point?.indexes).toEqual(["nimbbl"]);
    expect(point?.doubles?.[0]).toBe(404);
    expect(typeof point?.doubles?.[1]).toBe("number");
    expect(JSON.stringify(points)).not.toContain(orderId);
  });

  it("gets one point per gateway call, with its host, status and latency", async () => {
    const { points, dataset } = recorder();
    const res = await fetchWith({ ...env, METRICS: dataset } as unknown as Env, "/v1/orders", {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ gateway: "phonepe", order_id: uniqueOrderId("mc"), amount: 10_000, currency: "INR" }),
    });
    expect(res.status).toBe(201);
    const calls = points.filter((p) => p.blobs?.[0] === "gateway_call");
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.blobs?.[1]).toBe("sim.test");
      expect(call.doubles?.[0]).toBeGreaterThanOrEqual(200);
    }
  });

  it("gets one point per order state change: gateway, from and to", async () => {
    const { points, dataset } = recorder();
    const orderId = uniqueOrderId("ms");
    await runInDurableObject(objectOf("juspay", orderId), (object: OrderObject) => {
      (object as unknown as { env: Env }).env = { ...env, METRICS: dataset } as unknown as Env;
    });
    await seedChanges("juspay", orderId, ["pending", "succeeded"]);
    const changes = points.filter((p) => p.blobs?.[0] === "state").map((p) => p.blobs?.slice(1));
    expect(changes).toEqual([
      ["juspay", "none", "created"],
      ["juspay", "created", "pending"],
      ["juspay", "pending", "succeeded"],
    ]);
  });
});
