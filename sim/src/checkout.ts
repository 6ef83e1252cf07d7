/**
 * The browser checkout every simulated gateway shows under `npm start` (and the end-to-end tests): the same five
 * choices on each gateway's page, so a person can watch checkpost handle each outcome:
 * - `success`: paid; the gateway redirects back and sends its webhook;
 * - `failure`: declined;
 * - `pending_then_success`: the gateway answers "pending" on the way back and reports success a few seconds later
 *   (status API and webhook), as a bank that confirms late does;
 * - `late_success`: declined now, success a few seconds later (Juspay's "conflicted transaction", Nimbbl's late
 *   success inside the authorisation period);
 * - `cancel`: the customer closes the checkout; no payment attempt, the order stays open.
 * Each gateway module maps these to its own statuses and webhooks; this file only renders the page and keeps the
 * "a few seconds later" work alive after the response (`later`, drained with `ctx.waitUntil` in `index.ts`).
 */
import { sleep } from "./faults";

export const CHECKOUT_OUTCOMES = ["success", "failure", "pending_then_success", "late_success", "cancel"] as const;
export type CheckoutOutcome = (typeof CHECKOUT_OUTCOMES)[number];

export function isCheckoutOutcome(value: unknown): value is CheckoutOutcome {
  return typeof value === "string" && (CHECKOUT_OUTCOMES as readonly string[]).includes(value);
}

const CHOICES: Record<CheckoutOutcome, { label: string; hint: string }> = {
  success: { label: "Pay", hint: "The payment succeeds." },
  failure: { label: "Decline", hint: "The bank declines the payment." },
  pending_then_success: { label: "Pending, then success", hint: "Pending now; the bank confirms it seconds later." },
  late_success: { label: "Late success", hint: "Declined now; the gateway reports success seconds later." },
  cancel: { label: "Cancel", hint: "Close the checkout without paying." },
};

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Paise (or any two-decimal minor unit) as `1,234.50`, without floating point. */
export function majorAmount(minor: number): string {
  const whole = Math.floor(minor / 100).toLocaleString("en-IN");
  return `${whole}.${String(minor % 100).padStart(2, "0")}`;
}

export interface CheckoutPageInput {
  readonly gatewayName: string;
  /** Minor units, INR. */
  readonly amount: number;
  readonly orderId: string;
  /** Where the form posts (the page's own URL, query included). */
  readonly action: string;
}

/** The simulated checkout: the amount, the order, and one button per outcome. */
export function checkoutPage(input: CheckoutPageInput): Response {
  const buttons = CHECKOUT_OUTCOMES.map(
    (o) =>
      `<li><button name="outcome" value="${o}" class="${o}" aria-describedby="h-${o}">${CHOICES[o].label}</button>` +
      `<span id="h-${o}">${CHOICES[o].hint}</span></li>`,
  ).join("");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(input.gatewayName)} checkout (simulated)</title><style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#eef1f5;color:#1a1a1a}main{max-width:26rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}.sim{font-size:.8rem;color:#5c3c00;background:#fff4d6;border-radius:6px;padding:.25rem .5rem;display:inline-block}
h1{font-size:1.1rem;margin:.75rem 0 0}.amount{font-size:2rem;font-weight:700;margin:.25rem 0}.muted{color:#555;font-size:.875rem;margin:0}
ul{list-style:none;padding:0;margin:1rem 0 0;display:grid;gap:.6rem}li{display:grid;gap:.15rem}li span{font-size:.8rem;color:#555}
button{font:inherit;font-weight:600;width:100%;padding:.7rem;border-radius:8px;border:2px solid #1d4ed8;background:#fff;color:#1d4ed8;cursor:pointer}
button.success{background:#1d4ed8;color:#fff}button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
</style></head><body><main><div class="card"><span class="sim">Simulator · no real money</span><h1>${escape(input.gatewayName)}</h1>
<p class="amount">₹${majorAmount(input.amount)}</p><p class="muted">Order ${escape(input.orderId)}</p>
<form method="post" action="${escape(input.action)}"><ul>${buttons}</ul></form></div></main></body></html>`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

/** `outcome` from a posted form or the query string (the PhonePe page once took it in the query). */
export async function postedOutcome(request: Request): Promise<string | null> {
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    const value = form.get("outcome");
    if (value) return value;
  }
  return new URL(request.url).searchParams.get("outcome");
}

const pending: Promise<unknown>[] = [];

/** How long "a few seconds later" is: `SIM_SETTLE_MS`, 4 s by default. */
export function settleDelay(env: { SIM_SETTLE_MS?: string }): number {
  const ms = Number(env.SIM_SETTLE_MS);
  return Number.isFinite(ms) && ms >= 0 ? ms : 4000;
}

/** Runs `task` after `ms`, after the response has gone; failures are the simulated gateway's own business. */
export function later(ms: number, task: () => Promise<unknown>): void {
  pending.push(
    sleep(ms)
      .then(task)
      .catch(() => undefined),
  );
}

/** Everything `later` queued so far, for `ctx.waitUntil`. */
export function drainLater(): Promise<unknown> {
  return Promise.all(pending.splice(0));
}
