/**
 * Nimbbl's checkout, simulated: what happens between create-order and the customer's return (nimbbl.md §1, seed 003).
 * - `applyOutcome`: a named outcome (a new attempt, a late success, a reversal, a lapse) applied to an order;
 * - `buildCheckoutResponse`: the signed response the checkout hands the browser, and the redirect carrying it;
 * - `checkoutRoute`: `GET|POST /nimbbl/checkout?token=…`, the page the checkout SDK opens for an order token
 *   (`npm start`, end-to-end tests) with checkout.ts's five outcomes; it sends Nimbbl's webhooks for what changed,
 *   then redirects to the order's `callback_url` with the base64 `response`.
 */
import { checkoutPage, isCheckoutOutcome, later, postedOutcome, settleDelay, type CheckoutOutcome } from "./checkout";
import type { SimEnv } from "./index";
import { base64, encryptHex, toJson, toPaise, v4Envelope } from "./nimbbl-crypto";
import {
  db,
  nextTxnId,
  orderView,
  payments,
  secretOf,
  setStatus,
  signedPayment,
  type SimOrder,
  type SimTxn,
} from "./nimbbl-store";

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function latestPayment(order: SimOrder): SimTxn | undefined {
  return payments(order).at(-1);
}

async function addAttempt(order: SimOrder, status: string, b: Record<string, unknown>): Promise<SimTxn> {
  const additional = toPaise(b["additional_charges"] ?? 0) ?? 0;
  const offer = toPaise(b["offer_discount"] ?? 0) ?? 0;
  const txn: SimTxn = {
    id: nextTxnId(order),
    type: "payment",
    status: "new",
    // What the customer paid: the order total plus fees minus discounts (nimbbl.md §1.1 "Binding to the merchant's
    // order": `transaction_amount` "is the final amount paid and can differ from `total_amount`" through
    // `additional_charges`, `offer_discount` or currency conversion; §3 lists these enquiry fields). A test may set
    // another `transaction_amount`: the docs name no other cause, so that stands for a gateway answering a capture
    // the order does not explain, which §1.1 tells the proxy to check. The signature covers it like any amount
    // (§1.1's signing formula includes `transaction_amount`).
    paise: toPaise(b["transaction_amount"]) ?? order.totalPaise + additional - offer,
    currency: str(b["currency"]) ?? order.currency,
    additionalPaise: additional,
    offerPaise: offer,
  };
  order.transactions.push(txn);
  await setStatus(order, txn, status);
  return txn;
}

/** Applies a named outcome (seed 003's states and edge cases) to an order. */
export async function applyOutcome(
  order: SimOrder,
  outcome: string,
  b: Record<string, unknown>,
): Promise<string | null> {
  const latest = latestPayment(order);
  switch (outcome) {
    case "success":
      return (await addAttempt(order, "succeeded", b)).id;
    case "failure":
      return (await addAttempt(order, "failed", b)).id;
    case "pending":
      return (await addAttempt(order, "pending", b)).id;
    // Pre-auth: the money is held, not captured (nimbbl.md §4, `authorized` from [S2] tests).
    case "authorized":
      return (await addAttempt(order, "authorized", b)).id;
    case "late_success":
    case "reversing":
    case "reversal": {
      if (!latest || !["pending", "failed", "reversing"].includes(latest.status)) return null;
      if (outcome === "late_success") await setStatus(order, latest, "succeeded");
      else {
        if (latest.status !== "reversing") await setStatus(order, latest, "reversing");
        if (outcome === "reversal") await setStatus(order, latest, "reversed");
      }
      return latest.id;
    }
    case "lapse":
      order.lapsed = true;
      return latest?.id ?? null;
    default:
      return null;
  }
}

/** The checkout response the browser carries back (§1.3); seed 003's "cancelled" row has no transaction. */
export async function buildCheckoutResponse(
  order: SimOrder,
  b: Record<string, unknown>,
): Promise<{ json: string; base64: string; redirect_url: string | null }> {
  const latest = latestPayment(order);
  let response: Record<string, unknown>;
  if (b["cancelled"] === true || !latest) {
    response = {
      status: "failed",
      message: "User cancelled the payment",
      nimbbl_order_id: order.orderId,
      transaction: null,
      order: orderView(order),
    };
  } else {
    response = await signedPayment(order, latest);
  }
  const format = str(b["format"]) ?? "legacy";
  if (format === "v4") response = await v4Envelope(secretOf(order), toJson(response), "nimbbl_signature");
  if (format === "encrypted") response = { encrypted_response: await encryptHex(secretOf(order), toJson(response)) };
  const envelope = str(b["envelope"]);
  if (envelope) response = { event_type: envelope, payload: response };
  const text = toJson(response);
  const encoded = base64(new TextEncoder().encode(text));
  let redirect: string | null = null;
  if (order.callbackUrl) {
    const url = new URL(order.callbackUrl);
    url.searchParams.set("response", encoded);
    redirect = url.toString();
  }
  return { json: text, base64: encoded, redirect_url: redirect };
}

/** The checkout's five outcomes as Nimbbl attempts: what happens now, and what a few seconds later. */
const OUTCOMES: Record<CheckoutOutcome, { now: string | null; later?: string }> = {
  success: { now: "success" },
  failure: { now: "failure" },
  pending_then_success: { now: "pending", later: "late_success" },
  // A late success inside the authorisation period (nimbbl.md §4).
  late_success: { now: "failure", later: "late_success" },
  // Seed 003's "cancelled" row: no transaction, the order stays `new`.
  cancel: { now: null },
};

/**
 * POSTs the legacy JSON webhooks Nimbbl recorded from `from` on to `CHECKPOST_URL/webhooks/nimbbl`. Skipped for a
 * `.test` host (the test configuration: tests post webhooks themselves).
 */
async function deliverFrom(order: SimOrder, from: number, env: SimEnv): Promise<void> {
  if (!env.CHECKPOST_URL || new URL(env.CHECKPOST_URL).hostname.endsWith(".test")) return;
  for (const event of order.events.slice(from)) {
    await fetch(new URL("/webhooks/nimbbl", env.CHECKPOST_URL), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: toJson(event),
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
  }
}

async function applyAndDeliver(order: SimOrder, outcome: string, env: SimEnv): Promise<void> {
  const from = order.events.length;
  await applyOutcome(order, outcome, {});
  await deliverFrom(order, from, env);
}

export async function checkoutRoute(request: Request, url: URL, env: SimEnv): Promise<Response> {
  const invoiceId = db().checkoutTokens.get(url.searchParams.get("token") ?? "");
  const order = invoiceId === undefined ? undefined : db().orders.get(invoiceId);
  if (!order) return new Response("unknown or expired order token", { status: 404 });
  if (request.method === "GET") {
    return checkoutPage({
      gatewayName: "Nimbbl",
      amount: order.totalPaise,
      orderId: order.invoiceId,
      action: url.pathname + url.search,
    });
  }
  const outcome = await postedOutcome(request);
  const plan = isCheckoutOutcome(outcome) ? OUTCOMES[outcome] : OUTCOMES.success;
  if (plan.now) await applyAndDeliver(order, plan.now, env);
  const next = plan.later;
  if (next) later(settleDelay(env), () => applyAndDeliver(order, next, env));
  const response = await buildCheckoutResponse(order, { cancelled: plan.now === null });
  if (!response.redirect_url) return new Response("the order has no callback_url", { status: 400 });
  return new Response(null, { status: 303, headers: { location: response.redirect_url } });
}
