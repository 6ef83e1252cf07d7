#!/usr/bin/env node
/**
 * CPU microbenchmarks (issue 8 §3), in Node: workerd's clock only advances on I/O (a Spectre mitigation), so it
 * cannot time a single verification. Bundles the pure verifiers and status mappings from src/ with esbuild and
 * reports µs per operation as JSON on stdout.
 */
import { buildSync } from "esbuild";
import { join } from "node:path";
import { ROOT } from "./lib.mjs";

const out = buildSync({
  entryPoints: [join(ROOT, "bench", "cpu-cases.ts")],
  bundle: true,
  format: "esm",
  platform: "node",
  write: false,
  logLevel: "silent",
  external: ["cloudflare:*"],
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
const results = [];
for (const c of await mod.cases()) {
  for (let i = 0; i < 200; i++) await c.run(); // warm-up
  // Operations run in batches of 64 at once: WebCrypto in Node hops to a thread pool, and timing one call at a time
  // would measure that hop's latency rather than the CPU an operation costs.
  const n = c.iterations ?? 6400;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: 64 }, () => c.run()));
  results.push({ name: c.name, us_per_op: ((performance.now() - t0) * 1000) / n, iterations: n });
}
process.stdout.write(JSON.stringify({ results }));
