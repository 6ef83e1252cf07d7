/**
 * checkpost's hosted status page in Chromium (what customers see when no MERCHANT_RETURN_URL is set): it shows the
 * state and amount, updates itself in place (no reload) when the payment is confirmed, breaks no CSP rule, and
 * says nothing about an order whose link is wrong.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkpostApi, env, eventually, openBrowser, screenshot, statusPageUrl } from "./browser.mjs";

async function phonepeOrder() {
  const orderId = `e2e_status_${Date.now().toString(36)}`;
  const created = await checkpostApi("/v1/orders", {
    method: "POST",
    body: JSON.stringify({ gateway: "phonepe", order_id: orderId, amount: 49_900, currency: "INR" }),
  });
  assert.equal(created.status, 201);
  return orderId;
}

async function simControl(path, body) {
  const res = await fetch(new URL(`/__control/phonepe${path}`, env.sim), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return res.json();
}

describe("the hosted status page, in a browser", () => {
  let browser;
  before(async () => {
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it("updates itself in place from 'pending' to 'received' when PhonePe's callback is confirmed", async () => {
    const orderId = await phonepeOrder();
    await simControl(`/orders/${orderId}/outcome`, { state: "PENDING" });
    await checkpostApi(`/v1/orders/phonepe/${orderId}?refresh=true`);
    const page = await browser.context.newPage();
    const problems = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    try {
      await page.goto(statusPageUrl("phonepe", orderId));
      assert.equal(await page.getAttribute("html", "lang"), "en");
      assert.equal(await page.locator('[role="status"] h1').innerText(), "Confirming your payment…");
      assert.match(await page.locator(".amount").innerText(), /₹499\.00/);
      await screenshot(page, "status-page-pending", "main");
      await page.evaluate(() => {
        window.stillTheSameDocument = true;
      });

      await simControl(`/orders/${orderId}/outcome`, { state: "COMPLETED" });
      const callback = await simControl("/callbacks", { merchantOrderId: orderId, deliver: true });
      assert.equal(callback.delivered, 200);
      const headline = () => page.locator('[role="status"] h1').innerText();
      assert.equal(await eventually(headline, "Payment received", 25_000), "Payment received");
      assert.equal(await page.evaluate(() => window.stillTheSameDocument), true, "updated without a reload");
      assert.equal(await page.title(), "Payment received");
      assert.deepEqual(problems, [], "no script error or CSP violation");
      await screenshot(page, "status-page", "main");
    } finally {
      await page.close();
    }
  });

  it("shows a short error page, and no order data, for a link with a wrong token", async () => {
    const orderId = await phonepeOrder();
    const page = await browser.context.newPage();
    try {
      const res = await page.goto(statusPageUrl("phonepe", orderId).replace(/t=[^&]+/, "t=wrong"));
      assert.equal(res?.status(), 404);
      const body = await page.locator("body").innerText();
      assert.doesNotMatch(body, /499|Payment received|Confirming/);
      assert.doesNotMatch(body, new RegExp(orderId));
    } finally {
      await page.close();
    }
  });
});
