/**
 * The PhonePe simulator's control API (`/__control/phonepe/…`), for tests and the local demo:
 * - `POST clients {client_id, client_secret, client_version?}`: register OAuth credentials;
 * - `POST tokens/ttl {seconds}`: lifetime of tokens issued from now on; `POST tokens/expire`: every issued token
 *   stops working (PG calls answer 401, the "stale token" case);
 * - `POST webhook-credentials {username, password}`: the dashboard's callback credentials;
 * - `POST orders {merchantOrderId, amount, state?, …}`: an order created outside checkpost;
 * - `GET orders/:id`; `POST orders/:id/outcome {state, paymentMode?, errorCode?, reportedAmount?}`: settle it, and
 *   get back the `redirectUrl` PhonePe then sends the browser to (the merchant's, untouched);
 * - `POST refunds/:id/outcome {state, errorCode?}`;
 * - `POST refunds/dashboard {merchantOrderId, amount, state?, event?, type?, payload?, deliver?}`: a refund made on the Business Dashboard,
 *   not through the API (its `merchantRefundId` is PhonePe's, never the merchant's), with its refund callback
 *   (`pg.refund.completed` by default) returned as `{refund, headers, body}` (and delivered when `deliver`);
 * - `POST callbacks {merchantOrderId | merchantRefundId, event?, type?, payload?, username?, password?, deliver?}`:
 *   a callback as PhonePe would send it, returned as `{headers, body}` (and delivered when `deliver`). An `event`
 *   of another product (`subscription.*`, `paylink.*`) builds that product's payload for `merchantOrderId`. A
 *   failed refund's callback is the documented variant: empty `originalMerchantOrderId`, no `merchantRefundId`.
 */
import type { SimEnv } from "./index";
import {
  buildCallback,
  deliver,
  familyCallback,
  orderCallback,
  REFUND_EVENTS,
  type CallbackRequest,
} from "./phonepe-callbacks";
import {
  allTokens,
  config,
  dashboardRefund,
  getRecord,
  newOrder,
  orderJson,
  putRecord,
  refundCallbackJson,
  refundJson,
  settleOrder,
  type OrderOutcome,
  type SimClient,
  type SimOrder,
  type SimRefund,
} from "./phonepe-store";

type Body = Record<string, unknown>;

function text(body: Body, key: string, fallback = ""): string {
  const value = body[key];
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : fallback;
}

function outcome(body: Body): OrderOutcome {
  const state = text(body, "state", "COMPLETED");
  return {
    state: state === "FAILED" || state === "PENDING" || state === "EXPIRED" ? state : "COMPLETED",
    ...(typeof body["paymentMode"] === "string" ? { paymentMode: body["paymentMode"] } : {}),
    ...(typeof body["errorCode"] === "string" ? { errorCode: body["errorCode"] } : {}),
    ...(typeof body["detailedErrorCode"] === "string" ? { detailedErrorCode: body["detailedErrorCode"] } : {}),
    ...(typeof body["reportedAmount"] === "number" ? { reportedAmount: body["reportedAmount"] } : {}),
  };
}

const notFound = (what: string) => Response.json({ error: `${what} not found` }, { status: 404 });

const OTHER_FAMILIES = /^(subscription|paylink)[._]/i;

async function callbackControl(body: Body, env: SimEnv): Promise<Response> {
  const req = body as CallbackRequest;
  const refundId = body["merchantRefundId"];
  const named = text(body, "event") || text(body, "type");
  let built;
  if (typeof refundId === "string") {
    const refund = getRecord<SimRefund>("refund", refundId);
    const event = REFUND_EVENTS[refund?.state ?? "PENDING"] ?? "pg.refund.accepted";
    built = await buildCallback(event, refund ? refundCallbackJson(refund) : { merchantRefundId: refundId }, req);
  } else if (OTHER_FAMILIES.test(named)) {
    built = await familyCallback(named.toLowerCase().replaceAll("_", "."), text(body, "merchantOrderId"), req);
  } else {
    const orderId = text(body, "merchantOrderId");
    const order = getRecord<SimOrder>("order", orderId);
    built = order
      ? await orderCallback(order, req)
      : await buildCallback("checkout.order.completed", { merchantOrderId: orderId }, req);
  }
  const delivered = req.deliver ? await deliver(env, built) : null;
  return Response.json({ method: "POST", path: "/webhooks/phonepe", ...built, delivered });
}

/** A Business Dashboard refund and its callback: the completed one unless `state` says otherwise. */
async function dashboardControl(body: Body, env: SimEnv): Promise<Response> {
  const order = getRecord<SimOrder>("order", text(body, "merchantOrderId"));
  if (!order) return notFound("order");
  const state = text(body, "state", "COMPLETED");
  const refund = dashboardRefund(order, Number(body["amount"]), state);
  const event = REFUND_EVENTS[state] ?? "pg.refund.completed";
  const built = await buildCallback(event, refundCallbackJson(refund), body);
  const delivered = body["deliver"] ? await deliver(env, built) : null;
  return Response.json({ refund: refundJson(refund), method: "POST", path: "/webhooks/phonepe", ...built, delivered });
}

export async function phonepeControl(route: string, parts: readonly string[], body: Body, env: SimEnv) {
  if (route === "POST clients") {
    const client: SimClient = { secret: text(body, "client_secret"), version: text(body, "client_version", "1") };
    putRecord("client", text(body, "client_id"), client);
    return Response.json({ ok: true });
  }
  if (route === "POST tokens/ttl") {
    config().tokenTtlSeconds = Number(body["seconds"]);
    return Response.json({ ok: true });
  }
  if (route === "POST tokens/expire") {
    const tokens = allTokens();
    for (const t of tokens) t.expiresAt = Math.floor(Date.now() / 1000) - 1;
    return Response.json({ ok: true, expired: tokens.length });
  }
  if (route === "POST webhook-credentials") {
    Object.assign(config(), { webhookUsername: text(body, "username"), webhookPassword: text(body, "password") });
    return Response.json({ ok: true });
  }
  if (route === "POST callbacks") return callbackControl(body, env);
  if (route === "POST refunds/dashboard") return dashboardControl(body, env);
  if (route === "POST orders") {
    const order = newOrder(text(body, "merchantOrderId"), Number(body["amount"]));
    if (body["state"] && body["state"] !== "PENDING") settleOrder(order, outcome(body));
    return Response.json(orderJson(order, true));
  }
  const [kind, id, action] = parts;
  if (kind === "orders" && id !== undefined) {
    const order = getRecord<SimOrder>("order", id);
    if (!order) return notFound("order");
    if (route.startsWith("GET ") && action === undefined) return Response.json({ ...order });
    if (route.startsWith("POST ") && action === "outcome") {
      settleOrder(order, outcome(body));
      // Where PhonePe sends the browser next: the merchant's own redirectUrl, untouched (phonepe.md §2).
      return Response.json({ state: order.state, redirectUrl: order.redirectUrl });
    }
  }
  if (kind === "refunds" && id !== undefined && route.startsWith("POST ") && action === "outcome") {
    const refund = getRecord<SimRefund>("refund", id);
    if (!refund) return notFound("refund");
    refund.state = text(body, "state", "COMPLETED");
    refund.timestamp = Date.now();
    if (refund.state === "FAILED") refund.errorCode = text(body, "errorCode", "REFUND_FAILED");
    return Response.json(refundJson(refund));
  }
  return Response.json({ error: "unknown control route" }, { status: 404 });
}
