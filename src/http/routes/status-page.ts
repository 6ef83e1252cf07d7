/**
 * `GET /status/:gateway/:order_id?t=…`: the hosted status page customers land on when no `MERCHANT_RETURN_URL` is
 * set (product.md §2). The link carries checkpost's token over the order, so order ids cannot be enumerated.
 *
 * What the customer sees: the state in words, the amount and their order reference; nothing internal (no gateway
 * status, gateway reference, customer data or request id). While the payment is not final the page updates itself
 * in place (a few lines of script fetch the page again and copy the `role="status"` region, so screen readers
 * announce the change), or by a plain refresh without script; it stops once the state is final.
 * Mobile first, `lang`, contrast above WCAG AA, its stylesheet and script
 * static assets (`public/assets/`, outside the Worker's bundle) under a CSP that allows only this origin's.
 */
import { proxyError } from "../../core/errors";
import { toMajorString, type Currency } from "../../core/money";
import { isFinalPayment, type PaymentStatus } from "../../core/status";
import { verifyOrderToken } from "../../core/signing";
import { orderStub } from "../../storage/order-object";
import { HttpError, type AppRequest, type RequestContext } from "../context";
import { requireOrder } from "../gateway-context";
import { escapeHtml, htmlPage } from "../respond";

/** Headline, one sentence for the customer, and the symbol shown with it. */
const STATES: Record<PaymentStatus | "requires_review", readonly [string, string, string]> = {
  created: [
    "Waiting for your payment",
    "No payment has reached us yet. If you have just paid, this page will update.",
    "…",
  ],
  pending: ["Confirming your payment…", "Your bank has not confirmed it yet. Please do not pay again.", "…"],
  succeeded: ["Payment received", "Thank you, your payment is confirmed. You can close this page.", "✓"],
  failed: ["Payment failed", "The payment did not go through. Any money taken will be returned by your bank.", "✕"],
  expired: ["Payment expired", "This payment was not completed in time. No money was taken.", "✕"],
  reversed: ["Payment refunded", "The payment was returned to you in full.", "↺"],
  requires_review: [
    "Payment under review",
    "We are checking this payment with the shop. Please do not pay again.",
    "!",
  ],
};

/** How often the page asks again while the payment is open, and for how long (then a reload is needed). */
const POLL_MS = 3000;
const POLLS = 200;

// public/assets/status.js fetches the page again and copies the live region (parsing only <main>); it stops at a
// final state or after POLLS tries.

function formatAmount(amount: number | null, currency: Currency | null): string {
  if (amount === null || !currency) return "";
  const major = toMajorString({ minor: amount, currency });
  return currency === "INR" ? `₹${major}` : `${escapeHtml(currency)} ${major}`;
}

export async function statusPage(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref } = requireOrder(request, rc);
  const token = typeof request.query["t"] === "string" ? request.query["t"] : "";
  // Without CHECKPOST_SECRET no link can be checked: the page is off (and says so), rather than "no such order".
  if (!rc.config.tokenSecrets.length) throw new HttpError(proxyError("status_page_not_configured"));
  if (!(await verifyOrderToken(rc.config.tokenSecrets, "status", ref.gateway, ref.orderId, token))) {
    throw new HttpError(proxyError("order_not_found"));
  }
  const order = await orderStub(rc.env, ref).get(ref);
  if (!order) throw new HttpError(proxyError("order_not_found"));
  const shown = order.requires_review ? "requires_review" : order.status;
  const final = order.requires_review || isFinalPayment(order.status);
  const [headline, sentence, symbol] = STATES[shown];
  const amount = formatAmount(order.amount, order.currency);
  const body = `<div id="s" class="state ${shown}" role="status" data-final="${final ? 1 : 0}"><p class="icon" aria-hidden="true">${symbol}</p><h1>${headline}</h1><p>${sentence}</p>${
    final ? "" : '<p class="muted">This page updates by itself.</p>'
  }</div><dl>${amount ? `<dt>Amount</dt><dd class="amount">${amount}</dd>` : ""}<dt>Order</dt><dd>${escapeHtml(order.order_id)}</dd></dl>`;
  const head = final
    ? ""
    : `<noscript><meta http-equiv="refresh" content="${POLL_MS / 1000}"></noscript><script src="/assets/status.js" data-polls="${POLLS}" data-ms="${POLL_MS}"></script>`;
  return new Response(htmlPage(headline, body, head), {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "content-security-policy": `default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
  });
}
