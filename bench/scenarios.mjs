/**
 * The routes `npm run bench` drives, each beside the floor it is compared with (product.md §6), the floor measured
 * right before the route so that both see the same machine (other processes come and go on a shared one):
 * - routes that only verify and answer (rejected signatures, /healthz, a wrong API key) → an empty Worker, ≥ 80 %;
 * - webhook ingest of new events (authenticate, record in the order's Durable Object, ack, then the confirmation
 *   with the gateway and its write) → the confirming floor: a Worker whose object writes, answers, fetches the
 *   order's status from the simulator and writes again, against as many NEW objects as the scenario has orders
 *   (each order is new to checkpost too); also shown beside one write to new objects; ≥ 80 %;
 * - duplicates → one Durable Object SQLite write per request to those same objects again; ≥ 80 %;
 * - routes that wait on a gateway (valid return legs, `?refresh=true`, refund create) → the same gateway call made
 *   directly to the simulator. The target is on the latency checkpost adds at p50, measured with one connection so
 *   that it is one request's work and not queueing (< 1.5 ms); under load only the rates are compared.
 *
 * Requests that must be distinct (new webhooks, return legs of paid orders, refunds) are prepared up front and
 * each sent once; their pools are sized from rates measured earlier in the run, to last about BENCH_SECONDS.
 * Background work is kept out of other measurements: each measurement waits for workerd to go idle (webhooks' final
 * states are confirmed with the gateway by the order's alarm right after the ack), orders for return legs are only
 * registered (`POST /v1/orders` would arm a poll 15 s later), and refunds, whose pending state the alarm polls 15 s
 * later, run in a fresh checkpost process per gateway.
 */
import { join } from "node:path";
import { GATEWAYS } from "./gateways.mjs";
import { drive, pmap, quiesce } from "./lib.mjs";

const VERIFY_TARGET = 0.8;
const INGEST_TARGET = 0.8;
const OVERHEAD_TARGET_MS = 1.5;
/** Requests in each one-connection latency pass. */
const LATENCY_N = 150;
const PREP_CONCURRENCY = 16;
/** Orders of ₹1000, refunded ₹1 at a time, at most 10 refunds each (MAX_REFUNDS_PER_ORDER's default). */
const REFUND_ORDER_PAISE = 100000;
const REFUNDS_PER_ORDER = 10;

/** A per-run tag, so ids never collide with an earlier run's. */
const TAG = Date.now().toString(36).slice(-5);
const id = (gateway, kind, i) => `b${TAG}${gateway[0]}${kind}${i}`;

export async function runAll(ctx) {
  const on = (phase) => !ctx.only || ctx.only.includes(phase);
  ctx.rates = {};
  for (const g of GATEWAYS) await g.setup(ctx.client);
  if (on("verify")) await verifyOnly(ctx);
  if (on("reads")) await readsAndRefresh(ctx);
  if (on("webhooks")) for (const g of GATEWAYS) await webhooks(ctx, g);
  if (on("returns")) for (const g of GATEWAYS) await returns(ctx, g);
  if (on("refunds")) await refunds(ctx);
}

/** How many distinct requests last about BENCH_SECONDS at `rate`, a multiple of the connection count. */
function poolFor(ctx, rate) {
  const { seconds, connections } = ctx.load;
  const n = Math.max(connections * 4, Math.round(seconds * rate));
  return n - (n % connections);
}

let floorCount = 0;

/** Runs one measurement after workerd has gone idle, and records it. */
async function measure(ctx, row, target) {
  await quiesce(target.pid);
  const profiled = ctx.profiler && target.pid === ctx.checkpost.pid;
  if (profiled) await ctx.profiler.start();
  const result = await drive({ connections: ctx.load.connections, seconds: ctx.load.seconds, ...target });
  const { statuses: _s, acks: _a, ...summary } = result;
  ctx.log(
    `  ${row.name}: ${summary.requests_per_sec} req/s, p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms` +
      (summary.errors ? `, ${summary.errors} ERRORS ${JSON.stringify(summary.unexpected_status)}` : ""),
  );
  if (profiled) {
    const file = join(ctx.profileDir, `${row.name.replace(/[^A-Za-z0-9]+/g, "_")}.cpuprofile`);
    const top = await ctx.profiler.stop(file, 12);
    ctx.log(`    profile (self time): ${top.map((t) => `${(t.share * 100).toFixed(1)}% ${t.fn}`).join("; ")}`);
  }
  if (summary.errors)
    ctx.failures.push(`${row.name}: ${summary.errors} errors ${JSON.stringify(summary.unexpected_status)}`);
  ctx.rows.push({ ...row, ...summary });
  return result;
}

/** A floor row: measured, given an id its route refers to. */
async function floor(ctx, name, target) {
  const floorId = `floor${++floorCount}`;
  const result = await measure(ctx, { name, kind: "floor", id: floorId }, target);
  return { floorId, result };
}

