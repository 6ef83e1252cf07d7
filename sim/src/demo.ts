/**
 * The demo merchant `npm start` prints: a tiny shop living in the simulator Worker under `/demo/…`, so a person can
 * run a whole payment through checkpost in a browser and watch what the merchant's backend gets.
 *
 * - `GET /demo/`: pick a gateway and an amount.
 * - `POST /demo/pay`: the shop's backend calls checkpost `POST /v1/orders` with its API key and sends the browser on
 *   to the gateway's (simulated) checkout: the `redirect` next action, or for an `sdk` one (Nimbbl) the checkout
 *   page the gateway's SDK would open for the order token.
 * - `GET /demo/return`: `MERCHANT_RETURN_URL`; checkpost's signed result is verified (demo-verify.ts) and kept.
 * - `POST /demo/webhooks`: `MERCHANT_WEBHOOK_URL`; checkpost's events, verified as Standard Webhooks, else 400.
 * - `GET /demo/orders/:gateway/:order_id`: the verified result, the current order, the events received and the
 *   order's audit trail (`GET /v1/orders/:gateway/:order_id/events`); refreshes while something may still change.
 * Config: `CHECKPOST_URL`, `DEMO_API_KEY` (one of checkpost's `PROXY_API_KEYS`), `DEMO_WEBHOOK_SECRET` (its first
 * `MERCHANT_WEBHOOK_SECRET` key). State is in memory, like the rest of the simulator.
 */
import { layout, orderPage, shopPage, type DemoOrder, type ReceivedEvent } from "./demo-html";
import { verifyCheckpostRedirect, verifyEvent } from "./demo-verify";
import type { SimEnv } from "./index";

const GATEWAYS = ["juspay", "phonepe", "nimbbl"] as const;
type DemoGateway = (typeof GATEWAYS)[number];

interface CreateAnswer {
  code?: string;
  next_action?: { type: string; url?: string; payload?: Record<string, unknown> };
}

/** The demo keeps the latest orders only (memory): the oldest go first. */
const KEEP = 200;
const orders = new Map<string, DemoOrder>();
const events = new Map<string, ReceivedEvent[]>();
let rejectedEvents = 0;

const key = (gateway: string, orderId: string) => `${gateway}:${orderId}`;
const html = (body: string, status = 200) =>
  new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
const seeOther = (location: string) => new Response(null, { status: 303, headers: { location } });

