#!/usr/bin/env node
/**
 * `npm run soak`: crash-restart under webhook load (product.md §7: "a crash or restart of the local runtime mid-load
 * loses no webhook that was acknowledged").
 *
 * 1. Builds checkpost as deployed and starts it in workerd (Miniflare) with its Durable Object and KV storage
 *    persisted in a temporary directory, in a child process of its own; starts the gateway simulator in another
 *    workerd. Loopback only.
 * 2. Creates orders through `POST /v1/orders`, has the simulated customers pay, and takes each gateway's signed
 *    webhooks (and some duplicates) from the simulator.
 * 3. Sends them concurrently; part-way through, SIGKILLs the runtime (the process group of the child: Node and its
 *    workerd), restarts it on the same storage, and sends the rest, re-sending what was not acknowledged (as a
 *    gateway retries).
 * 4. Proves that every acknowledged (200) webhook is in its order's audit trail, that every order is settled by its
 *    reconciliation alarm after the restart, and that every merchant event owed is delivered, in order, exactly as
 *    the order's sequence says (when the build has outbound events).
 *
 * Bounded: `--orders N` per gateway (default 20), at most `--seconds S` overall (default 90). Prints PASS or FAIL
 * with the figures, writes them to bench/results/soak.json, and exits non-zero on failure.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { benchBindings, buildWorker, bundle, COMPAT_DATE, ROOT } from "../bench/lib.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};

if (args[0] === "--serve") await serve(args[1], args[2], args[3], Number(args[4]));
else await soak();

// ---------------------------------------------------------------- the runtime under test (child process)

/** Runs checkpost with persisted storage until killed; prints `READY <url>` once it answers. */
async function serve(scriptPath, persistDir, simUrl, port) {
  // Gateway base URLs point at the simulator's own process (bench/lib.mjs benchBindings).
  const bindings = benchBindings(simUrl);
  bindings.MERCHANT_WEBHOOK_URL = `${simUrl}/merchant/webhooks`;
  bindings.PUBLIC_BASE_URL = `http://127.0.0.1:${port}`;
  bindings.GATEWAY_TIMEOUT_MS = "3000";
  // wrangler.toml [vars] that .dev.vars.example leaves to it.
  bindings.JUSPAY_PAYMENT_PAGE_CLIENT_ID ??= "hdfcmaster";
  bindings.JUSPAY_API_VERSION ??= "2024-06-24";
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port,
      resourcePersistencePath: persistDir,
      workers: [
        {
          name: "checkpost",
          modules: true,
          scriptPath,
          compatibilityDate: COMPAT_DATE,
          compatibilityFlags: ["nodejs_compat"],
          durableObjects: { ORDERS: { className: "OrderObject", useSQLite: true } },
          kvNamespaces: ["KV"],
          bindings,
        },
      ],
    }),
  );
  const url = (await mf.ready).toString().replace(/\/$/, "");
  process.stdout.write(`READY ${url}\n`);
  await new Promise(() => {});
}

// ---------------------------------------------------------------- the soak (parent)