/** A one-connection pass: latency without queueing. */
function latencyPass(ctx, row, target) {
  return measure(ctx, { ...row, name: `${row.name} [1 conn]`, latency_pass: true }, { ...target, connections: 1 });
}

// ---------------------------------------------------------------- routes that only verify and answer

async function verifyOnly(ctx) {
  ctx.log("routes that only verify and answer (floor: an empty Worker, measured before each)");
  const { checkpost, client, empty } = ctx;
  const routes = [
    ["GET /healthz", { path: "/healthz" }, 200],
    [
      "GET /v1/orders/… wrong API key (401)",
      { path: "/v1/orders/juspay/x1", headers: { authorization: "Bearer nope" } },
      401,
    ],
  ];
  for (const g of GATEWAYS) {
    const valid = await g.paidReturn(client, id(g.id, "r", "x"), 10000);
    routes.push([`GET /return/${g.id} rejected signature (401)`, g.tamperReturn(valid), 401]);
  }
  for (const [name, request, expectStatus] of routes) {
    const { floorId } = await floor(ctx, "empty Worker", { url: empty.url, pid: empty.pid });
    await measure(
      ctx,
      { name, kind: "verify", floor: floorId, target: `ratio >= ${VERIFY_TARGET}` },
      { url: checkpost.url, pid: checkpost.pid, request, expectStatus },
    );
  }
}

// ---------------------------------------------------------------- reads and refresh

/** Orders paid at the gateway and known as succeeded by checkpost (registered, then refreshed). */
async function succeededOrders(ctx, g, n, kind, paise) {
  const ids = Array.from({ length: n }, (_, i) => id(g.id, kind, i));
  await pmap(ids, PREP_CONCURRENCY, async (orderId) => {
    await ctx.client.api("/v1/orders", {
      method: "POST",
      json: { gateway: g.id, order_id: orderId, amount: paise, currency: "INR", register_only: true },
    });
    await g.simSucceeded(ctx.client, orderId, paise);
    const order = await ctx.client.api(`/v1/orders/${g.id}/${orderId}?refresh=true`);
    if (order.status !== "succeeded") throw new Error(`${g.id}/${orderId} is ${order.status} after refresh`);
  });
  return ids;
}

async function readsAndRefresh(ctx) {
  ctx.log("reads and refresh");
  const { checkpost, client, doWrite } = ctx;
  const auth = { authorization: `Bearer ${client.apiKey}` };
  for (const g of GATEWAYS) {
    const ids = await succeededOrders(ctx, g, 64, "s", 10000);
    if (g.id === "juspay") {
      // One read of an existing order's object, beside one write to an existing object (no target: a reference).
      const keys = ids.map((_, i) => ({ method: "POST", path: `/?k=read${i}`, body: "{}" }));
      await pmap(keys, PREP_CONCURRENCY, (k) => fetch(doWrite.url + k.path, { method: "POST", body: k.body }));
      const { floorId } = await floor(ctx, `1 DO SQLite write, ${keys.length} existing objects`, {
        url: doWrite.url,
        pid: doWrite.pid,
        pool: keys,
      });
      await measure(
        ctx,
        { name: "GET /v1/orders/:gateway/:order_id", kind: "read", floor: floorId },
        {
          url: checkpost.url,
          pid: checkpost.pid,
          pool: ids.map((o) => ({ path: `/v1/orders/juspay/${o}`, headers: auth })),
        },
      );
    }
    const rate = await gatewayRoute(ctx, {
      name: `GET /v1/orders/${g.id}/:id?refresh=true`,
      floorName: `${g.id} status, called directly`,
      floorPool: ids.map((o) => g.directStatus(client, o)),
      pool: ids.map((o) => ({ path: `/v1/orders/${g.id}/${o}?refresh=true`, headers: auth })),
      expectStatus: 200,
    });
    ctx.rates[`refresh:${g.id}`] = rate;
  }
}

/**
 * A route that waits on a gateway, and its direct-call floor: each with one connection (latency), then under load.
 * With `once`, the first LATENCY_N items of each pool serve the latency pass and the rest the load. Returns the
 * route's rate under load.
 */
async function gatewayRoute(ctx, { floorName, floorPool, ...route }) {
  return routeAgainst(ctx, await directFloor(ctx, { floorName, floorPool, once: route.once }), route);
}

const splitPool = (pool, once) => (once ? [pool.slice(0, LATENCY_N), pool.slice(LATENCY_N)] : [pool, pool]);

