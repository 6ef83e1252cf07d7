/**
 * checkpost's own tokens are keyed by `CHECKPOST_SECRET`, which only checkpost holds (product.md §1), never by
 * `MERCHANT_WEBHOOK_SECRET`, which the merchant and any relay it uses hold to verify events and redirects.
 *
 * The attacker here holds every `MERCHANT_WEBHOOK_SECRET` key and knows checkpost's source, so tries both the
 * construction checkpost used before (HMAC under the `whsec_` key) and today's construction with the `whsec_` key in
 * place of the secret it lacks. Then: what a deployment without a usable `CHECKPOST_SECRET` does.
 */
import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { api, call, callWithEnv, captureLogs, expectProblem, gatewayCalls } from "../helpers";
import { configureJuspaySim } from "../juspay/support";
import { b64, createOrder as createNimbblOrder, countCalls } from "../nimbbl/support";
import { createOrder, newOrderId, simJson } from "../phonepe/support";
import { checkpostToken, hmacBase64Url } from "../tokens";

const WHSEC_KEYS = TEST_BINDINGS.MERCHANT_WEBHOOK_SECRET.split(" ");

/** Every token a holder of MERCHANT_WEBHOOK_SECRET can compute for an order. */
async function forgedTokens(purpose: "return" | "status", gateway: string, orderId: string): Promise<string[]> {
  const forged: string[] = [];
  for (const whsec of WHSEC_KEYS) {
    const raw = whsec.slice("whsec_".length);
    const bytes = Uint8Array.from(atob(raw), (c) => c.charCodeAt(0));
    forged.push(await hmacBase64Url(bytes, `checkpost:${purpose}:v1:${gateway}:${orderId}`));
    forged.push(await checkpostToken(purpose, gateway, orderId, raw));
    forged.push(await checkpostToken(purpose, gateway, orderId, btoa(whsec)));
  }
  return forged;
}

function phonepeStatusCalls(orderId: string) {
  return gatewayCalls("phonepe", `/checkout/v2/order/${orderId}/status`);
}

describe("a holder of MERCHANT_WEBHOOK_SECRET cannot mint a status-page or return token", () => {
  it("a return token forged for a paid PhonePe order is 401: no status call, nothing recorded", async () => {
    const orderId = newOrderId("FG");
    expect((await createOrder(orderId)).res.status).toBe(201);
    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    for (const t of await forgedTokens("return", "phonepe", orderId)) {
      const res = await call(`/return/phonepe?order_id=${orderId}&t=${encodeURIComponent(t)}`, { redirect: "manual" });
      await expectProblem(res, 401, "invalid_signature");
    }
    expect(await phonepeStatusCalls(orderId)).toHaveLength(0);
    const events: any = await (await api(`/v1/orders/phonepe/${orderId}/events`)).json();
    expect(events.data.filter((e: any) => e.source === "return")).toEqual([]);
    // The token only checkpost can mint still works.
    const genuine = await checkpostToken("return", "phonepe", orderId);
    expect((await call(`/return/phonepe?order_id=${orderId}&t=${genuine}`, { redirect: "manual" })).status).toBe(303);
  });

  it("a status-page link forged for a paid order is 404 and shows nothing of the order", async () => {
    const orderId = newOrderId("FS");
    expect((await createOrder(orderId, { amount: 49_900 })).res.status).toBe(201);
    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    expect((await api(`/v1/orders/phonepe/${orderId}?refresh=true`)).status).toBe(200);
    for (const t of await forgedTokens("status", "phonepe", orderId)) {
      const res = await call(`/status/phonepe/${orderId}?t=${encodeURIComponent(t)}`, {
        headers: { accept: "text/html" },
      });
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).not.toContain("499.00");
      expect(html).not.toContain("Payment received");
    }
    const genuine = await checkpostToken("status", "phonepe", orderId);
    const page = await call(`/status/phonepe/${orderId}?t=${genuine}`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Payment received");
  });

  it("a return token forged for a Nimbbl order cannot vouch for an unsigned (cancelled) checkout", async () => {
    const { orderId } = await createNimbblOrder(1250);
    const cancelled = b64(JSON.stringify({ status: "failed", transaction: null, order: { invoice_id: orderId } }));
    for (const t of await forgedTokens("return", "nimbbl", orderId)) {
      const path = `/return/nimbbl?order_id=${orderId}&t=${encodeURIComponent(t)}&response=${encodeURIComponent(cancelled)}`;
      await expectProblem(await call(path, { redirect: "manual" }), 401, "invalid_signature");
    }
    expect(await countCalls("transaction-enquiry", orderId)).toBe(0);
  });
});

