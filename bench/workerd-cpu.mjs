/**
 * CPU per operation inside workerd (product.md §6: each verification under 50 µs). Starts `bench/cpu-worker.ts` in
 * its own workerd process and, for each case, reads the process's CPU time (all threads, /proc schedstat, ns) around
 * a request that runs the operation N times, and around one that runs it 0 times; the difference over N is the CPU
 * one operation costs, WebCrypto included (workerd runs it on the isolate's thread). Median of 3.
 */
import { bundle, COMPAT_DATE, processCpuNs, startMiniflare } from "./lib.mjs";

/** Aim for ~40 ms of CPU per measured request: long enough to swamp the request's own cost and scheduling noise. */
const TARGET_NS = 40e6;

export async function workerdCpu() {
  const worker = await startMiniflare({
    modules: true,
    compatibilityDate: COMPAT_DATE,
    compatibilityFlags: ["nodejs_compat"],
    script: bundle("bench/cpu-worker.ts"),
  });
  try {
    const get = async (query) => {
      const res = await fetch(`${worker.url}/${query}`);
      const text = await res.text();
      if (!res.ok) throw new Error(`cpu worker ${query}: ${res.status} ${text}`);
      return text;
    };
    const cpuOf = async (query) => {
      const c0 = processCpuNs(worker.pid);
      await get(query);
      return processCpuNs(worker.pid) - c0;
    };
    const names = JSON.parse(await get("cases"));
    const results = [];
    for (const [i, name] of names.entries()) {
      await get(`?case=${i}&n=2000`); // warm-up: compiled and optimised before timing
      const probe = ((await cpuOf(`?case=${i}&n=2000`)) - (await cpuOf(`?case=${i}&n=0`))) / 2000;
      const n = Math.max(1000, Math.min(2_000_000, Math.round(TARGET_NS / Math.max(probe, 1))));
      const samples = [];
      for (let r = 0; r < 3; r++) {
        const base = await cpuOf(`?case=${i}&n=0`);
        samples.push((await cpuOf(`?case=${i}&n=${n}`)) - base);
      }
      samples.sort((a, b) => a - b);
      results.push({ name, us_per_op: Number((samples[1] / n / 1000).toFixed(3)), iterations: n });
    }
    return { method: "workerd process CPU time (schedstat), median of 3", results };
  } finally {
    await worker.mf.dispose();
  }
}