/** The gateway call made directly to the simulator: one connection, then under load. */
async function directFloor(ctx, { floorName, floorPool, once = false }) {
  // Straight to the simulator's own process: its CPU is the floor's, never checkpost's.
  const base = { url: ctx.sim.url, pid: ctx.sim.pid, once, ...(once ? {} : { seconds: 1 }) };
  const [latency, load] = splitPool(floorPool, once);
  const floorId = `floor${++floorCount}`;
  const row = { name: floorName, kind: "floor", id: floorId };
  const fl = await latencyPass(ctx, row, { ...base, pool: latency });
  await measure(ctx, row, { ...base, pool: load, ...(once ? {} : { seconds: ctx.load.seconds }) });
  return { floorId, p50: fl.p50_ms };
}

async function routeAgainst(ctx, floor, { name, pool, expectStatus, once = false }) {
  const base = { url: ctx.checkpost.url, pid: ctx.checkpost.pid, once, expectStatus };
  const [latency, load] = splitPool(pool, once);
  const row = { name, kind: "gateway", floor: floor.floorId, target: `p50 overhead < ${OVERHEAD_TARGET_MS} ms` };
  const rl = await latencyPass(ctx, row, { ...base, pool: latency, ...(once ? {} : { seconds: 1 }) });
  const loaded = await measure(ctx, row, { ...base, pool: load });
  const overhead = rl.p50_ms !== null && floor.p50 !== null ? Number((rl.p50_ms - floor.p50).toFixed(3)) : null;
  ctx.overheads.push({ route: name, route_p50_ms: rl.p50_ms, direct_p50_ms: floor.p50, overhead_p50_ms: overhead });
  return loaded.requests_per_sec;
}

// ---------------------------------------------------------------- webhooks

async function webhooks(ctx, g) {
  const { checkpost, client, doWrite } = ctx;
  // A webhook-sized body (~1 KiB) for the floor, written as is.
  const body = JSON.stringify({ event: "x".repeat(900) });
  const floorKeys = (prefix, n) =>
    Array.from({ length: n }, (_, i) => ({ method: "POST", path: `/?k=${prefix}${i}`, body }));
  if (ctx.rates.doWriteNew === undefined) {
    // Calibration: how fast new objects take one write here, to size the pools.
    const cal = await drive({
      url: doWrite.url,
      pid: doWrite.pid,
      pool: floorKeys("cal", 256),
      once: true,
      ...ctx.load,
    });
    ctx.rates.doWriteNew = cal.requests_per_sec;
  }
  // checkpost's object for a new order creates its tables and confirms the event: slower than one write.
  const n = poolFor(ctx, 0.6 * ctx.rates.doWriteNew);
  ctx.log(`webhooks: ${g.id} (preparing ${n} distinct events; floor: one DO write, measured before each)`);
  const ids = Array.from({ length: n }, (_, i) => id(g.id, "w", i));
  const pool = await pmap(ids, PREP_CONCURRENCY, (orderId) => g.webhook(client, orderId, 10000));
  const keys = floorKeys(`${g.id}${TAG}`, n);
  const target = `ratio >= ${INGEST_TARGET}`;

  const fresh = await floor(ctx, `1 DO SQLite write, ${n} new objects`, {
    url: doWrite.url,
    pid: doWrite.pid,
    pool: keys,
    once: true,
  });
  // The confirming floor (product.md §6): write, answer, then a status fetch for the same order from the object and
  // a second write; its objects are new too.
  const confirming = await floor(ctx, `write + status fetch + write, ${n} new objects`, {
    url: doWrite.url,
    pid: doWrite.pid,
    pool: ids.map((orderId, i) => ({
      method: "POST",
      path: `/confirm?k=${g.id}${TAG}c${i}`,
      body: JSON.stringify({ event: "x".repeat(900), status: g.directStatus(client, orderId) }),
    })),
    once: true,
  });
  const news = await measure(
    ctx,
    {
      name: `POST /webhooks/${g.id} new events`,
      kind: "ingest",
      floor: confirming.floorId,
      also: [fresh.floorId],
      target,
    },
    { url: checkpost.url, pid: checkpost.pid, pool, once: true },
  );
  const acked = pool.filter((_, i) => news.statuses[i] === 200);
  const ackedIds = ids.filter((_, i) => news.statuses[i] === 200);
  const again = await floor(ctx, `1 DO SQLite write, same ${n} objects again`, {
    url: doWrite.url,
    pid: doWrite.pid,
    pool: keys,
  });
  const dup = await measure(
    ctx,
    { name: `POST /webhooks/${g.id} duplicates`, kind: "ingest", floor: again.floorId, target },
    { url: checkpost.url, pid: checkpost.pid, pool: acked },
  );
  await quiesce(checkpost.pid, 60_000);
  await verifyAudit(ctx, g, ackedIds, (i) => 1 + dup.acks[i]);
}

