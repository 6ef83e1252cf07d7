/**
 * Shared pieces of `npm run bench`: building the Worker as deployed, starting runtimes in workerd through Miniflare,
 * and driving them with autocannon. Loopback only; every run is bounded in time.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { buildSync } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

export const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "node_modules", ".bin");
export const COMPAT_DATE = "2026-11-01";

/** Builds checkpost exactly as `wrangler deploy` would, and returns the module's path. */
export function buildWorker(outdir) {
  execFileSync(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${BIN}:${process.env.PATH ?? ""}`,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return join(outdir, "index.js");
}

export function bundleSim() {
  const out = buildSync({
    entryPoints: [join(ROOT, "sim/src/index.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    // As in vitest.config.ts: the neutral platform resolves no package entry by default, and the simulator's demo
    // merchant bundles `standardwebhooks` (CJS).
    mainFields: ["module", "main"],
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

/** The simulator credentials of .dev.vars.example, with base URLs pointing at the bench's simulator. */
export function benchBindings() {
  const vars = {};
  for (const line of readFileSync(join(ROOT, ".dev.vars.example"), "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  for (const [k, v] of Object.entries(vars))
    if (k.endsWith("_BASE_URL") || k.endsWith("_AUTH_URL"))
      vars[k] = v.replace("http://127.0.0.1:8788", "http://sim.bench");
  vars.MERCHANT_WEBHOOK_URL = "";
  vars.MERCHANT_RETURN_URL = "https://merchant.bench/return";
  vars.PUBLIC_BASE_URL = "https://checkpost.bench";
  vars.LOG_LEVEL = "warn";
  return vars;
}

/** checkpost with local DO and KV, every outbound fetch going to the simulator. */
export async function startCheckpost(scriptPath, simCode) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      workers: [
        {
          name: "checkpost",
          modules: true,
          scriptPath,
          compatibilityDate: COMPAT_DATE,
          compatibilityFlags: ["nodejs_compat"],
          durableObjects: { ORDERS: { className: "OrderObject", useSQLite: true } },
          kvNamespaces: ["KV"],
          bindings: benchBindings(),
          outboundService: "sim",
        },
        {
          name: "sim",
          modules: true,
          script: simCode,
          compatibilityDate: COMPAT_DATE,
          bindings: { CHECKPOST_URL: "http://checkpost.bench" },
        },
      ],
    }),
  );
  return { mf, url: (await mf.ready).toString().replace(/\/$/, "") };
}

/** The floor for "verify and answer": a Worker that answers without doing anything. */
export async function startEmptyWorker() {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      compatibilityDate: COMPAT_DATE,
      script: `export default { fetch() { return new Response("ok"); } };`,
    }),
  );
  return { mf, url: (await mf.ready).toString().replace(/\/$/, "") };
}

/** The floor for webhook ingest: exactly one Durable Object SQLite write per request, then answer. */
export async function startDoWriteWorker() {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      compatibilityDate: COMPAT_DATE,
      durableObjects: { FLOOR: { className: "Floor", useSQLite: true } },
      script: `
      import { DurableObject } from "cloudflare:workers";
      export class Floor extends DurableObject {
        constructor(ctx, env) { super(ctx, env); ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS w (id INTEGER PRIMARY KEY, body TEXT)"); }
        write(body) { this.ctx.storage.sql.exec("INSERT INTO w (body) VALUES (?)", body); return 1; }
      }
      export default {
        async fetch(request, env) {
          const body = await request.text();
          const id = new URL(request.url).searchParams.get("k") ?? String(Math.floor(Math.random() * 256));
          await env.FLOOR.getByName(id).write(body);
          return new Response("ok");
        },
      };`,
    }),
  );
  return { mf, url: (await mf.ready).toString().replace(/\/$/, "") };
}

/**
 * Drives `url` for `seconds` with `connections` concurrent connections. `requests` may be an array of autocannon
 * request objects (with `setupRequest` for per-request bodies). Returns rate, latency and error counts, plus the
 * share of answers that had the expected status.
 */
export async function drive({
  url,
  seconds,
  connections,
  method = "GET",
  path = "/",
  headers = {},
  body,
  requests,
  expectStatus = 200,
}) {
  const result = await autocannon({
    url: url + path,
    method,
    headers,
    body,
    requests,
    duration: seconds,
    connections,
    pipelining: 1,
    timeout: 10,
  });
  const byStatus = result.statusCodeStats ?? {};
  const total = Object.values(byStatus).reduce((s, v) => s + v.count, 0);
  const expected = byStatus[String(expectStatus)]?.count ?? 0;
  return {
    requests_per_sec: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    total,
    errors: result.errors + result.timeouts + (total - expected),
    unexpected_status: Object.fromEntries(
      Object.entries(byStatus)
        .filter(([s]) => s !== String(expectStatus))
        .map(([s, v]) => [s, v.count]),
    ),
  };
}