async function soak() {
  const started = Date.now();
  const perGateway = option("orders", 20);
  const deadline = started + option("seconds", 90) * 1000;
  const work = mkdtempSync(join(tmpdir(), "checkpost-soak-"));
  const figures = {
    orders: 0,
    webhooks: 0,
    sent: 0,
    acknowledged: 0,
    killed_after: 0,
    unanswered: 0,
    after_restart: 0,
  };
  const failures = [];
  let runtime = null;
  let simMf = null;
  try {
    console.log("soak: building the Worker as deployed…");
    // Built inside the repository (.build/, ignored): workerd resolves modules below its starting directory.
    const scriptPath = buildWorker(join(ROOT, ".build", "soak", "worker"));
    simMf = new Miniflare(
      convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        modules: true,
        script: bundle("sim/src/index.ts"),
        compatibilityDate: COMPAT_DATE,
        bindings: { CHECKPOST_URL: "http://127.0.0.1:9" },
      }),
    );
    const simUrl = (await simMf.ready).toString().replace(/\/$/, "");
    const persist = join(work, "state");
    mkdirSync(persist);
    const port = await freePort();
    runtime = await startRuntime(scriptPath, persist, simUrl, port);
    const base = runtime.url;
    const bindings = benchBindings();
    const apiKey = bindings.PROXY_API_KEYS.split(",")[0];
    const sim = simClient(simUrl);
    await sim.post("/__control/juspay/config", {
      merchant_id: bindings.JUSPAY_MERCHANT_ID,
      api_key: bindings.JUSPAY_API_KEY,
      response_key: bindings.JUSPAY_RESPONSE_KEY,
      webhook_username: bindings.JUSPAY_WEBHOOK_USERNAME,
      webhook_password: bindings.JUSPAY_WEBHOOK_PASSWORD,
    });
    await sim.post("/__control/phonepe/webhook-credentials", {
      username: bindings.PHONEPE_WEBHOOK_USERNAME,
      password: bindings.PHONEPE_WEBHOOK_PASSWORD,
    });

    console.log(`soak: creating ${perGateway * 3} orders and their webhooks…`);
    const orders = [];
    const deliveries = [];
    for (const gateway of ["juspay", "phonepe", "nimbbl"]) {
      for (let i = 0; i < perGateway; i++) {
        const orderId = `sk${gateway.slice(0, 2)}${Date.now().toString(36)}${i}`;
        const res = await fetch(`${base}/v1/orders`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ gateway, order_id: orderId, amount: 10_000 + i, currency: "INR" }),
        });
        if (res.status !== 201) throw new Error(`create ${gateway} ${orderId}: ${res.status} ${await res.text()}`);
        orders.push({ gateway, orderId });
        for (const hook of await paidWebhooks(sim, gateway, orderId)) {
          // Every third webhook is delivered twice, as gateways do.
          const copies = deliveries.length % 3 === 0 ? 2 : 1;
          for (let c = 0; c < copies; c++) deliveries.push({ gateway, orderId, ...hook, acked: false, tries: 0 });
        }
      }
    }
    figures.orders = orders.length;
    figures.webhooks = deliveries.length;

    console.log(`soak: sending ${deliveries.length} webhooks; the runtime is killed part-way…`);
    const killAt = Math.floor(deliveries.length * 0.4);
    let acknowledged = 0;
    let crashed = false;
    const queue = [...deliveries];
    const send = async (d) => {
      d.tries += 1;
      figures.sent += 1;
      try {
        const res = await fetch(`${runtime.url}${d.path}`, { method: "POST", headers: d.headers, body: d.body });
        await res.arrayBuffer();
        if (res.status === 200) {
          d.acked = true;
          acknowledged += 1;
        } else {
          throw new Error(`status ${res.status}`);
        }
      } catch {
        figures.unanswered += 1;
        if (d.tries > 5) failures.push(`${d.gateway} ${d.orderId}: never acknowledged after ${d.tries} tries`);
        else queue.push(d);
      }
      if (!crashed && acknowledged >= killAt) {
        crashed = true;
        figures.killed_after = acknowledged;
        runtime.kill();
      }
    };
    await pool(queue, 12, send, () => crashed && runtime.dead, deadline);
    if (!crashed) throw new Error("the load ended before the kill point");
    console.log(
      `soak: killed the runtime after ${figures.killed_after} acknowledgements; restarting on the same storage…`,
    );
    runtime = await startRuntime(scriptPath, persist, simUrl, port);
    figures.after_restart = queue.length;
    await pool(queue, 12, send, () => false, deadline);
    figures.acknowledged = acknowledged;

    console.log("soak: checking every acknowledged webhook is in its order's audit trail…");
    const api = (path) => fetch(`${runtime.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
    for (const o of orders) {
      const acked = deliveries.filter((d) => d.orderId === o.orderId && d.acked).length;
      const trail = await auditTrail(api, o);
      // A repeated delivery is counted on its first row (`repeats`), not given a row of its own.
      const recorded = trail.filter((e) => e.source === "webhook").reduce((n, e) => n + 1 + (e.repeats ?? 0), 0);
      if (recorded < acked) failures.push(`${o.gateway} ${o.orderId}: ${acked} acknowledged, ${recorded} recorded`);
    }

    console.log("soak: waiting for reconciliation to settle every order…");
    const unsettled = await settle(api, orders, deadline);
    for (const o of unsettled) failures.push(`${o.gateway} ${o.orderId}: not settled (${o.status})`);

    const events = await merchantEvents(sim, api, orders, deadline);
    Object.assign(figures, events.figures);
    failures.push(...events.failures);
  } catch (error) {
    failures.push(`soak error: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    runtime?.kill();
    await simMf?.dispose().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const result = { pass: failures.length === 0, seconds, ...figures, failures: failures.slice(0, 50) };
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "soak.json"), `${JSON.stringify(result, null, 2)}\n`);
  const line =
    `${figures.orders} orders, ${figures.webhooks} webhooks, ${figures.acknowledged} acknowledged ` +
    `(runtime SIGKILLed after ${figures.killed_after}; ${figures.unanswered} requests cut off, ` +
    `${figures.after_restart} sent or re-sent after the restart), ` +
    `${failures.length} failures, ${seconds} s`;
  if (failures.length) {
    for (const f of failures.slice(0, 20)) console.error(`  FAIL ${f}`);
    console.error(`soak: FAIL — ${line}`);
    process.exitCode = 1;
  } else {
    console.log(
      `soak: PASS — ${line}${figures.events_delivered !== undefined ? `, ${figures.events_delivered} merchant events delivered in order` : ""}`,
    );
  }
}

