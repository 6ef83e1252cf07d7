/**
 * Shared pieces of `npm run bench`: building the Worker as deployed, starting runtimes in workerd through Miniflare,
 * reading a workerd process's CPU time, and driving routes with autocannon. Loopback only; every run is bounded.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { buildSync } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

export const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "node_modules", ".bin");
export const COMPAT_DATE = "2026-11-01";
/** Requests carrying this header go to the named Worker of a Miniflare instance (its entry worker routes them). */
export const ROUTE_OVERRIDE = "MF-Route-Override";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Where Miniflare keeps Durable Object and KV storage (a temporary directory under `os.tmpdir()`): tmpfs by default,
 * so the figures measure the Worker and workerd, not how long this machine's disk takes to flush (an SQLite commit
 * waits for fsync before the output gate opens; ~30 ms per write on a shared VM disk). BENCH_STORAGE_DIR overrides.
 */
export const STORAGE_DIR = process.env.BENCH_STORAGE_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
process.env.TMPDIR = STORAGE_DIR;

/** Builds checkpost exactly as `wrangler deploy` would (optionally unminified, to profile), returns the module's path. */
export function buildWorker(outdir, { minify = true } = {}) {
  const args = ["deploy", "--dry-run", "--outdir", outdir, ...(minify ? [] : ["--minify=false"])];
  execFileSync(join(BIN, "wrangler"), args, {
    cwd: ROOT,
    env: {
      ...process.env,
      // wrangler's shebang runs whichever `node` is first on PATH: make it the pinned Node 22.
      PATH: `${BIN}:${process.env.PATH ?? ""}`,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return join(outdir, "index.js");
}

/** Bundles a TypeScript entry for workerd (the simulator, the CPU bench Worker). */
export function bundle(entry, minify = false) {
  const out = buildSync({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    // As in vitest.config.ts: the neutral platform resolves no package entry by default, and the simulator's demo
    // merchant bundles `standardwebhooks` (CJS).
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    // As deployed (wrangler.toml `define`): the request schemas' descriptions are folded out (src/docs.d.ts).
    define: { __CHECKPOST_DOCS__: "false" },
    minify,
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

/** The order index's schema (`migrations/*.sql`, binding `DB`), as `wrangler d1 migrations apply` would create it. */
async function applyMigrations(db) {
  for (const file of readdirSync(join(ROOT, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const sql = readFileSync(join(ROOT, "migrations", file), "utf8").replace(/--.*$/gm, "");
    for (const statement of sql
      .split(";")
      .map((x) => x.trim())
      .filter(Boolean))
      await db.prepare(statement).run();
  }
}

/** `[vars]` of wrangler.toml (what a deploy gets), then the simulator credentials of .dev.vars.example. */
export function benchBindings(simUrl = "http://127.0.0.1:8788") {
  const vars = {};
  let inVars = false;
  for (const line of readFileSync(join(ROOT, "wrangler.toml"), "utf8").split("\n")) {
    if (/^\s*\[/.test(line)) inVars = /^\s*\[vars\]\s*$/.test(line);
    const m = inVars && /^([A-Z_]+)\s*=\s*"(.*)"\s*$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  for (const line of readFileSync(join(ROOT, ".dev.vars.example"), "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  for (const [k, v] of Object.entries(vars))
    if (k.endsWith("_BASE_URL") || k.endsWith("_AUTH_URL")) vars[k] = v.replace("http://127.0.0.1:8788", simUrl);
  vars.MERCHANT_WEBHOOK_URL = "";
  vars.MERCHANT_RETURN_URL = "https://merchant.bench/return";
  vars.PUBLIC_BASE_URL = "https://checkpost.bench";
  // Request logging off while measuring (product.md §6): `warn` drops the per-request `info` line.
  vars.LOG_LEVEL = "warn";
  // The per-IP limit off (src/core/rate-limit.ts): every request here comes from 127.0.0.1, which would be refused
  // after 60 return legs a minute, and these runtimes are started without wrangler.toml's [[ratelimits]] (Miniflare's
  // local limiter is a SQLite-backed object, not what Cloudflare runs, so its cost would not be production's).
  vars.PUBLIC_RATE_LIMIT = "off";
  return vars;
}

// ---------------------------------------------------------------- workerd processes and their CPU time

function workerdChildren() {
  const pids = new Set();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) pids.add(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

/**
 * CPU time (ns) a process has used so far, all threads: the first field of each thread's `schedstat` (time on a CPU,
 * in nanoseconds; `/proc/<pid>/stat`'s utime+stime counts only 10 ms ticks). Threads that already exited are lost,
 * which is why callers take differences over windows in which workerd's threads live on.
 */
export function processCpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread exited between listing and reading
    }
  }
  return total;
}

/** Starts a Miniflare instance and finds the workerd process it spawned. */
export async function startMiniflare(options) {
  const before = workerdChildren();
  const t0 = performance.now();
  const mf = new Miniflare(convertV4MiniflareOptions({ host: "127.0.0.1", port: 0, ...options }));
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const readyMs = performance.now() - t0;
  const pid = [...workerdChildren()].find((p) => !before.has(p)) ?? null;
  return { mf, url, pid, readyMs };
}

/**
 * Waits until workerd is idle (under 3 % of a core over 250 ms): work a scenario left behind (alarms confirming
 * webhooks, refunds) must not be billed to the next one. Gives up after `timeoutMs`.
 */
export async function quiesce(pid, timeoutMs = 20_000) {
  if (!pid) return;
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const c0 = processCpuNs(pid);
    await sleep(250);
    if ((processCpuNs(pid) - c0) / 250e6 < 0.03) return;
  }
}

// ---------------------------------------------------------------- the runtimes

/**
 * The gateway simulator in its own workerd process (product.md §6: its CPU is not counted as checkpost's). Everything
 * reaches it over loopback HTTP: checkpost's gateway calls, the direct-call floors, the bench's control calls.
 */
export function startSim(simCode) {
  return startMiniflare({
    modules: true,
    script: simCode,
    compatibilityDate: COMPAT_DATE,
    bindings: { CHECKPOST_URL: "http://checkpost.bench" },
  });
}

/**
 * checkpost with local DO, KV and D1, every gateway base URL (and, with `merchantSink`, MERCHANT_WEBHOOK_URL)
 * pointing at the simulator's own process (`sim.url`). `entry` replaces the Worker's script (the payment-cost
 * variant, `bench/cost-entry.ts`); `metrics` binds Analytics Engine as deployed.
 */
export async function startCheckpost(
  scriptPath,
  sim,
  { inspectorPort, logLines = {}, script, merchantSink = false, metrics = false } = {},
) {
  // Log lines are counted in `logLines`, not printed (a rejected signature logs a warning on every request);
  // errors are shown as well.
  const handleStructuredLogs = ({ level, message }) => {
    let msg = message;
    try {
      msg = JSON.parse(message).msg ?? message;
    } catch {
      // not one of checkpost's JSON lines
    }
    const key = `${level}: ${String(msg).slice(0, 80)}`;
    logLines[key] = (logLines[key] ?? 0) + 1;
    if (level === "error") process.stderr.write(`[workerd] ${message}\n`);
  };
  const bindings = benchBindings(sim.url);
  if (merchantSink) bindings.MERCHANT_WEBHOOK_URL = `${sim.url}/merchant/webhooks`;
  const started = await startMiniflare({
    ...(inspectorPort ? { inspectorPort } : {}),
    handleStructuredLogs,
    workers: [
      {
        name: "checkpost",
        modules: true,
        ...(script ? { script } : { scriptPath }),
        compatibilityDate: COMPAT_DATE,
        compatibilityFlags: ["nodejs_compat"],
        durableObjects: { ORDERS: { className: "OrderObject", useSQLite: true } },
        kvNamespaces: ["KV"],
        d1Databases: ["DB"],
        ...(metrics ? { analyticsEngineDatasets: { METRICS: { dataset: "checkpost_bench" } } } : {}),
        bindings,
      },
    ],
  });
  await applyMigrations(await started.mf.getD1Database("DB"));
  return { ...started, sim, logLines };
}

/** The floor for "verify and answer": a Worker that answers without doing anything. */
export function startEmptyWorker() {
  return startMiniflare({
    modules: true,
    compatibilityDate: COMPAT_DATE,
    script: `export default { fetch() { return new Response("ok"); } };`,
  });
}

/**
 * The floors for webhook ingest, in one workerd process:
 * - `POST /?k=` — exactly one Durable Object SQLite write per request, then answer (duplicates: the same objects
 *   again; GET order: existing objects);
 * - `POST /confirm?k=` — the confirming floor for new events (product.md §6): one write of the body, the answer,
 *   then from the object one status fetch to the simulator (the call in the body's `status`, as the bench would make
 *   it directly) and a second write of its answer, as checkpost's alarm confirms a new event after the ack.
 * Objects are named by `?k=`, so the bench decides how many distinct objects there are (as many as the webhook
 * scenario has orders); a new object creates its table first, as checkpost's order object runs its migration.
 */
export function startDoWriteWorker(simUrl) {
  return startMiniflare({
    modules: true,
    compatibilityDate: COMPAT_DATE,
    durableObjects: {
      FLOOR: { className: "Floor", useSQLite: true },
      CONFIRM: { className: "Confirm", useSQLite: true },
    },
    bindings: { SIM_URL: simUrl },
    script: `
      import { DurableObject } from "cloudflare:workers";
      export class Floor extends DurableObject {
        constructor(ctx, env) {
          super(ctx, env);
          ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS w (id INTEGER PRIMARY KEY, body TEXT)");
        }
        write(body) { this.ctx.storage.sql.exec("INSERT INTO w (body) VALUES (?)", body); return 1; }
      }
      export class Confirm extends Floor {
        ingest(body) {
          this.write(body);
          this.ctx.waitUntil(this.confirm(JSON.parse(body).status));
          return 1;
        }
        async confirm(call) {
          const res = await fetch(this.env.SIM_URL + call.path, { method: call.method ?? "GET", headers: call.headers, body: call.body });
          this.write(await res.text());
        }
      }
      export default {
        async fetch(request, env) {
          const body = await request.text();
          const url = new URL(request.url);
          const k = url.searchParams.get("k") ?? "0";
          if (url.pathname === "/confirm") await env.CONFIRM.getByName(k).ingest(body);
          else await env.FLOOR.getByName(k).write(body);
          return new Response("ok");
        },
      };`,
  });
}

// ---------------------------------------------------------------- load

/** Runs `fn` over `items` with at most `limit` in flight; results in order. */
export async function pmap(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Number(sorted[Math.max(0, i)].toFixed(3));
}

/**
 * Drives `url` with autocannon. Either one fixed `request` for `seconds`, or a `pool` of requests (`{method, path,
 * headers, body}`): `once` sends each exactly once (e.g. distinct webhooks), `cycle` loops over them for `seconds`.
 * Latencies are kept at full precision (autocannon's histogram has 1 ms buckets). Returns rate, p50/p99, errors,
 * the last status of each pool item (`null` if it was never answered) and how many times it got `expectStatus`,
 * and the workerd process's CPU per request.
 */
export async function drive({
  url,
  pid = null,
  seconds,
  connections,
  request = {},
  pool = null,
  once = false,
  expectStatus = 200,
}) {
  const statuses = pool ? new Array(pool.length).fill(null) : null;
  const acks = pool ? new Uint32Array(pool.length) : null;
  let next = 0;
  const requests = pool
    ? [
        {
          setupRequest(req, context) {
            const i = once ? next++ : next++ % pool.length;
            context.i = i;
            const item = pool[Math.min(i, pool.length - 1)];
            return {
              ...req,
              method: item.method ?? "GET",
              path: item.path,
              headers: item.headers ?? {},
              body: item.body,
            };
          },
          onResponse(status, _body, context) {
            statuses[context.i] = status;
            if (status === expectStatus) acks[context.i] += 1;
          },
        },
      ]
    : undefined;
  const latencies = [];
  const cpu0 = pid ? processCpuNs(pid) : 0;
  const t0 = performance.now();
  const instance = autocannon({
    url: pool ? url : url + (request.path ?? "/"),
    method: request.method ?? "GET",
    headers: request.headers ?? {},
    body: request.body,
    requests,
    connections: once ? Math.min(connections, pool.length) : connections,
    ...(once ? { amount: pool.length } : { duration: seconds }),
    pipelining: 1,
    timeout: 10,
    // autocannon notices the end of an `amount` run at its next sample tick: 100 ms, not 1 s, of idling.
    sampleInt: 100,
  });
  let last = t0;
  instance.on("response", (_client, _status, _bytes, ms) => {
    latencies.push(ms);
    last = performance.now();
  });
  const result = await instance;
  // Up to the last answer, not until autocannon noticed the end.
  const elapsed = (last - t0) / 1000;
  const cpuNs = pid ? processCpuNs(pid) - cpu0 : null;
  const byStatus = result.statusCodeStats ?? {};
  const total = Object.values(byStatus).reduce((s, v) => s + v.count, 0);
  const expected = byStatus[String(expectStatus)]?.count ?? 0;
  latencies.sort((a, b) => a - b);
  return {
    requests_per_sec: Math.round(total / elapsed),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    total,
    seconds: Number(elapsed.toFixed(2)),
    // Transport errors and timeouts, answers with another status, and (for `once`) pool items never answered.
    errors: Math.max(result.errors + result.timeouts, once ? pool.length - total : 0) + (total - expected),
    unexpected_status: Object.fromEntries(
      Object.entries(byStatus)
        .filter(([s]) => s !== String(expectStatus))
        .map(([s, v]) => [s, v.count]),
    ),
    workerd_cpu_us_per_req: cpuNs === null || !total ? null : Number((cpuNs / 1000 / total).toFixed(1)),
    statuses,
    acks,
  };
}
