/**
 * Configuration that fails loudly (product.md §1–2): `/healthz` answers 503 when anything configured is broken and
 * names problems without revealing which secrets exist; `/v1/health` has the detail; every problem is logged once.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { loadConfig } from "../../src/config";
import checkpost from "../../src/index";
import { API_KEY, call, callWithEnv, captureLogs, expectProblem } from "../helpers";

type Health = { ok: boolean; gateways: Record<string, any>; features?: Record<string, any>; problems: string[] };

/** One request to the Worker with `envObject` as it is (the same object: settings are read once for it). */
async function fetchWith(envObject: Env, url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await checkpost.fetch(new Request(url, init), envObject, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const withEnv = (overrides: Record<string, string>) => ({ ...env, ...overrides }) as unknown as Env;
const detail = { headers: { authorization: `Bearer ${API_KEY}` } };

async function both(overrides: Record<string, string>): Promise<{ status: number; open: Health; full: Health }> {
  const res = await callWithEnv(overrides, "/healthz");
  const open = (await res.json()) as Health;
  const full = (await (await callWithEnv(overrides, "/v1/health")).json()) as Health;
  return { status: res.status, open, full };
}

describe("/healthz", () => {
  it("answers 200 ok with each gateway's enabled flag only, and no problems, when everything is sound", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      gateways: { juspay: { enabled: true }, phonepe: { enabled: true }, nimbbl: { enabled: true } },
      problems: [],
    });
  });

  it("treats a gateway without its secrets as disabled, not broken: still 200, and no secret is named", async () => {
    const { status, open, full } = await both({ NIMBBL_ACCESS_SECRET: "" });
    expect(status).toBe(200);
    expect(open).toMatchObject({ ok: true, problems: [] });
    expect(open.gateways["nimbbl"]).toEqual({ enabled: false });
    expect(JSON.stringify(open)).not.toContain("NIMBBL_");
    expect(full.gateways["nimbbl"]).toEqual({ enabled: false, missing: ["NIMBBL_ACCESS_SECRET"] });
  });

  it("answers 503 naming a misconfigured gateway by its id", async () => {
    const { status, open, full } = await both({ PHONEPE_BASE_URL: "not a url" });
    expect(status).toBe(503);
    expect(open).toMatchObject({ ok: false, problems: ["phonepe"] });
    expect(full.ok).toBe(false);
    expect(full.problems.some((p) => p.startsWith("phonepe: PHONEPE_BASE_URL"))).toBe(true);
  });

  it("reads the same for a missing and a malformed MERCHANT_WEBHOOK_SECRET, and /v1/health says what it stops", async () => {
    const missing = await both({ MERCHANT_WEBHOOK_SECRET: "" });
    const malformed = await both({ MERCHANT_WEBHOOK_SECRET: "not-a-whsec-key" });
    for (const seen of [missing, malformed]) {
      expect(seen.status).toBe(503);
      expect(seen.open.problems).toEqual(["merchant_signing"]);
      expect(JSON.stringify(seen.open)).not.toContain("MERCHANT_WEBHOOK_SECRET");
    }
    expect(missing.full.features).toMatchObject({
      signed_return: { enabled: false, missing: ["MERCHANT_WEBHOOK_SECRET"] },
      events: { enabled: false, missing: ["MERCHANT_WEBHOOK_SECRET"] },
    });
    expect(missing.full.problems.join("\n")).toContain("MERCHANT_WEBHOOK_SECRET is not set");
  });

  it("reads the same for missing API keys as for any other secret area", async () => {
    const { status, open } = await both({ PROXY_API_KEYS: "" });
    expect(status).toBe(503);
    expect(open.problems).toEqual(["api_keys"]);
  });

  it.each([
    ["MAX_REFUNDS_PER_ORDER", "ten"],
    ["MAX_REFUNDS_PER_ORDER", "0"],
    ["LOG_LEVEL", "verbose"],
    ["GATEWAY_TIMEOUT_MS", "fast"],
    ["PUBLIC_RATE_LIMIT", "100"],
    ["ALLOWED_ORIGINS", "shop.example"],
    ["MERCHANT_RETURN_URL", "/relative"],
  ])("answers 503 for a malformed %s (%s) instead of falling back silently", async (name, value) => {
    const { status, open, full } = await both({ [name]: value });
    expect(status).toBe(503);
    expect(open).toMatchObject({ ok: false, problems: [name] });
    expect(full.problems).toEqual([expect.stringMatching(new RegExp(`^${name}`))]);
  });

  it("reads a well-formed MAX_REFUNDS_PER_ORDER and ALLOWED_ORIGINS, and keeps the default refund limit when unset", () => {
    const config = loadConfig(
      withEnv({ MAX_REFUNDS_PER_ORDER: "3", ALLOWED_ORIGINS: "https://Shop.example, http://localhost:3000/" }),
    );
    expect(config.maxRefundsPerOrder).toBe(3);
    expect(config.allowedOrigins).toEqual(["https://shop.example", "http://localhost:3000"]);
    expect(config.problems).toEqual([]);
    expect(loadConfig(withEnv({ MAX_REFUNDS_PER_ORDER: "" })).maxRefundsPerOrder).toBe(10);
  });

  it("counts a localhost PUBLIC_BASE_URL as a problem when checkpost is not served from localhost", async () => {
    const deployed = withEnv({ PUBLIC_BASE_URL: "http://localhost:8787" });
    const res = await fetchWith(deployed, "https://checkpost.example/healthz");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, problems: ["PUBLIC_BASE_URL"] });
  });

  it("accepts a localhost PUBLIC_BASE_URL in local development (a request to localhost itself)", async () => {
    for (const host of ["http://localhost:8787", "http://127.0.0.1:8787"]) {
      const res = await fetchWith(withEnv({ PUBLIC_BASE_URL: "http://localhost:8787" }), `${host}/healthz`);
      expect(res.status).toBe(200);
    }
  });
});

describe("/v1/health", () => {
  it("is behind the API key", async () => {
    await expectProblem(await call("/v1/health"), 401, "unauthorized");
  });

  it("gives each gateway's and feature's state, and what it lacks", async () => {
    const res = await callWithEnv({ CHECKPOST_SECRET: "", ALLOWED_ORIGINS: "https://shop.example" }, "/v1/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Health;
    expect(body.gateways["juspay"]).toEqual({ enabled: true });
    expect(body.features).toMatchObject({
      api: { enabled: true },
      events: { enabled: true },
      status_page: { enabled: false, missing: ["CHECKPOST_SECRET"] },
      phonepe_return: { enabled: false, missing: ["CHECKPOST_SECRET"] },
      juspay_sdk_signing: { enabled: false, missing: ["JUSPAY_SDK_SIGNING_KEY"] },
      cors: { enabled: true },
    });
  });
});

describe("start-up validation", () => {
  it("logs one line per problem, once per deployment, gateway misconfiguration included", async () => {
    const broken = withEnv({ LOG_LEVEL: "loud", JUSPAY_BASE_URL: "nope", MAX_REFUNDS_PER_ORDER: "-1" });
    const { lines } = await captureLogs(async () => {
      await fetchWith(broken, "https://checkpost.test/healthz", detail);
      await fetchWith(broken, "https://checkpost.test/v1/health", detail);
    });
    const reported = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "configuration problem");
    expect(reported.map((l) => l.level)).toEqual(["error", "error", "error"]);
    expect(reported.map((l) => String(l.problem).split(" ")[0]).sort()).toEqual([
      "LOG_LEVEL",
      "MAX_REFUNDS_PER_ORDER",
      "juspay:",
    ]);
  });
});
