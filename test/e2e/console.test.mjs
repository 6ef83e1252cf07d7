/**
 * The operator console (`/console/`) in Chromium, against checkpost and the simulator: a wrong key is refused, the
 * right one signs in (kept for the tab), orders are filtered from the D1 index, an order's page shows its audit
 * trail, a refund goes through a confirmation step, a delivered event is sent again, and the dashboard draws its
 * charts, all under the console's strict CSP with no script error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkpostApi, env, eventually, openBrowser, screenshot } from "./browser.mjs";

const consoleUrl = `${env.checkpost}/console/`;
const prefix = `e2e_console_${Date.now().toString(36)}`;
const paidId = `${prefix}_paid`;

async function simControl(path, body) {
  const res = await fetch(new URL(`/__control/phonepe${path}`, env.sim), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return res.json();
}

describe("the operator console, in a browser", () => {
  let browser;
  let page;
  const problems = [];

  before(async () => {
    // A paid PhonePe order, and two orders only registered.
    const created = await checkpostApi("/v1/orders", {
      method: "POST",
      body: JSON.stringify({ gateway: "phonepe", order_id: paidId, amount: 49_900, currency: "INR" }),
    });
    assert.equal(created.status, 201);
    await simControl(`/orders/${paidId}/outcome`, { state: "COMPLETED" });
    const paid = await checkpostApi(`/v1/orders/phonepe/${paidId}?refresh=true`);
    assert.equal(paid.body.status, "succeeded");
    for (const n of [1, 2]) {
      const reg = await checkpostApi("/v1/orders", {
        method: "POST",
        body: JSON.stringify({
          gateway: "nimbbl",
          order_id: `${prefix}_reg${n}`,
          amount: 1000 * n,
          currency: "INR",
          register_only: true,
        }),
      });
      assert.equal(reg.status, 201);
    }
    browser = await openBrowser();
    page = await browser.context.newPage();
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
  });
  after(async () => {
    await browser?.close();
  });

  it("is served with a strict Content-Security-Policy and no third-party asset", async () => {
    const res = await page.goto(consoleUrl);
    assert.equal(res?.status(), 200);
    const csp = (await res.allHeaders())["content-security-policy"] ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    const origins = await page.evaluate(() =>
      performance.getEntriesByType("resource").map((e) => new URL(e.name).origin),
    );
    assert.deepEqual(
      [...new Set(origins)].filter((o) => o !== new URL(page.url()).origin),
      [],
    );
  });

  it("refuses a wrong key and keeps the sign-in form", async () => {
    await page.goto(consoleUrl);
    await page.getByLabel("API key").fill("not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#status", { hasText: "refused" }).waitFor();
    assert.equal(await page.getByLabel("API key").isVisible(), true);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("checkpost.apiKey")), null);
  });

  it("signs in with an API key kept for the tab, and filters orders from the index", async () => {
    await page.getByLabel("API key").fill(env.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Orders" }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("checkpost.apiKey")), env.apiKey);
    assert.equal(await page.evaluate(() => localStorage.length), 0);

    const rows = () => page.locator("#orders tbody tr").allInnerTexts();
    const filter = async (status) => {
      await page.getByLabel("Order id starts with").fill(prefix);
      await page.getByLabel("Status", { exact: true }).selectOption(status);
      await page.getByRole("button", { name: "Filter" }).click();
    };
    // The index shows a change within 5 s: filter again until it does.
    const onlyPaid = async () => {
      await filter("succeeded");
      await page.waitForTimeout(300);
      const r = await rows();
      return r.length === 1 && r[0].includes(paidId) && r[0].includes("499.00 INR");
    };
    assert.equal(await eventually(onlyPaid, true, 10_000), true);
    assert.match(page.url(), /status=succeeded/);
    const created = async () => {
      await filter("created");
      await page.waitForTimeout(300);
      return (await rows()).length;
    };
    assert.equal(await eventually(created, 2, 10_000), 2);
    await screenshot(page, "console-orders");
  });

  it("shows an order's page with its audit trail, and issues a refund after a confirmation step", async () => {
    await page.goto(`${consoleUrl}#/order/phonepe/${paidId}`);
    await page.getByRole("heading", { name: new RegExp(paidId) }).waitFor();
    assert.match(await page.locator("dl.facts").innerText(), /succeeded/);
    const trail = await page.locator("table", { hasText: "Every input and change" }).innerText();
    assert.match(trail, /create_sent/);
    assert.match(trail, /created → succeeded|pending → succeeded/);

    await page.getByLabel(/Refund amount/).fill("1.50");
    await page.getByRole("button", { name: "Review refund…" }).click();
    const dialog = page.getByRole("alertdialog");
    assert.match(await dialog.innerText(), /Refund 1\.50 INR of order/);
    await screenshot(page, "console-refund-confirm");
    await dialog.getByRole("button", { name: "Refund 1.50 INR" }).click();
    await page.locator("#status", { hasText: /Refund .* is (pending|succeeded)/ }).waitFor();
    const refunds = await page.locator("table", { hasText: "Refunds" }).first().innerText();
    assert.match(refunds, /1\.50 INR/);
    const order = await checkpostApi(`/v1/orders/phonepe/${paidId}`);
    assert.equal(order.body.refunds.length, 1);
    assert.equal(order.body.refunds[0].amount, 150);
    // The page from its top down to the refund form (past the window's height).
    const box = await page.locator("section[aria-labelledby=refund-heading]").boundingBox();
    const scrolled = await page.evaluate(() => window.scrollY);
    await page.screenshot({
      path: join(env.shots, "console-order.png"),
      caret: "initial",
      fullPage: true,
      clip: { x: 0, y: 0, width: 420, height: Math.ceil(box.y + scrolled + box.height + 24) },
    });
  });

  it("sends a delivered event again from the deliveries page", async () => {
    const rowFor = () => page.locator("tbody tr", { hasText: paidId }).filter({ hasText: "payment.succeeded" });
    const listed = async () => {
      await page.goto(`${consoleUrl}#/deliveries?status=delivered`);
      await page.getByRole("heading", { name: "Deliveries" }).waitFor();
      await page.waitForTimeout(300);
      return rowFor().count();
    };
    assert.equal(await eventually(listed, 1, 15_000), 1);
    await rowFor()
      .getByRole("button", { name: /Send again/ })
      .click();
    await page.locator("#status", { hasText: "re-queued" }).waitFor();
    assert.equal(await rowFor().getByRole("button").innerText(), "Re-queued");
  });

  it("draws the dashboard's charts as inline SVG, and leaves no script error or CSP violation", async () => {
    await page.goto(`${consoleUrl}#/dashboard`);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    assert.equal(await page.locator("figure svg[role=img]").count(), 3);
    assert.match(await page.locator("figure").nth(1).innerText(), /Success rate per gateway/);
    await screenshot(page, "console-dashboard");
    // The wrong key's 401 is the one expected failure.
    assert.deepEqual(
      problems.filter((p) => !/status of 401/.test(p)),
      [],
    );
  });
});
