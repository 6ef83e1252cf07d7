#!/usr/bin/env node
/**
 * The same CPU cases as `workerd-cpu.mjs`, in Node, for comparison and for machines where workerd cannot be timed.
 * Node's WebCrypto is much slower per call than workerd's (each call hops to a thread pool), so these figures are an
 * upper bound for the crypto cases. Prints JSON on stdout.
 */
import { timingSafeEqual } from "node:crypto";
import { buildSync } from "esbuild";
import { join } from "node:path";
import { ROOT } from "./lib.mjs";

// workerd's non-standard constant-time compare, which checkpost's verifiers use.
crypto.subtle.timingSafeEqual ??= (a, b) => timingSafeEqual(a, b);

const out = buildSync({
  entryPoints: [join(ROOT, "bench", "cpu-cases.ts")],
  bundle: true,
  format: "esm",
  platform: "node",
  write: false,
  logLevel: "silent",
  external: ["cloudflare:*"],
  // As deployed (wrangler.toml `define`; src/docs.d.ts).
  define: { __CHECKPOST_DOCS__: "false" },
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
const results = [];
for (const c of await mod.prepare()) {
  for (let i = 0; i < 500; i++) await c.run(); // warm-up
  // Batches of 64 at once: WebCrypto in Node hops to a thread pool, and timing one call at a time would measure that
  // hop's latency rather than the CPU an operation costs. Wall time, so an upper bound on a busy machine.
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 100) {
    await Promise.all(Array.from({ length: 64 }, () => c.run()));
    n += 64;
  }
  results.push({ name: c.name, us_per_op: Number((((performance.now() - t0) * 1000) / n).toFixed(3)), iterations: n });
}
process.stdout.write(JSON.stringify({ method: "Node wall time, batches of 64", results }));
