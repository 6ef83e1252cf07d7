/**
 * Whole payments as a person makes them, in Chromium: the demo shop → checkpost `POST /v1/orders` → the simulated
 * gateway checkout (each of the five outcomes, on each gateway) → the gateway's redirect → checkpost's return leg →
 * the shop's result page, which must show checkpost's verified result, then the final state, the signed events the
 * shop received and the order's audit trail.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { env, eventually, openBrowser, screenshot } from "./browser.mjs";

/** Every gateway checkpost has (its registry, as `/healthz` lists it): a new one is run here too, never skipped. */
const GATEWAYS = Object.keys((await (await fetch(`${env.checkpost}/healthz`)).json()).gateways);
assert.ok(GATEWAYS.length > 0, "/healthz lists the gateways");

/** What the shop is told on the customer's return, and what the order ends as. */
const EXPECTED = {
  success: { now: "succeeded", final: "succeeded" },
  failure: { now: "failed", final: "failed" },
  pending_then_success: { now: "pending", final: "succeeded" },
  late_success: { now: "failed", final: "succeeded" },
  // No attempt: Juspay's and Nimbbl's orders stay new (created), PhonePe's stays PENDING.
  cancel: { now: { juspay: "created", phonepe: "pending", nimbbl: "created" } },
};

const text = (page, selector) => page.locator(selector).innerText();

describe("the demo shop, in a browser", () => {
  let browser;
  before(async () => {
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  for (const gateway of GATEWAYS) {
    for (const [outcome, expected] of Object.entries(EXPECTED)) {
      const now = typeof expected.now === "string" ? expected.now : expected.now[gateway];
      const final = expected.final ?? now;
      it(`${gateway}: '${outcome}' comes back ${now} and ends ${final}, with events and audit trail`, async () => {
        const page = await browser.context.newPage();
        try {
          await page.goto(`${env.sim}/demo/`);
          if (gateway === "juspay" && outcome === "success") await screenshot(page, "demo-shop");
          await page.check(`input[name="gateway"][value="${gateway}"]`);
          await page.fill("#amount", "499.00");
          await page.click("button[type=submit]");
          await page.waitForSelector('button[value="success"]');
          assert.match(await text(page, ".amount"), /₹499\.00/);
          if (outcome === "success") await screenshot(page, `checkout-${gateway}`);

          await page.click(`button[value="${outcome}"]`);
          await page.waitForURL(/\/demo\/orders\//);
          assert.equal(await page.getAttribute("#returned", "data-status"), now, "the verified redirect's status");
          assert.match(await text(page, "#returned"), /Signature verified/);
          assert.match(await text(page, "#returned"), /₹499\.00 INR/);

          const status = () => page.getAttribute("#status", "data-status");
          assert.equal(await eventually(status, final), final, "the order's state");
          if (final !== "created" && final !== "pending") {
            const events = () => text(page, "#events").then((t) => t.includes(`payment.${final}`));
            assert.equal(await eventually(events, true), true, `a verified payment.${final} event`);
            assert.doesNotMatch(await text(page, "#events"), /rejected/);
          }
          const audit = await text(page, "#audit");
          assert.match(audit, /\breturn\b/, "the return leg is in the audit trail");
          assert.match(audit, /\bregister\b/, "so is the order's registration");
          await screenshot(page, `${gateway}-${outcome}`);
          if (gateway === "juspay" && outcome === "pending_then_success") {
            // The README's picture: wide enough for the audit trail's columns.
            await page.setViewportSize({ width: 760, height: 900 });
            await screenshot(page, "demo-order-wide");
          }
        } finally {
          await page.close();
        }
      });
    }
  }
});
