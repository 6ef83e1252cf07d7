#!/usr/bin/env node
/**
 * `npm run bench` (issue 8, product.md §6), in one run:
 * 1. builds the Worker as deployed (`wrangler deploy --dry-run --outdir`) and measures the bundle against 64 KiB;
 * 2. starts checkpost, the gateway simulator (its own process), an empty Worker and the Durable Object floors, each
 *    in its own workerd process (Miniflare), request logging off; drives every route with autocannon beside its floor
 *    (scenarios.mjs), then checks that every acknowledged webhook is in its order's audit trail;
 * 3. CPU: verifiers and status mappings timed inside workerd (process CPU time) and in Node (cpu.mjs), and the
 *    Worker's start-up CPU (startup.mjs);
 * 3b. the cost of one settled payment per gateway, measured (cost.mjs): SQLite rows, DO calls, subrequests, KV, D1;
 * 4. prints the tables, writes bench/results/latest.json and the chart docs/img/bench.svg (chart.mjs). Exits 1 if
 *    any request errored, an acknowledged webhook is missing, or the bundle is over budget.
 *
 * BENCH_SECONDS (default 2) and BENCH_CONNECTIONS (default 16) tune the load; everything stays on loopback.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { bundleSize } from "../scripts/size.mjs";
import { benchClient } from "./gateways.mjs";
import { buildWorker, bundle, ROOT, startCheckpost, startDoWriteWorker, startEmptyWorker, startSim } from "./lib.mjs";
import { freePort, inspect } from "./profile.mjs";
import { printReport, withFloors } from "./report.mjs";
import { benchChart } from "./chart.mjs";
import { paymentCost } from "./cost.mjs";
import { runAll } from "./scenarios.mjs";
import { measureStartup } from "./startup.mjs";
import { workerdCpu } from "./workerd-cpu.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const outdir = join(ROOT, ".build", "bench");
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const startedAt = Date.now();
const log = (line) => process.stdout.write(`${line}\n`);
/** Phase headings carry the time since start, so a slow phase is easy to see. */
const phaseLog = (line) =>
  log(line.startsWith(" ") ? line : `[${String(Math.round((Date.now() - startedAt) / 1000)).padStart(3)}s] ${line}`);
const load1 = loadavg()[0];
log(`machine: ${cpus().length} cores, load average ${load1.toFixed(2)} at start`);
if (load1 > 1) log(`  (other processes are busy: figures will be lower and noisier than on an idle machine)`);
log(`building the Worker as deployed…`);
const workerPath = buildWorker(join(outdir, "worker"));
const size = bundleSize(join(outdir, "worker"));
// BENCH_PROFILE=1: the routes run on an unminified build with the V8 profiler attached (slower; see profile.mjs).
const PROFILE = process.env.BENCH_PROFILE === "1";
const routesWorker = PROFILE ? buildWorker(join(outdir, "worker-unminified"), { minify: false }) : workerPath;
const simCode = bundle("sim/src/index.ts");
const logLines = {};
// The simulator in its own workerd process, shared by every checkpost process of the run (ids never collide).
const sim = await startSim(simCode);

/** A fresh checkpost in its own workerd process (refunds get one per gateway: see scenarios.mjs). */
async function launch() {
  const inspectorPort = PROFILE ? await freePort() : undefined;
  const checkpost = await startCheckpost(routesWorker, sim, { inspectorPort, logLines });
  const profiler = PROFILE ? await inspect(inspectorPort, "checkpost") : null;
  return { checkpost, client: benchClient(checkpost), profiler };
}

const failures = [];
if (!size.within_budget)
  failures.push(`bundle over budget: ${size.gzip_bytes} bytes gzipped > ${size.budget_gzip_bytes}`);
const ctx = {
  load: { seconds: SECONDS, connections: CONNECTIONS },
  rows: [],
  overheads: [],
  audits: [],
  failures,
  log: phaseLog,
  // A comma-separated subset of phases (verify, reads, webhooks, returns, refunds, cpu, cost, startup).
  only: process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(",") : null,
  launch,
  profileDir: join(outdir, "profiles"),
};
if (PROFILE) mkdirSync(ctx.profileDir, { recursive: true });

log(`load: ${SECONDS}s per route, ${CONNECTIONS} connections, loopback only`);
const main = await launch();
const empty = await startEmptyWorker();
const doWrite = await startDoWriteWorker(sim.url);
try {
  Object.assign(ctx, main, { empty, doWrite, sim });
  await runAll(ctx);
} finally {
  main.profiler?.close();
  await Promise.allSettled([main.checkpost.mf.dispose(), empty.mf.dispose(), doWrite.mf.dispose()]);
}

const phase = (name) => !ctx.only || ctx.only.includes(name);
let workerd = { results: [] };
let node = { results: [] };
if (phase("cpu")) {
  phaseLog("CPU: inside workerd");
  workerd = await workerdCpu();
  phaseLog("CPU: in Node");
  node = JSON.parse(execFileSync(process.execPath, [join(ROOT, "bench", "cpu.mjs")], { encoding: "utf8" }));
}
let payment_cost = null;
if (phase("cost")) {
  phaseLog("payment cost: one settled payment end to end, per gateway");
  payment_cost = await paymentCost({ sim, log: phaseLog });
}
await sim.mf.dispose();
let startup = null;
if (phase("startup")) {
  phaseLog("start-up CPU");
  startup = await measureStartup(workerPath);
}

const report = {
  at: new Date().toISOString(),
  machine: { cores: cpus().length, load_average_at_start: Number(load1.toFixed(2)), node: process.version },
  seconds: SECONDS,
  connections: CONNECTIONS,
  // Each route with its floor's name, rate and CPU, and the ratio; the floors (and one-connection passes) below.
  routes: withFloors(ctx.rows),
  floors: ctx.rows.filter((r) => r.kind === "floor" || r.latency_pass),
  overhead: ctx.overheads,
  webhook_audit: ctx.audits,
  // Lines checkpost logged during the run (LOG_LEVEL=warn: no per-request line; warnings such as rejected
  // signatures remain, as in production).
  log_lines: logLines,
  cpu_workerd: workerd,
  cpu_node: node.results,
  startup,
  payment_cost,
  bundle: size,
  duration_s: Math.round((Date.now() - startedAt) / 1000),
  failures,
};
printReport(report, log);
mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
writeFileSync(join(ROOT, "bench", "results", "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
// The chart docs/performance.md shows (a run of a subset, BENCH_ONLY, leaves the committed one alone).
if (!ctx.only) {
  mkdirSync(join(ROOT, "docs", "img"), { recursive: true });
  writeFileSync(join(ROOT, "docs", "img", "bench.svg"), benchChart(report));
}
log(`\nwrote bench/results/latest.json${ctx.only ? "" : " and docs/img/bench.svg"} (${report.duration_s}s)`);
if (failures.length) {
  console.error(`\nBENCH FAILED:\n- ${failures.join("\n- ")}`);
  process.exit(1);
}
