/**
 * `GET /status/:gateway/:order_id?t=…`: the hosted status page customers land on when no `MERCHANT_RETURN_URL` is
 * set. The link carries checkpost's token over the order, so order ids cannot be enumerated; the page shows the
 * amount and state only, and refreshes itself while the payment is not final.
 */
import { toMajorString } from "../../core/money";
import { isFinalPayment } from "../../core/status";
import { proxyError } from "../../core/errors";
import { verifyOrderToken } from "../../core/signing";
import { orderStub } from "../../storage/order-object";
import { HttpError, type AppRequest, type RequestContext } from "../context";
import { requireOrder } from "../gateway-context";
import { escapeHtml, htmlPage } from "../respond";

const HEADLINES: Record<string, string> = {
  created: "Waiting for your payment",
  pending: "Confirming your payment…",
  succeeded: "Payment received",
  failed: "Payment failed",
  expired: "Payment expired",
  reversed: "Payment refunded",
  requires_review: "Payment under review",
};

export async function statusPage(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref } = requireOrder(request, rc);
  const token = typeof request.query["t"] === "string" ? request.query["t"] : "";
  if (!(await verifyOrderToken(rc.config.merchantSecrets, "status", ref.gateway, ref.orderId, token))) {
    throw new HttpError(proxyError("order_not_found"));
  }
  const order = await orderStub(rc.env, ref).get(ref);
  if (!order) throw new HttpError(proxyError("order_not_found"));
  const shown = order.requires_review ? "requires_review" : order.status;
  const final = order.requires_review || isFinalPayment(order.status);
  const amount =
    order.amount !== null && order.currency
      ? `${escapeHtml(order.currency)} ${toMajorString({ minor: order.amount, currency: order.currency })}`
      : "";
  const body = `<h1 data-status="${shown}">${escapeHtml(HEADLINES[shown] ?? shown)}</h1>${
    amount ? `<p class="amount">${amount}</p>` : ""
  }<p class="muted">Order ${escapeHtml(order.order_id)}</p>${final ? "" : '<p class="muted">This page refreshes by itself.</p>'}`;
  return new Response(
    htmlPage(HEADLINES[shown] ?? "Payment status", body, final ? "" : '<meta http-equiv="refresh" content="3">'),
    {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
      },
    },
  );
}
