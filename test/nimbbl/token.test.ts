/**
 * Nimbbl merchant tokens (nimbbl.md §3): one per access key, cached in memory and KV, refreshed before the 20-minute
 * expiry, fetched once at a time, dropped and retried once on 401/403. Each test uses its own access key, so the
 * simulated gateway's tokens and call log are its own even when other files run alongside.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/core/log";
import type { Env } from "../../src/env";
import { GATEWAYS } from "../../src/gateways";
import type { ConfiguredGateway, GatewayIO } from "../../src/gateways/types";
import { gatewayCalls, sim, uniqueOrderId } from "../helpers";
import { countCalls, hex, SECRET } from "./support";

function merchant(overrides: Partial<Env> = {}) {
  const accessKey = `access_key_${uniqueOrderId("k")}`;
  const e: Env = { ...env, NIMBBL_ACCESS_KEY: accessKey, ...overrides };
  const setup = GATEWAYS.nimbbl.configure(e, loadConfig(e));
  if (setup.state !== "enabled") throw new Error(`nimbbl is ${setup.state}`);
  return { accessKey, gateway: setup.gateway };
}

function io(now: () => number = () => Date.now()): GatewayIO {
  return { fetch: (input, init) => fetch(input, init), now, kv: env.KV, log: createLogger("silent") };
}

/** An order at the gateway owned by this merchant, for status calls to find. */
async function orderAt(gateway: ConfiguredGateway): Promise<string> {
  const orderId = uniqueOrderId("nbt");
  const created = await gateway.createOrder(
    {
      orderId,
      amount: { minor: 1250, currency: "INR" },
      customer: null,
      description: null,
      metadata: null,
      returnUrl: new URL("https://checkpost.test/return/nimbbl"),
      returnToken: "t",
      sdk: false,
      expireAfterSeconds: null,
    },
    io(),
  );
  expect(created.ok).toBe(true);
  return orderId;
}

async function kvKeyFor(accessKey: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`nimbbl:${accessKey}`));
  return `tok:nimbbl:${hex(digest).slice(0, 40)}`;
}

describe("merchant token", () => {
  it("generates one token and reuses it for later calls", async () => {
    const { accessKey, gateway } = merchant();
    const orderId = await orderAt(gateway);
    for (let i = 0; i < 3; i++) expect((await gateway.fetchStatus(orderId, io())).ok).toBe(true);
    expect(await countCalls("generate-token", accessKey)).toBe(1);
    const calls: any[] = await gatewayCalls("nimbbl", "transaction-enquiry");
    const mine = calls.filter((c) => c.body.includes(orderId));
    expect(mine).toHaveLength(3);
    expect(mine.every((c) => /^Bearer \S+$/.test(c.headers.authorization))).toBe(true);
  });

  it("caches it in KV under a hash of the access key, holding neither the key nor the secret", async () => {
    const { accessKey, gateway } = merchant();
    await orderAt(gateway);
    const key = await kvKeyFor(accessKey);
    const stored = await env.KV.get(key);
    expect(stored).not.toBeNull();
    expect(key).not.toContain(accessKey);
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(accessKey);
    const { keys } = await env.KV.list({ prefix: "tok:nimbbl:" });
    expect(keys.some((k) => k.name.includes("access_"))).toBe(false);
  });

  it("uses a token another isolate left in KV instead of generating one", async () => {
    const { accessKey, gateway } = merchant();
    const issued: any = await (
      await sim("/nimbbl/api/v3/generate-token", {
        method: "POST",
        json: { access_key: accessKey, access_secret: SECRET },
      })
    ).json();
    const now = Date.now();
    await env.KV.put(
      await kvKeyFor(accessKey),
      JSON.stringify({ token: issued.token, refreshAt: now + 10 * 60_000, expiresAt: now + 13 * 60_000 }),
    );
    await orderAt(gateway);
    expect(await countCalls("generate-token", accessKey)).toBe(1);
  });

  it("refreshes the token three minutes before its 20-minute expiry", async () => {
    const { accessKey, gateway } = merchant();
    const start = Date.now();
    const orderId = await orderAt(gateway);
    for (const [minutes, tokens] of [
      [16, 1],
      [17.02, 2],
    ] as const) {
      const at = start + minutes * 60_000;
      expect(
        (
          await gateway.fetchStatus(
            orderId,
            io(() => at),
          )
        ).ok,
      ).toBe(true);
      expect(await countCalls("generate-token", accessKey)).toBe(tokens);
    }
  });

  it("drops a token the gateway refuses (401) and retries the call once with a new one", async () => {
    const { accessKey, gateway } = merchant();
    const orderId = await orderAt(gateway);
    await sim(`/__control/nimbbl/merchants/${accessKey}`, { method: "POST", json: { expire_tokens: true } });
    expect((await gateway.fetchStatus(orderId, io())).ok).toBe(true);
    expect(await countCalls("generate-token", accessKey)).toBe(2);
    expect(await countCalls("transaction-enquiry", orderId)).toBe(2);
  });

  it("gives up after that one retry with gateway_auth_failed", async () => {
    const { accessKey, gateway } = merchant();
    const orderId = await orderAt(gateway);
    await sim(`/__control/nimbbl/merchants/${accessKey}`, { method: "POST", json: { refuse_tokens: true } });
    const result = await gateway.fetchStatus(orderId, io());
    expect(!result.ok && result.error.reason).toBe("gateway_auth_failed");
    expect(await countCalls("transaction-enquiry", orderId)).toBe(2);
    expect(await countCalls("generate-token", accessKey)).toBe(2);
  });

  it("fetches a token once for concurrent calls (single-flight)", async () => {
    const { accessKey, gateway } = merchant();
    const orderId = uniqueOrderId("nbsf");
    const results = await Promise.all(Array.from({ length: 8 }, () => gateway.fetchStatus(orderId, io())));
    expect(results.every((r) => !r.ok && r.error.reason === "gateway_not_found")).toBe(true);
    expect(await countCalls("generate-token", accessKey)).toBe(1);
  });

  it("reports wrong credentials as gateway_auth_failed without retrying the token call", async () => {
    const { accessKey, gateway } = merchant();
    await sim("/nimbbl/api/v3/generate-token", {
      method: "POST",
      json: { access_key: accessKey, access_secret: "access_secret_TheRealOne001" },
    });
    const result = await gateway.fetchStatus(uniqueOrderId("nbw"), io());
    expect(!result.ok && result.error.reason).toBe("gateway_auth_failed");
    expect(await countCalls("generate-token", accessKey)).toBe(2);
  });
});