function checkpost(env: SimEnv, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${env.DEMO_API_KEY ?? ""}`);
  return fetch(new URL(path, env.CHECKPOST_URL ?? "http://127.0.0.1:8787"), {
    ...init,
    headers,
    signal: AbortSignal.timeout(10_000),
  });
}

/** "499", "499.5" or "499.50" rupees → paise, exactly (no floating point); null when it is not such an amount. */
export function paiseFromRupees(text: string): number | null {
  const m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** The gateways checkpost's `/healthz` reports enabled; all of them under the test configuration (`.test` host). */
async function enabledGateways(env: SimEnv): Promise<DemoGateway[]> {
  const base = new URL(env.CHECKPOST_URL ?? "http://127.0.0.1:8787");
  if (base.hostname.endsWith(".test")) return [...GATEWAYS];
  try {
    const res = await fetch(new URL("/healthz", base), { signal: AbortSignal.timeout(5000) });
    const body = await res.json<{ gateways?: Record<string, { enabled?: boolean }> }>();
    return GATEWAYS.filter((g) => body.gateways?.[g]?.enabled === true);
  } catch {
    return [];
  }
}

async function shop(env: SimEnv, problem: string | null = null): Promise<Response> {
  const recent = [...orders.values()].reverse().slice(0, 8);
  return html(shopPage(await enabledGateways(env), recent, problem), problem ? 400 : 200);
}

async function pay(request: Request, env: SimEnv): Promise<Response> {
  const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
  const gateway = GATEWAYS.find((g) => g === form.get("gateway"));
  const amount = paiseFromRupees(form.get("amount") ?? "");
  if (!gateway) return shop(env, "Pick a gateway.");
  if (amount === null || amount < 100) return shop(env, "Enter an amount of at least ₹1.00, like 499.00.");
  const orderId = `demo_${Date.now().toString(36)}${crypto.randomUUID().slice(0, 4)}`;
  const created = await checkpost(env, "/v1/orders", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      gateway,
      order_id: orderId,
      amount,
      currency: "INR",
      description: "Demo shop order",
      customer: { id: "demo_customer", email: "customer@example.com", phone: "9999999999", name: "Demo Customer" },
      // "Start a subscription": a Juspay mandate (UPI Autopay / e-mandate) registered with this first payment, up to
      // ten times the amount per monthly debit (README: POST /v1/orders with `mandate`).
      ...(form.get("subscribe") === "1" && gateway === "juspay"
        ? { mandate: { max_amount: amount * 10, amount_rule: "VARIABLE", frequency: "MONTHLY" } }
        : {}),
    }),
  }).then(
    async (res) => ({ status: res.status, body: await res.json<CreateAnswer>().catch((): CreateAnswer => ({})) }),
    () => null,
  );
  if (!created) return shop(env, `checkpost is not answering at ${env.CHECKPOST_URL ?? "its URL"}.`);
  const { status, body } = created;
  if (status >= 300 || !body.next_action) return shop(env, `checkpost refused the order (${body.code ?? status}).`);
  orders.set(key(gateway, orderId), { gateway, orderId, amount, createdAt: Date.now(), returned: null });
  for (const old of [...orders.keys()].slice(0, -KEEP)) {
    orders.delete(old);
    events.delete(old);
  }
  const next = body.next_action;
  if (next.type === "redirect" && next.url) return seeOther(next.url);
  const token = next.payload?.["token"];
  if (gateway === "nimbbl" && typeof token === "string") {
    // Stands in for Nimbbl's checkout SDK, which opens Nimbbl's checkout for the order token.
    const checkout = new URL("/nimbbl/checkout", request.url);
    checkout.searchParams.set("token", token);
    return seeOther(checkout.toString());
  }
  return shop(env, "checkpost answered with a next action this demo cannot follow.");
}

async function returned(request: Request, env: SimEnv): Promise<Response> {
  const url = new URL(request.url);
  const check = await verifyCheckpostRedirect(url, env.DEMO_WEBHOOK_SECRET ?? "", Math.floor(Date.now() / 1000));
  const gateway = url.searchParams.get("gateway") ?? "";
  const orderId = url.searchParams.get("order_id") ?? "";
  const order = orders.get(key(gateway, orderId));
  if (!check.ok || !order) {
    const why = check.ok ? "this shop did not start that order" : check.reason;
    return html(layout("Return refused", `<h1>Return refused</h1><p>The redirect did not verify: ${why}.</p>`), 400);
  }
  order.returned = {
    status: url.searchParams.get("status") ?? "",
    amount: Number(url.searchParams.get("amount")),
    currency: url.searchParams.get("currency") ?? "",
    at: Date.now(),
  };
  return seeOther(`/demo/orders/${gateway}/${encodeURIComponent(orderId)}`);
}

async function webhook(request: Request, env: SimEnv): Promise<Response> {
  // The raw body, exactly as signed: verification comes before any parsing.
  const body = new TextDecoder().decode(await request.arrayBuffer());
  const event = verifyEvent(env.DEMO_WEBHOOK_SECRET ?? "", body, request.headers);
  if (!event) {
    rejectedEvents += 1;
    return new Response("signature did not verify", { status: 400 });
  }
  const gateway = event.order?.gateway ?? "";
  const orderId = event.order?.order_id ?? "";
  // Events of orders this shop did not start (or forgot) are acknowledged and not kept.
  if (!orders.has(key(gateway, orderId))) return new Response(null, { status: 204 });
  const list = events.get(key(gateway, orderId)) ?? [];
  // Standard Webhooks delivers at least once: de-duplicate on webhook-id.
  if (!list.some((e) => e.id === event.id)) list.push({ ...event, receivedAt: Date.now() });
  events.set(key(gateway, orderId), list);
  return new Response(null, { status: 204 });
}

async function orderView(env: SimEnv, gateway: string, orderId: string): Promise<Response> {
  const order = orders.get(key(gateway, orderId));
  if (!order) return html(layout("Unknown order", "<h1>Unknown order</h1><p>This shop did not start it.</p>"), 404);
  const path = `/v1/orders/${gateway}/${encodeURIComponent(orderId)}`;
  const [current, audit] = await Promise.all([
    checkpost(env, path).then((r) => (r.ok ? r.json<Record<string, unknown>>() : null)),
    checkpost(env, `${path}/events`).then((r) => (r.ok ? r.json<{ data?: unknown[] }>() : null)),
  ]);
  const received = [...(events.get(key(gateway, orderId)) ?? [])].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  return html(
    orderPage({ order, current, audit: (audit?.data ?? []) as Record<string, unknown>[], received, rejectedEvents }),
  );
}

export async function demoMerchant(request: Request, path: string, env: SimEnv): Promise<Response> {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const route = `${request.method} ${parts[0] ?? ""}`;
  if (route === "GET " || route === "HEAD ") return shop(env);
  if (route === "POST pay") return pay(request, env);
  if (route === "GET return") return returned(request, env);
  if (route === "POST webhooks") return webhook(request, env);
  if (route === "GET orders" && parts.length === 3) return orderView(env, parts[1] ?? "", parts[2] ?? "");
  return html(layout("Not found", "<h1>Not found</h1>"), 404);
}