/**
 * Every acknowledged webhook must be in its order's audit trail (product.md §2: recorded before the 2xx): as many
 * deliveries counted in `webhook` entries as were acknowledged for that order (the new event and each acknowledged
 * duplicate, which its first row counts in `repeats`).
 */
async function verifyAudit(ctx, g, ids, expectedFor) {
  let missing = 0;
  let confirmed = 0;
  await pmap(ids, PREP_CONCURRENCY, async (orderId, i) => {
    const entries = [];
    let after = 0;
    for (;;) {
      const page = await ctx.client.api(`/v1/orders/${g.id}/${orderId}/events?limit=200&after=${after}`);
      entries.push(...page.data);
      if (page.next_after === null) break;
      after = page.next_after;
    }
    // A repeated delivery is counted on its first row (`repeats`), not given a row of its own.
    const recorded = entries.filter((e) => e.source === "webhook").reduce((n, e) => n + 1 + (e.repeats ?? 0), 0);
    if (recorded < expectedFor(i)) missing += expectedFor(i) - recorded;
    if (entries.some((e) => e.source === "poll" && e.to_status === "succeeded")) confirmed += 1;
  });
  const acknowledged = ids.reduce((s, _, i) => s + expectedFor(i), 0);
  ctx.log(
    `  audit: ${acknowledged} acknowledged deliveries over ${ids.length} orders, ${missing} missing; ` +
      `${confirmed} orders confirmed succeeded with the gateway`,
  );
  ctx.audits.push({ gateway: g.id, orders: ids.length, acknowledged, missing, confirmed_succeeded: confirmed });
  if (missing) ctx.failures.push(`${g.id}: ${missing} acknowledged webhooks missing from the audit trail`);
}

// ---------------------------------------------------------------- return legs

async function returns(ctx, g) {
  // A return leg does a little more than a refresh (verification, a signed redirect) on an object that is cold.
  const n = poolFor(ctx, 0.5 * (ctx.rates[`refresh:${g.id}`] ?? 100));
  ctx.log(`return legs: ${g.id} (preparing ${n + LATENCY_N} paid orders)`);
  const ids = Array.from({ length: n + LATENCY_N }, (_, i) => id(g.id, "p", i));
  const pool = await pmap(ids, PREP_CONCURRENCY, (orderId) => g.paidReturn(ctx.client, orderId, 10000));
  await gatewayRoute(ctx, {
    name: `GET /return/${g.id} valid`,
    floorName: `${g.id} status, called directly`,
    floorPool: ids.map((o) => g.directStatus(ctx.client, o)),
    pool,
    expectStatus: 303,
    once: true,
  });
}

// ---------------------------------------------------------------- refunds

/**
 * Each gateway's refunds run in a fresh checkpost process, disposed right after: every refund recorded is polled by
 * its order's alarm from 15 s later, and those polls must not land in another measurement.
 */
async function refunds(ctx) {
  for (const g of GATEWAYS) {
    const fresh = await ctx.launch();
    try {
      await refundsOf({ ...ctx, ...fresh }, g);
    } finally {
      fresh.profiler?.close();
      await fresh.checkpost.mf.dispose();
    }
  }
}

async function refundsOf(ctx, g) {
  const { client } = ctx;
  await g.setup(client);
  // A refund costs about two refreshes (three calls to the order's object around the gateway call).
  const total = poolFor(ctx, 0.5 * (ctx.rates[`refresh:${g.id}`] ?? 100)) + LATENCY_N;
  ctx.log(`refund create: ${g.id} (fresh checkpost process; preparing ${total} refunds)`);
  const orderCount = Math.ceil(total / REFUNDS_PER_ORDER);
  // Request i goes to order i mod n, so concurrent refunds land on different orders, as in production.
  const orders = await succeededOrders(ctx, g, orderCount, "f", REFUND_ORDER_PAISE);
  const simOnly = Array.from({ length: orderCount }, (_, i) => id(g.id, "d", i));
  await pmap(simOnly, PREP_CONCURRENCY, (o) => g.simSucceeded(client, o, REFUND_ORDER_PAISE));
  const pool = Array.from({ length: total }, (_, i) => ({
    method: "POST",
    path: `/v1/orders/${g.id}/${orders[i % orders.length]}/refunds`,
    headers: {
      authorization: `Bearer ${client.apiKey}`,
      "content-type": "application/json",
      "idempotency-key": `bench-${TAG}-${i}`,
    },
    body: JSON.stringify({ amount: 100 }),
  }));
  const floorPool = Array.from({ length: total }, (_, i) =>
    g.directRefund(client, simOnly[i % simOnly.length], `bd${TAG}${i}`, 100),
  );
  await gatewayRoute(ctx, {
    name: `POST /v1/orders/${g.id}/:id/refunds`,
    floorName: `${g.id} refund, called directly`,
    floorPool,
    pool,
    expectStatus: 201,
    once: true,
  });
}
