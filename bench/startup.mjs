/**
 * Start-up CPU (product.md §6: cold start under 10 ms CPU). A workerd process's CPU time to "ready" varies by tens
 * of milliseconds from one start to the next, more than one script's start-up, so each run starts K copies of the
 * Worker in ONE process (K isolates, each compiling and evaluating the script's top level) and compares it with a
 * process that starts K copies of an empty script behind the SAME configuration (bindings, Durable Object class,
 * KV). CPU time is read from /proc schedstat (a new process starts at zero). Then each copy gets a first request
 * (`GET /healthz`: reads the settings and binds every gateway) and a second one.
 *
 * Per isolate: start-up ≈ (checkpost's ready − the empty script's) / K; first-request extra ≈ (first − second) / K,
 * less the same for the empty script (workerd's own first-request work). The least of RUNS runs is kept: other
 * processes can only add CPU time (cache misses), never remove it. Local hardware, not Cloudflare's.
 */
import { benchBindings, COMPAT_DATE, processCpuNs, ROUTE_OVERRIDE, startMiniflare } from "./lib.mjs";

const K = 8;
const RUNS = 3;

const EMPTY = `
  import { DurableObject } from "cloudflare:workers";
  export class OrderObject extends DurableObject {}
  export default { fetch() { return new Response("ok"); } };`;

async function once(source) {
  const bindings = benchBindings();
  const workers = Array.from({ length: K }, (_, i) => ({
    name: `copy${i}`,
    modules: true,
    compatibilityDate: COMPAT_DATE,
    compatibilityFlags: ["nodejs_compat"],
    durableObjects: { ORDERS: { className: "OrderObject", useSQLite: true } },
    kvNamespaces: ["KV"],
    bindings,
    ...source,
  }));
  const started = await startMiniflare({ workers });
  try {
    const ready = processCpuNs(started.pid);
    const requestCpu = async (i) => {
      const c0 = processCpuNs(started.pid);
      const res = await fetch(`${started.url}/healthz`, { headers: { [ROUTE_OVERRIDE]: `copy${i}` } });
      await res.arrayBuffer();
      return processCpuNs(started.pid) - c0;
    };
    let first = 0;
    let second = 0;
    for (let i = 0; i < K; i++) first += await requestCpu(i);
    for (let i = 0; i < K; i++) second += await requestCpu(i);
    return { ready, first, second };
  } finally {
    await started.mf.dispose();
  }
}

export async function measureStartup(scriptPath) {
  const checkpost = [];
  const empty = [];
  for (let r = 0; r < RUNS; r++) {
    checkpost.push(await once({ scriptPath }));
    empty.push(await once({ script: EMPTY }));
  }
  const least = (runs, key) => Math.min(...runs.map((x) => x[key]));
  const perIsolateMs = (ns) => Number((ns / K / 1e6).toFixed(2));
  const startupMs = perIsolateMs(least(checkpost, "ready") - least(empty, "ready"));
  const firstExtraMs = perIsolateMs(
    least(checkpost, "first") - least(checkpost, "second") - (least(empty, "first") - least(empty, "second")),
  );
  return {
    method: `${K} isolates per workerd process, least of ${RUNS} runs, minus an empty script's`,
    isolates: K,
    runs: RUNS,
    checkpost_ready_cpu_ms: Number((least(checkpost, "ready") / 1e6).toFixed(1)),
    empty_ready_cpu_ms: Number((least(empty, "ready") / 1e6).toFixed(1)),
    script_startup_cpu_ms: startupMs,
    first_request_cpu_ms: perIsolateMs(least(checkpost, "first")),
    second_request_cpu_ms: perIsolateMs(least(checkpost, "second")),
    first_request_extra_cpu_ms: firstExtraMs,
    cold_start_cpu_ms: Number((startupMs + firstExtraMs).toFixed(2)),
  };
}
