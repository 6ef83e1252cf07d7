/**
 * The per-IP limit of the public routes that can cause a gateway call (product.md §1 `PUBLIC_RATE_LIMIT`), with the
 * real Rate Limiting bindings of wrangler.toml in workerd. Every test sends from addresses no other suite uses
 * (TEST-NET-3 and 2001:db8::/32; the shared helpers pick 10.0.0.0/8 at random).
 *
 * The local limiter counts in windows aligned to the wall clock's minutes (Miniflare's rate-limit object), so a burst
 * that must land in one window first waits for a fresh one when the current one is nearly over.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { TEST_BINDINGS } from "../bindings";
import checkpost from "../../src/index";
import { DRIVER_LIST, DRIVERS, createdOrder, type RequestSpec } from "../drivers";
import { api, call, callWithEnv, captureLogs, expectProblem, gatewayCalls } from "../helpers";
import { openApiDoc } from "../helpers";
import { registerOrder, simOrder } from "../juspay/support";

const LIMIT = 60;
const BURST_MS = 60_000;

let hosts = 0;
/** An IPv4 address of TEST-NET-3 that no other test of this file uses. */
function freshIp(): string {
  hosts += 1;
  return `203.0.113.${hosts}`;
}

/** A random /64 of 2001:db8::/32, as `2001:db8:<a>:<b>`. */
function freshV6Prefix(): string {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${a.toString(16)}:${b.toString(16)}`;
}

/** Waits for the next minute's window when fewer than `needMs` are left in this one. */
async function freshWindow(needMs = 15_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 250));
}

function from(ip: string, spec: RequestSpec): Promise<Response> {
  const headers = new Headers(spec.init.headers);
  headers.set("cf-connecting-ip", ip);
  return call(spec.path, { ...spec.init, headers });
}

/** The cheapest request of each family: limited first, then refused (401 unsigned, 400 without order_id). */
const cheap = {
  return: { path: "/return/juspay?order_id=rl_cheap", init: { redirect: "manual" } },
  juspay_response: {
    path: "/handleJuspayResponse",
    init: { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
  },
} as const satisfies Record<string, RequestSpec>;

/** Sends `n` requests, 10 at a time; returns their statuses. */
async function burst(n: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, (_, j) => send(i + j));
    for (const res of await Promise.all(batch)) {
      statuses.push(res.status);
      await res.body?.cancel();
    }
  }
  return statuses;
}

/** Spends `ip`'s budget for a family with `LIMIT` cheap requests, none of them refused. */
async function spend(ip: string, family: keyof typeof cheap): Promise<void> {
  const statuses = await burst(LIMIT, () => from(ip, cheap[family]));
  expect(statuses.filter((s) => s === 429)).toEqual([]);
}

async function statusCalls(orderId: string): Promise<number> {
  return (await gatewayCalls("juspay", `/orders/${orderId}`)).filter((c) => c.method === "GET").length;
}

async function expectRateLimited(res: Response): Promise<void> {
  await expectProblem(res, 429, "rate_limited");
  expect(res.headers.get("retry-after")).toBe("60");
}

describe("per-IP limit of the return legs and /handleJuspayResponse (PUBLIC_RATE_LIMIT, 60 a minute)", () => {
  it(
    "61 return legs from one IP within a minute: the 61st is 429 with Retry-After and makes no gateway call",
    async () => {
      // 60 genuine, verified return legs over the three gateways' paid orders, then a leg that would need a look.
      const legs: RequestSpec[] = [];
      for (const driver of DRIVER_LIST) legs.push(await driver.returnLeg(await driver.paidOrder(10_000)));
      const pending = await createdOrder(DRIVERS.juspay);
      const next = await DRIVERS.juspay.returnLeg(pending);
      await freshWindow();
      const ip = freshIp();
      const statuses = await burst(LIMIT, (i) => from(ip, legs[i % legs.length]!));
      expect(statuses).toEqual(Array<number>(LIMIT).fill(303));
      // Counted around the limited leg alone: the order's own reconciliation may poll it meanwhile on a slow machine.
      const before = await statusCalls(pending);
      await expectRateLimited(await from(ip, next));
      expect(await statusCalls(pending)).toBe(before);
      expect(((await (await api(`/v1/orders/juspay/${pending}`)).json()) as { status: string }).status).toBe("created");
    },
    BURST_MS,
  );

  it(
    "another IP is not limited by the first: the same leg is answered and makes its gateway call",
    async () => {
      const pending = await createdOrder(DRIVERS.juspay);
      const next = await DRIVERS.juspay.returnLeg(pending);
      await freshWindow();
      const attacker = freshIp();
      await spend(attacker, "return");
      await expectRateLimited(await from(attacker, next));
      const res = await from(freshIp(), next);
      expect(res.status).toBe(303);
      expect(await statusCalls(pending)).toBe(1);
    },
    BURST_MS,
  );

  it(
    "a browser over its limit gets the HTML problem page, 429 with Retry-After",
    async () => {
      await freshWindow();
      const ip = freshIp();
      await spend(ip, "return");
      const res = await from(ip, {
        path: "/return/phonepe?order_id=x&t=y",
        init: { headers: { accept: "text/html" } },
      });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("60");
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).toContain("<h1>Rate limited</h1>");
    },
    BURST_MS,
  );

  it(
    "61 /handleJuspayResponse calls from one IP: the 61st is 429 problem+json and makes no gateway call",
    async () => {
      const id = DRIVERS.juspay.newOrderId();
      await registerOrder(id, 10_000);
      await simOrder(id, { amount: "100.00", status: "PENDING_VBV" });
      const ask: RequestSpec = {
        path: "/handleJuspayResponse",
        init: {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ order_id: id }),
        },
      };
      await freshWindow();
      const ip = freshIp();
      await spend(ip, "juspay_response");
      await expectRateLimited(await from(ip, ask));
      expect(await statusCalls(id)).toBe(0);
      const other = await from(freshIp(), ask);
      expect(other.status).toBe(200);
      expect(await statusCalls(id)).toBe(1);
    },
    BURST_MS,
  );

  it(
    "return legs and /handleJuspayResponse have separate budgets per IP",
    async () => {
      await freshWindow();
      const ip = freshIp();
      await spend(ip, "juspay_response");
      await expectRateLimited(await from(ip, cheap.juspay_response));
      expect((await from(ip, cheap.return)).status).toBe(401);
    },
    BURST_MS,
  );

  it(
    "an attacker rotating addresses inside one IPv6 /64 shares one budget; the next /64 has its own",
    async () => {
      await freshWindow();
      const prefix = freshV6Prefix();
      const statuses = await burst(LIMIT, (i) => from(`${prefix}::${(i + 1).toString(16)}`, cheap.return));
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      await expectRateLimited(await from(`${prefix}:ffff:ffff:ffff:ffff`, cheap.return));
      const [a, b, c, d] = prefix.split(":");
      const neighbour = `${a}:${b}:${c}:${(parseInt(d ?? "0", 16) ^ 1).toString(16)}::1`;
      expect((await from(neighbour, cheap.return)).status).toBe(401);
    },
    BURST_MS,
  );

  it(
    "webhooks are not limited by IP: 61 deliveries from an IP over its limit are all acknowledged",
    async () => {
      const paid = await DRIVERS.juspay.paidOrder(10_000);
      const hook = await DRIVERS.juspay.paidWebhook(paid);
      await freshWindow();
      const ip = freshIp();
      await spend(ip, "return");
      await expectRateLimited(await from(ip, cheap.return));
      const statuses = await burst(LIMIT + 1, () => from(ip, hook));
      expect(statuses).toEqual(Array<number>(LIMIT + 1).fill(200));
    },
    BURST_MS,
  );

  it(
    "/v1 is not limited by it: the merchant's calls from an IP over its limit are answered",
    async () => {
      const paid = await DRIVERS.phonepe.paidOrder(10_000);
      await freshWindow();
      const ip = freshIp();
      await spend(ip, "return");
      await expectRateLimited(await from(ip, cheap.return));
      const res = await api(`/v1/orders/phonepe/${paid}`, { headers: { "cf-connecting-ip": ip } });
      expect(res.status).toBe(200);
    },
    BURST_MS,
  );
});

/** Calls the Worker with one env object (settings read once, problems logged once) from `ip`. */
async function fetchWith(envObject: Env, ip: string, spec: RequestSpec): Promise<Response> {
  const headers = new Headers(spec.init.headers);
  headers.set("cf-connecting-ip", ip);
  const ctx = createExecutionContext();
  const request = new Request(new URL(spec.path, "https://checkpost.test"), { ...spec.init, headers });
  const res = await checkpost.fetch(request, envObject, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function healthProblems(overrides: Record<string, string | undefined>): Promise<string[]> {
  const init = { headers: { authorization: `Bearer ${TEST_BINDINGS.PROXY_API_KEYS.split(",")[0]}` } };
  const res = await fetchWith({ ...env, ...overrides } as unknown as Env, freshIp(), { path: "/v1/health", init });
  return ((await res.json()) as { problems: string[] }).problems;
}

describe("PUBLIC_RATE_LIMIT selects one of the tier bindings", () => {
  it(
    "PUBLIC_RATE_LIMIT=30: the 31st return leg from one IP is 429",
    async () => {
      await freshWindow();
      const ip = freshIp();
      const send = () =>
        callWithEnv({ PUBLIC_RATE_LIMIT: "30" }, cheap.return.path, { headers: { "cf-connecting-ip": ip } });
      const statuses = await burst(30, send);
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      await expectRateLimited(await send());
    },
    BURST_MS,
  );

  it(
    "PUBLIC_RATE_LIMIT=off: 70 return legs from one IP are all let through",
    async () => {
      await freshWindow();
      const ip = freshIp();
      const statuses = await burst(70, () =>
        callWithEnv({ PUBLIC_RATE_LIMIT: "off" }, cheap.return.path, { headers: { "cf-connecting-ip": ip } }),
      );
      expect(statuses).toEqual(Array<number>(70).fill(401));
      expect(await healthProblems({ PUBLIC_RATE_LIMIT: "off" })).toEqual([]);
    },
    BURST_MS,
  );

  it(
    "an unknown PUBLIC_RATE_LIMIT (100) is reported by /v1/health and in one log line, and uses the next lower tier",
    async () => {
      const misconfigured = { ...env, PUBLIC_RATE_LIMIT: "100" } as unknown as Env;
      await freshWindow();
      const ip = freshIp();
      const { result: statuses, lines } = await captureLogs(() =>
        burst(LIMIT + 1, () => fetchWith(misconfigured, ip, cheap.return)),
      );
      expect(statuses.slice(0, LIMIT).filter((s) => s === 429)).toEqual([]);
      expect(statuses[LIMIT]).toBe(429);
      const reported = lines.filter((l) => l.includes("configuration problem"));
      expect(reported).toHaveLength(1);
      expect(reported[0]).toContain("PUBLIC_RATE_LIMIT 100 is not one of 30, 60, 120, 300, 600 or off: using 60");
      expect(await healthProblems({ PUBLIC_RATE_LIMIT: "100" })).toContain(
        "PUBLIC_RATE_LIMIT 100 is not one of 30, 60, 120, 300, 600 or off: using 60",
      );
    },
    BURST_MS,
  );

  it(
    "a deployment without the selected binding is reported by /v1/health and in one log line, and lets requests through",
    async () => {
      const missing = { ...env, RATE_LIMITER_60: undefined } as unknown as Env;
      await freshWindow();
      const ip = freshIp();
      const { result: statuses, lines } = await captureLogs(() =>
        burst(LIMIT + 5, () => fetchWith(missing, ip, cheap.return)),
      );
      expect(statuses).toEqual(Array<number>(LIMIT + 5).fill(401));
      const reported = lines.filter((l) => l.includes("configuration problem"));
      expect(reported).toHaveLength(1);
      expect(reported[0]).toContain("RATE_LIMITER_60 binding is missing");
      expect(await healthProblems({ RATE_LIMITER_60: undefined })).toContain(
        "PUBLIC_RATE_LIMIT: the RATE_LIMITER_60 binding is missing from wrangler.toml: public routes are not limited",
      );
    },
    BURST_MS,
  );

  it("the deployed default reports no rate-limit problem", async () => {
    const problems = await healthProblems({});
    expect(problems.filter((p) => p.includes("RATE_LIMIT"))).toEqual([]);
  });
});

describe("the OpenAPI document", () => {
  it("lists 429 with Retry-After on the limited routes, and not on webhooks", () => {
    const doc = openApiDoc() as { paths: Record<string, Record<string, any>>; components: { headers: any } };
    expect(doc.components.headers.RetryAfter.schema).toMatchObject({ type: "integer" });
    for (const [path, method] of [
      ["/return/{gateway}", "get"],
      ["/return/{gateway}", "post"],
      ["/handleJuspayResponse", "post"],
    ] as const) {
      const answer = doc.paths[path]?.[method].responses["429"];
      expect(answer?.headers?.["Retry-After"], path).toEqual({ $ref: "#/components/headers/RetryAfter" });
    }
    expect(doc.paths["/webhooks/{gateway}"]?.["post"].responses["429"]).toBeUndefined();
  });
});
