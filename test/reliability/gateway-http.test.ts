/**
 * `callGateway` (src/gateways/http.ts), the one way adapters reach a gateway: the per-call timeout from
 * `GATEWAY_TIMEOUT_MS`, and the single retry that only idempotent calls get.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/core/log";
import type { Env } from "../../src/env";
import { callGateway, type GatewayCall } from "../../src/gateways/http";
import type { GatewayIO } from "../../src/gateways/types";
import { addFault } from "../drivers";
import { gatewayCalls, uniqueOrderId } from "../helpers";
import { TEST_BINDINGS } from "../bindings";
import { configureJuspaySim } from "../juspay/support";

function io(timeoutMs?: number): GatewayIO {
  return {
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    kv: env.KV,
    log: createLogger("silent"),
    timeoutMs,
  };
}

/** A Juspay Order Status call for an order the simulator does not know (404 unless a fault answers first). */
function statusCall(orderId: string, extra: Partial<GatewayCall> = {}): GatewayCall {
  return {
    gateway: "juspay",
    operation: "order_status",
    method: "GET",
    url: `http://sim.test/juspay/orders/${orderId}`,
    headers: {
      authorization: `Basic ${btoa("test_juspay_api_key_0001:")}`,
      "x-merchantid": TEST_BINDINGS.JUSPAY_MERCHANT_ID,
      version: "2024-06-24",
    },
    ...extra,
  };
}

async function callsTo(orderId: string): Promise<number> {
  return (await gatewayCalls("juspay", `/orders/${orderId}`)).length;
}

describe("callGateway", () => {
  it("gives up after GatewayIO.timeoutMs and answers gateway_timeout", async () => {
    const id = uniqueOrderId("to");
    await addFault("juspay", { path: `/orders/${id}`, method: "GET" }, { kind: "timeout", ms: 2000 });
    const started = Date.now();
    const result = await callGateway(io(150), statusCall(id, { idempotent: true }));
    expect(result.ok ? null : result.error.reason).toBe("gateway_timeout");
    expect(Date.now() - started).toBeLessThan(1500);
    // A timeout is not retried, even for a read: the caller's time is spent.
    expect(await callsTo(id)).toBe(1);
  });

  it("retries an idempotent call once after a 503, then answers what the second try got", async () => {
    await configureJuspaySim();
    const id = uniqueOrderId("rt");
    await addFault("juspay", { path: `/orders/${id}`, method: "GET" }, { kind: "status", status: 503 }, 1);
    const result = await callGateway(io(), statusCall(id, { idempotent: true }));
    expect(result.ok ? null : result.error.reason).toBe("gateway_not_found");
    expect(await callsTo(id)).toBe(2);
  });

  it("retries an idempotent call at most once", async () => {
    const id = uniqueOrderId("rt");
    await addFault("juspay", { path: `/orders/${id}`, method: "GET" }, { kind: "reset" }, 5);
    const result = await callGateway(io(), statusCall(id, { idempotent: true }));
    expect(result.ok ? null : result.error.reason).toBe("gateway_unavailable");
    expect(await callsTo(id)).toBe(2);
  });

  it.each([
    ["a 429", { kind: "status", status: 429 }],
    ["malformed JSON", { kind: "malformed_json" }],
    ["a 400", { kind: "status", status: 400 }],
  ])("does not retry an idempotent call after %s", async (_name, fault) => {
    const id = uniqueOrderId("nr");
    await addFault("juspay", { path: `/orders/${id}`, method: "GET" }, fault, 1);
    const result = await callGateway(io(), statusCall(id, { idempotent: true }));
    expect(result.ok).toBe(false);
    expect(await callsTo(id)).toBe(1);
  });

  it("never retries a call that is not marked idempotent", async () => {
    const id = uniqueOrderId("np");
    await addFault("juspay", { path: `/orders/${id}`, method: "GET" }, { kind: "status", status: 503 }, 1);
    const result = await callGateway(io(), statusCall(id));
    expect(result.ok ? null : result.error.reason).toBe("gateway_unavailable");
    expect(await callsTo(id)).toBe(1);
  });
});

describe("GATEWAY_TIMEOUT_MS", () => {
  const configWith = (value: string) => loadConfig({ ...env, GATEWAY_TIMEOUT_MS: value } as unknown as Env);

  it("is read as milliseconds", () => {
    expect(configWith("2500").gatewayTimeoutMs).toBe(2500);
  });

  it("leaves the default in place when unset", () => {
    expect(configWith("").gatewayTimeoutMs).toBeNull();
  });

  it.each(["0", "99", "60001", "1.5", "ten", "-5"])("reports %s as a problem and keeps the default", (value) => {
    const config = configWith(value);
    expect(config.gatewayTimeoutMs).toBeNull();
    expect(config.problems.join("\n")).toContain("GATEWAY_TIMEOUT_MS");
  });
});