/** Starts the runtime child in its own process group, so one SIGKILL takes down Node and its workerd together. */
function startRuntime(scriptPath, persist, simUrl, port) {
  const child = spawn(
    process.execPath,
    [join(ROOT, "scripts", "soak.mjs"), "--serve", scriptPath, persist, simUrl, String(port)],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const runtime = {
    url: "",
    dead: false,
    kill() {
      if (runtime.dead) return;
      runtime.dead = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    },
  };
  child.on("exit", () => {
    runtime.dead = true;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the runtime did not start in 30 s")), 30_000);
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk.toString();
      const m = /READY (\S+)/.exec(out);
      if (m && !runtime.url) {
        clearTimeout(timer);
        runtime.url = m[1];
        resolve(runtime);
      }
    });
    child.on("exit", (code) => {
      if (!runtime.url) reject(new Error(`the runtime exited with ${code} before it was ready`));
    });
  });
}

/** Runs `fn` over the queue with `width` in flight, until it is empty or `stop()` holds; bounded by the deadline. */
async function pool(queue, width, fn, stop, deadline) {
  const workers = Array.from({ length: width }, async () => {
    while (queue.length && !stop()) {
      if (Date.now() > deadline) throw new Error("soak deadline passed while sending");
      await fn(queue.shift());
    }
  });
  await Promise.all(workers);
}

function simClient(simUrl) {
  return {
    async post(path, json) {
      const res = await fetch(`${simUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(json),
      });
      if (!res.ok) throw new Error(`sim ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async get(path) {
      const res = await fetch(`${simUrl}${path}`);
      if (!res.ok) throw new Error(`sim ${path}: ${res.status}`);
      return res.json();
    },
  };
}

/** The customer pays; returns the signed webhooks the gateway would send for it, as `{path, headers, body}`. */
async function paidWebhooks(sim, gateway, orderId) {
  if (gateway === "juspay") {
    await sim.post(`/__control/juspay/orders/${orderId}/status`, { status: "CHARGED" });
    const hook = await sim.post(`/__control/juspay/orders/${orderId}/webhook`, {});
    return [{ path: "/webhooks/juspay", headers: hook.headers, body: hook.body }];
  }
  if (gateway === "phonepe") {
    await sim.post(`/__control/phonepe/orders/${orderId}/outcome`, { state: "COMPLETED" });
    const hook = await sim.post("/__control/phonepe/callbacks", { merchantOrderId: orderId });
    return [{ path: "/webhooks/phonepe", headers: hook.headers, body: hook.body }];
  }
  await sim.post(`/__control/nimbbl/orders/${orderId}/outcome`, { outcome: "pending" });
  await sim.post(`/__control/nimbbl/orders/${orderId}/outcome`, { outcome: "success" });
  const { webhooks } = await sim.get(`/__control/nimbbl/orders/${orderId}/webhooks?format=legacy`);
  return webhooks.map((body) => ({ path: "/webhooks/nimbbl", headers: { "content-type": "application/json" }, body }));
}

async function auditTrail(api, o) {
  const entries = [];
  let after = 0;
  for (;;) {
    const res = await api(`/v1/orders/${o.gateway}/${o.orderId}/events?limit=200&after=${after}`);
    if (res.status !== 200) throw new Error(`audit ${o.gateway} ${o.orderId}: ${res.status}`);
    const page = await res.json();
    entries.push(...page.data);
    if (page.next_after === null) return entries;
    after = page.next_after;
  }
}

/** Waits until every order is succeeded (the alarm confirms each payment S2S, across the restart). */
async function settle(api, orders, deadline) {
  let pending = orders;
  while (pending.length && Date.now() < deadline) {
    const states = await Promise.all(
      pending.map(async (o) => ({
        ...o,
        status: (await (await api(`/v1/orders/${o.gateway}/${o.orderId}`)).json()).status,
      })),
    );
    pending = states.filter((o) => o.status !== "succeeded");
    if (pending.length) await new Promise((r) => setTimeout(r, 500));
  }
  return pending;
}

/**
 * Every merchant event owed (the order's `sequence` says how many) arrives at the simulated merchant, each sequence
 * accepted, in order. Skipped, with a note, when the build has no outbound events (the merchant receiver is absent).
 */
async function merchantEvents(sim, api, orders, deadline) {
  const failures = [];
  try {
    await sim.get("/__control/merchant/events");
  } catch {
    console.log("soak: no merchant receiver in this build: event delivery not checked");
    return { figures: {}, failures };
  }
  console.log("soak: waiting for every merchant event owed…");
  let delivered = 0;
  for (const o of orders) {
    const order = await (await api(`/v1/orders/${o.gateway}/${o.orderId}`)).json();
    let seen = [];
    while (Date.now() < deadline) {
      const events = await sim.get(
        `/__control/merchant/events?order_id=${encodeURIComponent(o.orderId)}&accepted=true`,
      );
      seen = [...new Set(events.map((e) => e.sequence))];
      if (seen.length >= order.sequence) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const firsts = [];
    for (const s of seen) if (!firsts.includes(s)) firsts.push(s);
    const expected = Array.from({ length: order.sequence }, (_, i) => i + 1);
    if (JSON.stringify(firsts) !== JSON.stringify(expected))
      failures.push(`${o.gateway} ${o.orderId}: events ${JSON.stringify(firsts)}, owed ${JSON.stringify(expected)}`);
    delivered += firsts.length;
  }
  return { figures: { events_delivered: delivered }, failures };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
