/**
 * The demo shop's own routes (sim/src/demo.ts) where they do not need checkpost to answer: the form, its input
 * checks, and what it refuses at its return page and event endpoint. (Whole payments through the shop run in a
 * real browser: test/e2e/demo.test.mjs.) Signatures are made here with WebCrypto from the documented algorithms.
 */
import { describe, expect, it } from "vitest";
import { GATEWAY_IDS } from "../../src/core/model";
import { TEST_BINDINGS } from "../bindings";
import { sim } from "../helpers";

const WHSEC = TEST_BINDINGS.MERCHANT_WEBHOOK_SECRET.split(" ")[0] ?? "";

async function hmacBase64(message: string): Promise<string> {
  const raw = Uint8Array.from(atob(WHSEC.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return btoa(
    String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)))),
  );
}

function pay(form: string): Promise<Response> {
  return sim("/demo/pay", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
}

describe("the demo shop", () => {
  it("serves its checkout form in English with a labelled amount field", async () => {
    const res = await sim("/demo/");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<form method="post" action="/demo/pay">');
    expect(html).toContain('<label for="amount">');
    for (const gateway of GATEWAY_IDS) expect(html).toContain(`value="${gateway}"`);
  });

  it.each(["0.99", "abc", "1.234", ""])("refuses the amount %j with an alert, and creates no order", async (amount) => {
    const res = await pay(`gateway=phonepe&amount=${encodeURIComponent(amount)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('role="alert"');
  });

  it("refuses an unknown gateway", async () => {
    const res = await pay("gateway=stripe&amount=10.00");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Pick a gateway.");
  });

  it("refuses a return whose signature does not verify", async () => {
    const ts = Math.floor(Date.now() / 1000);
    const res = await sim(
      `/demo/return?gateway=juspay&order_id=demo_x&status=succeeded&amount=100&currency=INR&ts=${ts}&signature=v1,AAAA`,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("signature does not match");
  });

  it("refuses a correctly signed return for an order this shop did not start", async () => {
    const params: [string, string][] = [
      ["gateway", "juspay"],
      ["order_id", "demo_not_ours"],
      ["status", "succeeded"],
      ["amount", "100"],
      ["currency", "INR"],
      ["ts", String(Math.floor(Date.now() / 1000))],
    ];
    const canonical = params
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join("&");
    const query = new URLSearchParams([...params, ["signature", `v1,${await hmacBase64(canonical)}`]]);
    const res = await sim(`/demo/return?${query.toString()}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("this shop did not start that order");
  });

  it("answers 400 to an event that does not verify and 204 to one that does", async () => {
    const body = JSON.stringify({
      type: "payment.succeeded",
      timestamp: "2026-11-21T10:00:00Z",
      data: { sequence: 1 },
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v1,${await hmacBase64(`evt_demo.${ts}.${body}`)}`;
    const post = (sig: string) =>
      sim("/demo/webhooks", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": "evt_demo",
          "webhook-timestamp": ts,
          "webhook-signature": sig,
        },
        body,
      });
    expect((await post("v1,bm90IGl0")).status).toBe(400);
    expect((await post(signature)).status).toBe(204);
  });
});