/**
 * KV as it fails in production: the operation rejects (an outage, `KV PUT failed: 429 Too Many Requests` past the
 * one-write-per-second-per-key limit). Each listed operation throws; the others go to the real local KV.
 */
function failingKv(...failing: ("get" | "put" | "delete")[]): KVNamespace {
  const real = env.KV;
  const fail = (op: string) => () =>
    Promise.reject(new Error(`KV ${op.toUpperCase()} failed: 503 Service Unavailable`));
  return {
    get: failing.includes("get") ? fail("get") : real.get.bind(real),
    put: failing.includes("put") ? fail("put") : real.put.bind(real),
    delete: failing.includes("delete") ? fail("delete") : real.delete.bind(real),
  } as unknown as KVNamespace;
}

function ioWith(kv: KVNamespace): GatewayIO {
  return { ...io(), kv };
}

describe("the token cache when KV fails", () => {
  it("a KV outage on every read and write fails no Nimbbl call: the token is fetched once and used from memory", async () => {
    const { accessKey, gateway } = merchant();
    const broken = ioWith(failingKv("get", "put", "delete"));
    const orderId = uniqueOrderId("nbkv");
    const created = await gateway.createOrder(
      {
        orderId,
        amount: { minor: 1250, currency: "INR" },
        customer: null,
        description: null,
        metadata: null,
        returnUrl: new URL("https://checkpost.test/return/nimbbl"),
        returnToken: "t",
        sdk: false,
        expireAfterSeconds: null,
      },
      broken,
    );
    expect(created.ok).toBe(true);
    for (let i = 0; i < 3; i++) expect((await gateway.fetchStatus(orderId, broken)).ok).toBe(true);
    expect(await countCalls("generate-token", accessKey)).toBe(1);
    expect(await env.KV.get(await kvKeyFor(accessKey))).toBeNull();
  });

  it("a refused token whose KV delete fails is never taken back from KV: the one retry gets a new token", async () => {
    const { accessKey, gateway } = merchant();
    const orderId = await orderAt(gateway);
    const stale = await env.KV.get(await kvKeyFor(accessKey));
    expect(stale).not.toBeNull();
    await sim(`/__control/nimbbl/merchants/${accessKey}`, { method: "POST", json: { expire_tokens: true } });
    expect((await gateway.fetchStatus(orderId, ioWith(failingKv("delete")))).ok).toBe(true);
    expect(await countCalls("generate-token", accessKey)).toBe(2);
    expect(await countCalls("transaction-enquiry", orderId)).toBe(2);
  });
});

describe("configuration", () => {
  it("treats a malformed NIMBBL_BASE_URL as misconfigured, naming the setting", () => {
    const e: Env = { ...env, NIMBBL_BASE_URL: "api.nimbbl.tech/api" };
    const setup = GATEWAYS.nimbbl.configure(e, loadConfig(e));
    expect(setup).toEqual({ state: "misconfigured", problems: ["NIMBBL_BASE_URL is not an absolute URL"] });
  });

  it("is disabled, not failing, without its secret", () => {
    const e: Env = { ...env, NIMBBL_ACCESS_SECRET: "" };
    expect(GATEWAYS.nimbbl.configure(e, loadConfig(e))).toEqual({
      state: "disabled",
      missing: ["NIMBBL_ACCESS_SECRET"],
    });
  });
});
