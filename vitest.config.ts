/**
 * Tests run inside workerd with the real Worker (wrangler.toml), real local Durable Objects and KV, and the gateway
 * simulator as an auxiliary Worker. Every outbound `fetch` of the Worker goes to the simulator (`outboundService`),
 * so no test can reach a network; the simulator is bundled from `sim/src` when the config loads.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { buildSync } from "esbuild";
import { defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/bindings.ts";
import { TEST_JOSE_KEY_ID, TEST_JUSPAY_PRIVATE_PEM, TEST_MERCHANT_PUBLIC_PEM } from "./test/jose-keys.ts";

const sim = buildSync({
  entryPoints: ["sim/src/index.ts"],
  bundle: true,
  format: "esm",
  platform: "neutral",
  // The neutral platform resolves no package entry by default; the demo merchant bundles `standardwebhooks` (CJS).
  mainFields: ["module", "main"],
  write: false,
  logLevel: "silent",
});

// The order index's D1 schema (migrations/), applied to each test file's fresh database by test/setup.ts.
const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  // Tests generate the OpenAPI document in workerd, so they keep the schemas' descriptions (src/docs.d.ts).
  define: { __CHECKPOST_DOCS__: "true" },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations },
        outboundService: "sim",
        workers: [
          {
            name: "sim",
            modules: [{ type: "ESModule", path: "sim.js", contents: sim.outputFiles[0]?.text ?? "" }],
            compatibilityDate: "2026-11-01",
            // SIM_SETTLE_MS: how long the checkout's "pending, then success" and "late success" take (sim/src/checkout.ts).
            bindings: {
              CHECKPOST_URL: "http://checkpost.test",
              SIM_SETTLE_MS: "1000",
              // The demo merchant (sim/src/demo.ts) holds checkpost's first API key and first whsec_ key.
              DEMO_API_KEY: TEST_BINDINGS.PROXY_API_KEYS.split(",")[0] ?? "",
              DEMO_WEBHOOK_SECRET: TEST_BINDINGS.MERCHANT_WEBHOOK_SECRET.split(" ")[0] ?? "",
              // Juspay JOSE mode (sim/src/juspay-jose.ts): the simulated Juspay's key pair and the merchant's public key,
              // test-only keys (test/jose-keys.ts). checkpost itself stays in Basic mode unless a test overrides it.
              JUSPAY_JWT_PRIVATE_KEY: TEST_JUSPAY_PRIVATE_PEM,
              JUSPAY_MERCHANT_PUBLIC_KEY: TEST_MERCHANT_PUBLIC_PEM,
              JUSPAY_JWT_KEY_ID: TEST_JOSE_KEY_ID,
            },
          },
        ],
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 20_000,
    reporters: ["default", "./test/summary-reporter.ts"],
    // Structured logs are asserted through `captureLogs`; print them only for failing tests.
    silent: "passed-only",
  },
});
