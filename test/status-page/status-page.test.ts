/**
 * The hosted status page (`GET /status/:gateway/:order_id?t=…`, product.md §2). Orders are moved through the PhonePe
 * simulator and confirmed with `?refresh=true`; the page token is computed here with WebCrypto from its documented
 * construction (test/tokens.ts, after src/core/signing.ts: HKDF of the first `CHECKPOST_SECRET` key per purpose),
 * never by calling checkpost's signer.
 */
import { describe, expect, it } from "vitest";
import { api, call } from "../helpers";
import { createOrder, newOrderId, simJson } from "../phonepe/support";
import { checkpostToken } from "../tokens";

function orderToken(purpose: "return" | "status", orderId: string): Promise<string> {
  return checkpostToken(purpose, "phonepe", orderId);
}

const statusToken = (orderId: string) => orderToken("status", orderId);

/** A PhonePe order of `amount` paise, settled at the simulator and confirmed by checkpost. */
async function orderIn(outcome: Record<string, unknown> | null, amount = 49_900): Promise<string> {
  const orderId = newOrderId("SP");
  const { res } = await createOrder(orderId, {
    amount,
    customer: { email: "buyer@example.com", phone: "9876543210" },
  });
  expect(res.status).toBe(201);
  if (outcome) {
    await simJson(`/orders/${orderId}/outcome`, outcome);
    expect((await api(`/v1/orders/phonepe/${orderId}?refresh=true`)).status).toBe(200);
  }
  return orderId;
}

async function page(orderId: string): Promise<{ res: Response; html: string }> {
  const res = await call(`/status/phonepe/${orderId}?t=${await statusToken(orderId)}`, {
    headers: { accept: "text/html" },
  });
  return { res, html: await res.text() };
}

describe("hosted status page", () => {
  it("shows a confirmed payment's state and amount in an English page with a status live region", async () => {
    const { res, html } = await page(await orderIn({ state: "COMPLETED" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
    expect(html).toMatch(/<div id="s" class="state succeeded" role="status" data-final="1">/);
    expect(html).toContain("<h1>Payment received</h1>");
    expect(html).toContain("<title>Payment received</title>");
    expect(html).toContain('<dd class="amount">₹499.00</dd>');
  });

  it("stops updating itself once the payment is final", async () => {
    const { html } = await page(await orderIn({ state: "FAILED" }));
    expect(html).toContain("<h1>Payment failed</h1>");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("http-equiv");
    expect(html).not.toContain("updates by itself");
  });

  it("updates itself while the payment is pending: this origin's script under a CSP that allows no inline code, a plain refresh without script", async () => {
    const { res, html } = await page(await orderIn({ state: "PENDING" }));
    expect(html).toContain('data-final="0"');
    expect(html).toContain("<h1>Confirming your payment…</h1>");
    expect(html).toContain("This page updates by itself.");
    expect(html).toContain('<script src="/assets/status.js" data-polls="200" data-ms="3000"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/assets/page.css">');
    expect(html).not.toMatch(/<style|<script>|nonce=/);
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="3"></noscript>');
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
  });

  it("shows the new state after the gateway confirms it (what the page's script fetches)", async () => {
    const orderId = await orderIn(null);
    expect((await page(orderId)).html).toContain('class="state created" role="status" data-final="0"');
    await simJson(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
    await api(`/v1/orders/phonepe/${orderId}?refresh=true`);
    expect((await page(orderId)).html).toContain('class="state succeeded" role="status" data-final="1"');
  });

  it("says 'under review' for an amount mismatch, never 'received', and does not say why", async () => {
    const { html } = await page(await orderIn({ state: "COMPLETED", reportedAmount: 100 }));
    expect(html).toContain("<h1>Payment under review</h1>");
    expect(html).not.toContain("Payment received");
    expect(html).not.toMatch(/mismatch|amount_/i);
  });

  it("shows no internal detail: gateway status or reference, customer data, request id", async () => {
    const orderId = await orderIn({ state: "COMPLETED" });
    const order = (await (await api(`/v1/orders/phonepe/${orderId}`)).json()) as any;
    const { res, html } = await page(orderId);
    for (const secret of [
      "COMPLETED",
      order.gateway_reference,
      "buyer@example.com",
      "9876543210",
      res.headers.get("x-request-id"),
      "phonepe",
    ]) {
      expect(secret).toBeTruthy();
      expect(html).not.toContain(secret);
    }
  });

  it("answers 404 with a short HTML page and no order data for a wrong token", async () => {
    const orderId = await orderIn({ state: "COMPLETED" });
    const res = await call(`/status/phonepe/${orderId}?t=${await statusToken(`${orderId}x`)}`, {
      headers: { accept: "text/html" },
    });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).not.toContain("499.00");
    expect(html).not.toContain(orderId);
  });

  it("answers 404 for a token minted for another page purpose (the return token)", async () => {
    const orderId = await orderIn({ state: "COMPLETED" });
    const token = await orderToken("return", orderId);
    expect((await call(`/status/phonepe/${orderId}?t=${token}`)).status).toBe(404);
  });
});
