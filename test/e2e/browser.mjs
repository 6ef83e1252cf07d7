/**
 * Shared by the browser tests (run by scripts/e2e.mjs, which sets the E2E_* variables): Debian's chromium driven by
 * playwright-core, a fresh profile per file, a phone-sized window, screenshots in test-results/e2e/.
 */
import { createHmac, hkdfSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const env = {
  checkpost: process.env.E2E_CHECKPOST_URL ?? "",
  sim: process.env.E2E_SIM_URL ?? "",
  apiKey: process.env.E2E_API_KEY ?? "",
  whsec: process.env.E2E_WHSEC ?? "",
  checkpostSecret: process.env.E2E_CHECKPOST_SECRET ?? "",
  shots: process.env.E2E_SHOTS ?? "test-results/e2e",
};

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser with a fresh `--user-data-dir` (playwright's persistent context is how it takes one). */
export async function openBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "checkpost-e2e-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.E2E_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 420, height: 860 },
    deviceScaleFactor: 1,
    timeout: 60_000,
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The whole page, or (with `upTo`) the top of the window down to the bottom of that element, plus a margin. */
export async function screenshot(page, name, upTo = null) {
  const box = upTo ? await page.locator(upTo).boundingBox() : null;
  const width = page.viewportSize()?.width ?? 420;
  // caret "initial": hiding the caret would inject a style, which checkpost's CSP rightly blocks.
  await page.screenshot({
    path: join(env.shots, `${name}.png`),
    caret: "initial",
    ...(box ? { clip: { x: 0, y: 0, width, height: Math.ceil(box.y + box.height + 24) } } : { fullPage: true }),
  });
}

/** Polls `read()` until it returns `wanted` (pages here reload or update themselves), or gives up after `ms`. */
export async function eventually(read, wanted, ms = 20_000) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      last = await read();
      if (last === wanted) return last;
    } catch {
      // the page was navigating; ask again
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

/** checkpost `/v1` with the dev API key, as a merchant backend calls it. */
export async function checkpostApi(path, init = {}) {
  const res = await fetch(new URL(path, env.checkpost), {
    ...init,
    headers: { authorization: `Bearer ${env.apiKey}`, "content-type": "application/json", ...init.headers },
  });
  return { status: res.status, body: await res.json() };
}

/**
 * The status page link checkpost builds for an order: `?t=` is base64url HMAC-SHA256 of `<gateway>:<order_id>`,
 * keyed by HKDF-SHA-256 of the first `CHECKPOST_SECRET` key with an empty salt and the label
 * `checkpost/v1/status-token` (src/core/signing.ts).
 */
export function statusPageUrl(gateway, orderId) {
  const ikm = Buffer.from(env.checkpostSecret, "base64");
  const key = Buffer.from(hkdfSync("sha256", ikm, Buffer.alloc(0), "checkpost/v1/status-token", 32));
  const t = createHmac("sha256", key).update(`${gateway}:${orderId}`).digest("base64url");
  return `${env.checkpost.replace("127.0.0.1", "localhost")}/status/${gateway}/${orderId}?t=${t}`;
}
