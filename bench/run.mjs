#!/usr/bin/env node
/**
 * `npm run bench` (issue 8, product.md §6): starts checkpost with the gateway simulator, an empty Worker and a
 * minimal one-SQLite-write Durable Object Worker, all in workerd, with request logging off; drives each route with
 * autocannon and prints requests/s, p50, p99 and errors beside the floor measured in the same run; then CPU
 * microbenchmarks and the bundle size. Writes bench/results/latest.json. Exits 1 if any request errored, an
 * acknowledged webhook is missing afterwards, or the bundle is over budget.
 *
 * BENCH_SECONDS (default 5) and BENCH_CONNECTIONS (default 16) tune the load; everything stays on loopback.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildWorker, bundleSim, drive, ROOT, startCheckpost, startDoWriteWorker, startEmptyWorker } from "./lib.mjs";
import { scenarios } from "./scenarios.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const outdir = join(ROOT, ".build", "bench");
mkdirSync(outdir, { recursive: true });

const log = (line) => process.stdout.write(`${line}\n`);
log(`building the Worker as deployed, and the simulator…`);
const workerPath = buildWorker(join(outdir, "worker"));
const checkpost = await startCheckpost(workerPath, bundleSim());
const empty = await startEmptyWorker();
const doWrite = await startDoWriteWorker();
const failures = [];

try {
  const load = { seconds: SECONDS, connections: CONNECTIONS };
  log(`load: ${SECONDS}s per route, ${CONNECTIONS} connections, loopback only\n`);
  const floors = {
    empty: await drive({ ...load, url: empty.url, path: "/" }),
    do_write: await drive({ ...load, url: doWrite.url, method: "POST", path: "/", body: '{"k":"v"}' }),
  };
  const rows = [];
  for (const scenario of scenarios) {
    const setup = await scenario.setup(checkpost.url, checkpost.mf);
    const result = await drive({ ...load, url: checkpost.url, ...setup.request });
    const floor = floors[scenario.floor];
    const ratio = floor ? result.requests_per_sec / floor.requests_per_sec : null;
    const verdict = setup.verify ? await setup.verify(checkpost.url, result) : null;
    if (result.errors)
      failures.push(`${scenario.name}: ${result.errors} errors ${JSON.stringify(result.unexpected_status)}`);
    if (verdict) failures.push(`${scenario.name}: ${verdict}`);
    rows.push({
      name: scenario.name,
      floor: scenario.floor,
      target: scenario.target ?? null,
      ...result,
      ratio_to_floor: ratio === null ? null : Number(ratio.toFixed(3)),
    });
  }
  const cpu = JSON.parse(execFileSync(process.execPath, [join(ROOT, "bench", "cpu.mjs")], { encoding: "utf8" }));
  const size = JSON.parse(
    execFileSync(process.execPath, [join(ROOT, "scripts", "size.mjs")], { encoding: "utf8" })
      .trim()
      .split("\n")
      .pop(),
  );
  if (!size.within_budget) failures.push(`bundle over budget: ${size.gzip_bytes} bytes gzipped`);

  const pad = (s, n) => String(s).padEnd(n);
  log(
    `${pad("route", 34)}${pad("req/s", 9)}${pad("p50 ms", 8)}${pad("p99 ms", 8)}${pad("errors", 8)}${pad("floor", 10)}${pad("ratio", 7)}target`,
  );
  for (const [name, f] of Object.entries(floors))
    log(
      `${pad(`[floor] ${name}`, 34)}${pad(f.requests_per_sec, 9)}${pad(f.p50_ms, 8)}${pad(f.p99_ms, 8)}${pad(f.errors, 8)}`,
    );
  for (const r of rows) {
    log(
      `${pad(r.name, 34)}${pad(r.requests_per_sec, 9)}${pad(r.p50_ms, 8)}${pad(r.p99_ms, 8)}${pad(r.errors, 8)}${pad(r.floor ?? "-", 10)}${pad(r.ratio_to_floor ?? "-", 7)}${r.target ?? ""}`,
    );
  }
  log(`\nCPU per operation (Node ${process.version}, µs):`);
  for (const c of cpu.results) log(`  ${pad(c.name, 44)}${c.us_per_op.toFixed(2)}`);
  log(
    `\nbundle: ${(size.raw_bytes / 1024).toFixed(1)} KiB raw, ${(size.gzip_bytes / 1024).toFixed(1)} KiB gzipped (budget 64 KiB)`,
  );
  const report = {
    at: new Date().toISOString(),
    seconds: SECONDS,
    connections: CONNECTIONS,
    floors,
    routes: rows,
    cpu: cpu.results,
    bundle: size,
    failures,
  };
  writeFileSync(join(ROOT, "bench", "results", "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  log(`\nwrote bench/results/latest.json`);
} finally {
  await Promise.allSettled([checkpost.mf.dispose(), empty.mf.dispose(), doWrite.mf.dispose()]);
}
if (failures.length) {
  console.error(`\nBENCH FAILED:\n- ${failures.join("\n- ")}`);
  process.exit(1);
}
