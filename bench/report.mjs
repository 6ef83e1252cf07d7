/**
 * Prints `npm run bench`'s figures as tables. Targets (product.md §6) are reported as met or missed; they do not
 * fail the run (only errors, lost webhooks and the bundle budget do): local figures depend on the machine.
 */

/** product.md §6. */
const OVERHEAD_MS = 1.5;
const COLD_START_MS = 8;

const pad = (s, n) => String(s ?? "-").padEnd(n);
const num = (v, digits = 2) => (v === null || v === undefined ? "-" : Number(v).toFixed(digits));

/** Each measured route (under load) with its floor's rate and the ratio, as stored in latest.json. */
export function withFloors(rows) {
  const floors = new Map(rows.filter((r) => r.kind === "floor" && !r.latency_pass).map((r) => [r.id, r]));
  return rows
    .filter((r) => r.kind !== "floor" && !r.latency_pass)
    .map((r) => {
      const floor = floors.get(r.floor);
      const ratio = floor ? r.requests_per_sec / floor.requests_per_sec : null;
      const min = /ratio >= ([\d.]+)/.exec(r.target ?? "")?.[1];
      const also = (r.also ?? []).map((id) => floors.get(id)).filter(Boolean);
      return {
        ...r,
        also: undefined,
        other_floors: also.map((f) => ({
          name: f.name,
          requests_per_sec: f.requests_per_sec,
          ratio: Number((r.requests_per_sec / f.requests_per_sec).toFixed(3)),
        })),
        floor_name: floor?.name ?? null,
        floor_requests_per_sec: floor?.requests_per_sec ?? null,
        floor_cpu_us_per_req: floor?.workerd_cpu_us_per_req ?? null,
        ratio_to_floor: ratio === null ? null : Number(ratio.toFixed(3)),
        target_met: min === undefined || ratio === null ? null : ratio >= Number(min),
      };
    });
}

export function printReport(report, log) {
  log(
    `\n${pad("route", 44)}${pad("req/s", 8)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("errors", 8)}` +
      `${pad("floor/s", 9)}${pad("ratio", 7)}${pad("target", 24)}${pad("cpu µs", 8)}floor cpu µs`,
  );
  for (const r of report.routes) {
    const verdict = r.target_met === null ? "" : r.target_met ? " met" : " MISSED";
    log(
      `${pad(r.name, 44)}${pad(r.requests_per_sec, 8)}${pad(num(r.p50_ms), 9)}${pad(num(r.p99_ms), 9)}` +
        `${pad(r.errors, 8)}${pad(r.floor_requests_per_sec, 9)}${pad(num(r.ratio_to_floor), 7)}` +
        `${pad(`${r.target ?? ""}${verdict}`, 24)}${pad(num(r.workerd_cpu_us_per_req, 0), 8)}` +
        `${num(r.floor_cpu_us_per_req, 0)}`,
    );
  }
  log("  floor/s: measured just before the route. Verify-only routes: an empty Worker. New webhooks: write, answer,");
  log("  status fetch from the object, second write, on as many new objects (ratio to one write in brackets below);");
  log("  duplicates: one write to the same objects again. Gateway routes: the same gateway call made directly to the");
  log("  simulator. GET order: one write to an existing object.");
  log("  cpu µs: CPU time of checkpost's workerd process over the run (HTTP, Miniflare's entry Worker, checkpost, its");
  log("  Durable Objects and alarms; the simulator runs in its own process) per request answered; floor cpu µs: the");
  log("  same for the floor's process (the simulator's, for gateway routes).");
  for (const r of report.routes)
    for (const f of r.other_floors ?? []) log(`  ${r.name}: ${num(f.ratio)} of "${f.name}" (${f.requests_per_sec}/s)`);

  log(`\nlatency checkpost adds to a gateway call (one connection, p50; target < ${OVERHEAD_MS} ms):`);
  log(`${pad("route", 44)}${pad("route p50", 11)}${pad("direct p50", 12)}overhead`);
  for (const o of report.overhead) {
    const verdict = o.overhead_p50_ms === null ? "" : o.overhead_p50_ms < OVERHEAD_MS ? " met" : " MISSED";
    log(
      `${pad(o.route, 44)}${pad(num(o.route_p50_ms, 3), 11)}${pad(num(o.direct_p50_ms, 3), 12)}${num(o.overhead_p50_ms, 3)} ms${verdict}`,
    );
  }

  log(`\nwebhooks acknowledged vs found in the audit trail afterwards:`);
  for (const a of report.webhook_audit)
    log(`  ${pad(a.gateway, 8)} ${a.acknowledged} acknowledged over ${a.orders} orders, ${a.missing} missing`);

  const lines = Object.entries(report.log_lines ?? {}).sort((a, b) => b[1] - a[1]);
  log(`\nlines checkpost logged during the run (counted, not printed): ${lines.length ? "" : "none"}`);
  for (const [line, count] of lines.slice(0, 8)) log(`  ${pad(count, 8)}${line}`);

  log(`\nCPU per operation, µs (target: each verification < 50 µs):`);
  log(`${pad("operation", 48)}${pad("workerd", 10)}Node ${report.machine.node}`);
  const node = new Map(report.cpu_node.map((c) => [c.name, c.us_per_op]));
  for (const c of report.cpu_workerd.results)
    log(`${pad(c.name, 48)}${pad(num(c.us_per_op), 10)}${num(node.get(c.name))}`);
  log(`  workerd: CPU time of the workerd process (all threads) over N operations in one request, minus an empty`);
  log(`  request's; Node: wall time over N operations in batches of 64 (WebCrypto hops to a thread pool in Node).`);

  if (report.payment_cost) printCost(report.payment_cost, log);

  const s = report.startup;
  if (s) printStartup(s, log);

  const b = report.bundle;
  log(
    `\nbundle: ${(b.raw_bytes / 1024).toFixed(1)} KiB raw, ${(b.gzip_bytes / 1024).toFixed(1)} KiB gzipped ` +
      `(budget ${(b.budget_gzip_bytes / 1024).toFixed(0)} KiB gzipped)${b.within_budget ? "" : " OVER BUDGET"}`,
  );
}

function printStartup(s, log) {
  log(`\nstart-up CPU per isolate (${s.method}):`);
  log(`  script start-up (compile + top-level evaluation): ${num(s.script_startup_cpu_ms)} ms`);
  log(
    `  first request ${num(s.first_request_cpu_ms)} ms, second ${num(s.second_request_cpu_ms)} ms → ` +
      `first-request extra ${num(s.first_request_extra_cpu_ms)} ms (workerd's own first-request work removed)`,
  );
  log(`  cold start ≈ ${num(s.cold_start_cpu_ms)} ms CPU (target < ${COLD_START_MS} ms)`);
}

function printCost(cost, log) {
  log(`\ncost of one settled payment (create → return → webhook → confirmation → one event delivered):`);
  const cols = ["rows_written", "rows_read", "do_calls", "subrequests", "kv_writes", "d1_writes", "cpu_ms"];
  log(`${pad("gateway", 10)}${cols.map((c) => pad(c, 14)).join("")}target`);
  for (const [gateway, c] of Object.entries(cost.gateways))
    log(
      `${pad(gateway, 10)}${cols.map((k) => pad(c[k], 14)).join("")}rows_written ${c.rows_written_target}` +
        (c.target_met ? " met" : " MISSED"),
    );
  log(`  ${cost.method}. Per table: payment_cost.gateways.<gateway>.detail.sql in latest.json.`);
}
