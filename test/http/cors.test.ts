/**
 * `/handleJuspayResponse` is for the merchant's front end, so a browser on a listed origin (`ALLOWED_ORIGINS`) may call
 * it; every other origin, and every other route, gets no CORS headers.
 */
import { describe, expect, it } from "vitest";
import { callWithEnv } from "../helpers";

const SHOP = "https://shop.example";
const ORIGINS = { ALLOWED_ORIGINS: `${SHOP}, https://m.shop.example` };

const preflight = (origin: string, path = "/handleJuspayResponse", env: Record<string, string> = ORIGINS) =>
  callWithEnv(env, path, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });

const post = (origin: string, json: unknown, env: Record<string, string> = ORIGINS) =>
  callWithEnv(env, "/handleJuspayResponse", { method: "POST", headers: { origin }, json });

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith("access-control-"));

describe("CORS on /handleJuspayResponse", () => {
  it("answers a preflight from a listed origin with 204 and the methods, headers and max-age the call may use", async () => {
    const res = await preflight(SHOP);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(res.headers.get("access-control-allow-methods")).toBe("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type");
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(res.headers.get("vary")).toContain("Origin");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect((await preflight("https://m.shop.example")).headers.get("access-control-allow-origin")).toBe(
      "https://m.shop.example",
    );
  });

  it("lets a listed origin read the answer, errors included", async () => {
    const missing = await post(SHOP, {});
    expect(missing.status).toBe(400);
    expect(missing.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(missing.headers.get("access-control-expose-headers")).toBe("x-request-id");
    const unknown = await post(SHOP, { order_id: "cors_unknown_order" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(unknown.headers.get("vary")).toContain("Origin");
  });

  it("gives an unlisted origin no CORS headers: its preflight is 405 as before, its call is answered without them", async () => {
    const res = await preflight("https://evil.example");
    expect(res.status).toBe(405);
    expect(corsHeaders(res)).toEqual([]);
    const call = await post("https://evil.example", {});
    expect(call.status).toBe(400);
    expect(corsHeaders(call)).toEqual([]);
  });

  it("gives no origin CORS headers when ALLOWED_ORIGINS is empty", async () => {
    const res = await preflight(SHOP, "/handleJuspayResponse", { ALLOWED_ORIGINS: "" });
    expect(res.status).toBe(405);
    expect(corsHeaders(res)).toEqual([]);
    expect(corsHeaders(await post(SHOP, {}, { ALLOWED_ORIGINS: "" }))).toEqual([]);
  });

  it.each(["/v1/orders", "/return/juspay", "/webhooks/juspay", "/healthz", "/status/juspay/x"])(
    "answers no CORS on %s, even to a listed origin",
    async (path) => {
      const res = await preflight(SHOP, path);
      expect(res.status).not.toBe(204);
      expect(corsHeaders(res)).toEqual([]);
    },
  );
});