describe("without a usable CHECKPOST_SECRET", () => {
  const SHORT = btoa("only-twenty-four-bytes!!");
  const cases: [string, string][] = [
    ["missing", ""],
    ["too short", SHORT],
    ["not base64", "this is not base64 at all, it has spaces and * stars"],
  ];

  it.each(cases)("(%s) the PhonePe return leg is off: 404 gateway_not_configured, no status call", async (_, value) => {
    const orderId = newOrderId("NS");
    expect((await createOrder(orderId)).res.status).toBe(201);
    const t = await checkpostToken("return", "phonepe", orderId);
    const res = await callWithEnv({ CHECKPOST_SECRET: value }, `/return/phonepe?order_id=${orderId}&t=${t}`);
    await expectProblem(res, 404, "gateway_not_configured");
    expect(await phonepeStatusCalls(orderId)).toHaveLength(0);
  });

  it.each(cases)("(%s) the status page is off: 404 status_page_not_configured, not a 500", async (_, value) => {
    const orderId = newOrderId("NP");
    expect((await createOrder(orderId)).res.status).toBe(201);
    const t = await checkpostToken("status", "phonepe", orderId);
    const res = await callWithEnv({ CHECKPOST_SECRET: value }, `/status/phonepe/${orderId}?t=${t}`);
    await expectProblem(res, 404, "status_page_not_configured");
  });

  it.each(cases)(
    "(%s) POST /v1/orders for PhonePe is refused before any gateway call, and nothing is stored",
    async (_, value) => {
      const orderId = newOrderId("NO");
      const res = await callWithEnv({ CHECKPOST_SECRET: value }, "/v1/orders", {
        method: "POST",
        json: { gateway: "phonepe", order_id: orderId, amount: 10_000, currency: "INR" },
      });
      const body = await expectProblem(res, 404, "gateway_not_configured");
      expect(body["detail"]).toBe("CHECKPOST_SECRET is not set");
      const pays = await gatewayCalls("phonepe", "/checkout/v2/pay");
      expect(pays.filter((c) => c.body.includes(orderId))).toHaveLength(0);
      await expectProblem(await api(`/v1/orders/phonepe/${orderId}`), 404, "order_not_found");
    },
  );

  it("Juspay and Nimbbl orders are still created; Nimbbl's callback URL then carries no token", async () => {
    await configureJuspaySim();
    const juspay = await callWithEnv({ CHECKPOST_SECRET: "" }, "/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: newOrderId("NJ"), amount: 10_000, currency: "INR" },
    });
    expect(juspay.status).toBe(201);
    const nimbblId = newOrderId("NN");
    const nimbbl = await callWithEnv({ CHECKPOST_SECRET: "" }, "/v1/orders", {
      method: "POST",
      json: { gateway: "nimbbl", order_id: nimbblId, amount: 1250, currency: "INR" },
    });
    expect(nimbbl.status).toBe(201);
    const calls = await gatewayCalls("nimbbl", "create-order");
    const created = calls.find((c) => c.body.includes(nimbblId));
    const callback = new URL(JSON.parse(created?.body ?? "{}").callback_url);
    expect(callback.searchParams.get("order_id")).toBe(nimbblId);
    expect(callback.searchParams.has("t")).toBe(false);
  });

  it.each(cases)("(%s) /v1/health names the problem, /healthz only its area, neither the value", async (_, value) => {
    const { result: texts, lines } = await captureLogs(async () => [
      await (await callWithEnv({ CHECKPOST_SECRET: value }, "/v1/health")).text(),
      await (await callWithEnv({ CHECKPOST_SECRET: value }, "/healthz")).text(),
    ]);
    const [detail = "", open = ""] = texts;
    const problems: string[] = JSON.parse(detail).problems;
    expect(problems.some((p) => p.startsWith("CHECKPOST_SECRET ") && p.includes("status page"))).toBe(true);
    expect(JSON.parse(open)).toMatchObject({ ok: false, problems: ["checkpost_tokens"] });
    for (const seen of [...texts, ...lines]) {
      if (value) expect(seen).not.toContain(value);
      for (const key of TEST_BINDINGS.CHECKPOST_SECRET.split(" ")) expect(seen).not.toContain(key);
    }
  });

  it("/v1/health reports no CHECKPOST_SECRET problem when it is set", async () => {
    const problems: string[] = ((await (await api("/v1/health")).json()) as any).problems;
    expect(problems.filter((p) => p.includes("CHECKPOST_SECRET"))).toEqual([]);
  });
});
