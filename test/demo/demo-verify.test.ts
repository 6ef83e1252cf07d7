/**
 * The demo merchant's checks (sim/src/demo-verify.ts) and its amount parsing. Fixtures are signed here with WebCrypto
 * straight from the documented algorithms (README "Verifying checkpost's signed redirect"; the Standard Webhooks
 * spec), and one redirect comes from checkpost's real return leg.
 */
import { describe, expect, it } from "vitest";
import { paiseFromRupees } from "../../sim/src/demo";
import { verifyCheckpostRedirect, verifyEvent } from "../../sim/src/demo-verify";
import { TEST_BINDINGS } from "../bindings";
import { call } from "../helpers";
import { createOrder, newOrderId, simJson } from "../phonepe/support";

const [WHSEC = "", OTHER = ""] = TEST_BINDINGS.MERCHANT_WEBHOOK_SECRET.split(" ");
const now = () => Math.floor(Date.now() / 1000);

async function hmacBase64(whsec: string, message: string): Promise<string> {
  const raw = Uint8Array.from(atob(whsec.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return btoa(String.fromCharCode(...mac));
}

/** README steps 1-3, written out. */
async function signedReturn(params: Record<string, string>, whsec = WHSEC): Promise<URL> {
  const url = new URL("http://shop.test/demo/return");
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const canonical = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join("&");
  url.searchParams.set("signature", `v1,${await hmacBase64(whsec, canonical)}`);
  return url;
}

const RESULT = { gateway: "juspay", order_id: "demo_1", status: "succeeded", amount: "49900", currency: "INR" };

describe("the demo merchant's redirect check", () => {
  it("accepts a result signed as the README describes", async () => {
    const url = await signedReturn({ ...RESULT, ts: String(now()) });
    expect(await verifyCheckpostRedirect(url, WHSEC, now())).toEqual({ ok: true });
  });

  it("accepts the redirect checkpost's return leg really sends", async () => {
    const orderId = newOrderId("DV");
    await createOrder(orderId);
    const { redirectUrl } = await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    const res = await call(redirectUrl, { redirect: "manual" });
    const url = new URL(res.headers.get("location") ?? "");
    expect(url.searchParams.get("status")).toBe("succeeded");
    expect(await verifyCheckpostRedirect(url, WHSEC, now())).toEqual({ ok: true });
  });

  it("refuses a result whose status was changed", async () => {
    const url = await signedReturn({ ...RESULT, status: "failed", ts: String(now()) });
    url.searchParams.set("status", "succeeded");
    expect(await verifyCheckpostRedirect(url, WHSEC, now())).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("refuses a result signed with another key", async () => {
    const url = await signedReturn({ ...RESULT, ts: String(now()) }, OTHER);
    expect((await verifyCheckpostRedirect(url, WHSEC, now())).ok).toBe(false);
  });

  it("refuses a result more than 5 minutes old, or from more than 5 minutes ahead", async () => {
    for (const ts of [now() - 301, now() + 301]) {
      const url = await signedReturn({ ...RESULT, ts: String(ts) });
      expect(await verifyCheckpostRedirect(url, WHSEC, now())).toEqual({
        ok: false,
        reason: "ts is more than 5 minutes away",
      });
    }
  });

  it("refuses a result without a v1 signature", async () => {
    const url = await signedReturn({ ...RESULT, ts: String(now()) });
    url.searchParams.delete("signature");
    expect(await verifyCheckpostRedirect(url, WHSEC, now())).toEqual({ ok: false, reason: "no v1 signature" });
  });
});

describe("the demo merchant's event check (Standard Webhooks)", () => {
  const body = JSON.stringify({
    type: "payment.succeeded",
    timestamp: "2026-11-21T10:00:00.000Z",
    data: { sequence: 3, order: { gateway: "phonepe", order_id: "demo_2", status: "succeeded" } },
  });

  async function headers(id: string, ts: number, payload: string, keys = [WHSEC]): Promise<Headers> {
    const sigs = await Promise.all(keys.map(async (k) => `v1,${await hmacBase64(k, `${id}.${ts}.${payload}`)}`));
    return new Headers({ "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sigs.join(" ") });
  }

  it("accepts a signed event and reads its type, sequence and order", async () => {
    expect(verifyEvent(WHSEC, body, await headers("evt_1", now(), body))).toEqual({
      id: "evt_1",
      type: "payment.succeeded",
      sequence: 3,
      order: { gateway: "phonepe", order_id: "demo_2", status: "succeeded" },
    });
  });

  it("accepts an event signed by several keys when one of them is the demo's (key rotation)", async () => {
    expect(verifyEvent(WHSEC, body, await headers("evt_2", now(), body, [OTHER, WHSEC]))?.id).toBe("evt_2");
  });

  it("refuses an event whose body changed after signing", async () => {
    const signed = await headers("evt_3", now(), body);
    expect(verifyEvent(WHSEC, body.replace("succeeded", "failed"), signed)).toBeNull();
  });

  it("refuses an event signed more than 5 minutes ago", async () => {
    expect(verifyEvent(WHSEC, body, await headers("evt_4", now() - 600, body))).toBeNull();
  });

  it("refuses an event without signature headers", () => {
    expect(verifyEvent(WHSEC, body, new Headers())).toBeNull();
  });
});

describe("the demo shop's amount field", () => {
  it.each([
    ["499", 49_900],
    ["499.5", 49_950],
    ["499.05", 49_905],
    [" 1.00 ", 100],
    ["0.01", 1],
  ])("reads %s rupees as %i paise", (text, paise) => {
    expect(paiseFromRupees(text)).toBe(paise);
  });

  it.each(["", "abc", "1.234", "-5", "1e3", "12345678"])("refuses %j", (text) => {
    expect(paiseFromRupees(text)).toBeNull();
  });
});
