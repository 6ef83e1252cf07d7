/**
 * PhonePe PG v2 Standard Checkout, simulated (shared/spec/gateways/phonepe.md).
 *
 * API (`/phonepe/…`): `POST /v1/oauth/token` (form; tokens expire, and `O-Bearer` is required on every PG call),
 * `POST /checkout/v2/pay`, `POST /checkout/v2/sdk/order`, `GET /checkout/v2/order/{id}/status?details=`,
 * `POST /payments/v2/refund`, `GET /payments/v2/refund/{id}/status`, and a checkout page
 * (`GET|POST /checkout/page?order=…`, checkout.ts's five outcomes) that settles the order and sends the browser to the
 * merchant's `redirectUrl`.
 *
 * Control (`/__control/phonepe/…`): register clients, set the token lifetime, expire every token, create orders,
 * set an order's or a refund's outcome (returning the redirect back to the merchant), build a callback with the
 * documented `Authorization` header (returned as headers + body, or delivered to `CHECKPOST_URL`).
 *
 * Choices where PhonePe documents nothing (phonepe.md §10): an unknown `client_id` is registered on first use
 * with the secret it presents; a repeated `merchantOrderId` or `merchantRefundId` is a 409; an unknown order or
 * refund is a 404; errors carry `{code, errorCode, message}`.
 */
import { checkoutPage, isCheckoutOutcome, later, postedOutcome, settleDelay, type CheckoutOutcome } from "./checkout";
import type { GatewaySim, SimEnv } from "./index";
import { deliver, orderCallback } from "./phonepe-callbacks";
import { phonepeControl } from "./phonepe-control";
import {
  config,
  getRecord,
  newOrder,
  orderJson,
  putRecord,
  randomId,
  refundJson,
  refundsOf,
  settleLatest,
  settleOrder,
  type SimClient,
  type SimOrder,
  type SimRefund,
  type SimToken,
} from "./phonepe-store";

const ID = /^[A-Za-z0-9_-]{1,63}$/;

function fail(status: number, errorCode: string, message: string): Response {
  return Response.json({ success: false, code: errorCode, errorCode, message }, { status });
}

async function jsonBody(request: Request): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = await request.json();
    return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------ OAuth (phonepe.md §1)

async function issueToken(request: Request): Promise<Response> {
  if (!(request.headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")) {
    return fail(400, "BAD_REQUEST", "form-encoded body required");
  }
  const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
  const clientId = form.get("client_id");
  const secret = form.get("client_secret");
  const version = form.get("client_version");
  if (!clientId || !secret || !version || form.get("grant_type") !== "client_credentials") {
    return fail(400, "BAD_REQUEST", "client_id, client_secret, client_version and grant_type are required");
  }
  const client = getRecord<SimClient>("client", clientId);
  if (!client) putRecord("client", clientId, { secret, version } satisfies SimClient);
  else if (client.secret !== secret || client.version !== version) return fail(401, "PR004", "Unauthorized");
  const issuedAt = nowSeconds();
  const expiresAt = issuedAt + config().tokenTtlSeconds;
  const accessToken = `sim.${crypto.randomUUID().replace(/-/g, "")}`;
  putRecord("token", accessToken, { clientId, issuedAt, expiresAt } satisfies SimToken);
  // The documented sample, field for field (phonepe.md §1, authorization docs).
  return Response.json({
    access_token: accessToken,
    encrypted_access_token: `enc.${accessToken}`,
    expires_in: null,
    issued_at: issuedAt,
    expires_at: expiresAt,
    session_expires_at: expiresAt,
    token_type: "O-Bearer",
  });
}

/** Every PG call needs `Authorization: O-Bearer <unexpired token>`; anything else is PhonePe's 401. */
function authorized(request: Request): boolean {
  const header = request.headers.get("authorization") ?? "";
  if (!header.startsWith("O-Bearer ")) return false;
  const token = getRecord<SimToken>("token", header.slice("O-Bearer ".length));
  return token !== undefined && nowSeconds() < token.expiresAt;
}

// ------------------------------------------------------------------ create payment (phonepe.md §2)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The pay / SDK-order body as the docs' field table says PhonePe takes it (phonepe.md §2, create-payment docs). */
function payProblem(body: Record<string, unknown>): string | null {
  const { merchantOrderId, amount, expireAfter, metaInfo, paymentFlow } = body;
  // merchantOrderId: required, at most 63, alphanumerics plus `_` and `-`.
  if (typeof merchantOrderId !== "string" || !ID.test(merchantOrderId)) return "invalid merchantOrderId";
  // amount: required long in paisa, minimum 100.
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < 100) return "invalid amount";
  // expireAfter: optional seconds, 300-3600.
  if (
    expireAfter !== undefined &&
    (!Number.isInteger(expireAfter) || Number(expireAfter) < 300 || Number(expireAfter) > 3600)
  ) {
    return "expireAfter must be 300-3600";
  }
  // metaInfo.udf1..udf15: udf1-10 at most 256 characters, udf11-15 at most 50 of `[A-Za-z0-9_\-+@.]`; no other keys.
  if (metaInfo !== undefined) {
    if (!isObject(metaInfo)) return "invalid metaInfo";
    for (const [key, value] of Object.entries(metaInfo)) {
      const n = /^udf(\d+)$/.exec(key)?.[1];
      if (!n || Number(n) < 1 || Number(n) > 15 || typeof value !== "string") return `invalid metaInfo key ${key}`;
      if (Number(n) <= 10 ? value.length > 256 : !/^[A-Za-z0-9_\-+@.]{0,50}$/.test(value)) return `invalid ${key}`;
    }
  }
  // paymentFlow: required `{type: "PG_CHECKOUT", message?: string, merchantUrls: {redirectUrl?: string}}`.
  if (!isObject(paymentFlow) || paymentFlow["type"] !== "PG_CHECKOUT") return "paymentFlow.type must be PG_CHECKOUT";
  if (paymentFlow["message"] !== undefined && typeof paymentFlow["message"] !== "string") return "invalid message";
  const urls = paymentFlow["merchantUrls"];
  if (!isObject(urls)) return "paymentFlow.merchantUrls is required";
  if (urls["redirectUrl"] !== undefined && typeof urls["redirectUrl"] !== "string") return "invalid redirectUrl";
  // disablePaymentRetry: optional boolean; prefillUserLoginDetails.phoneNumber: optional (docs; SDK 2.0.6).
  if (body["disablePaymentRetry"] !== undefined && typeof body["disablePaymentRetry"] !== "boolean") {
    return "invalid disablePaymentRetry";
  }
  const prefill = body["prefillUserLoginDetails"];
  if (prefill !== undefined && (!isObject(prefill) || typeof (prefill["phoneNumber"] ?? "") !== "string")) {
    return "invalid prefillUserLoginDetails";
  }
  return null;
}

async function createOrder(request: Request, sdk: boolean): Promise<Response> {
  const body = await jsonBody(request);
  if (!body) return fail(400, "BAD_REQUEST", "JSON body required");
  const problem = payProblem(body);
  if (problem) return fail(400, "BAD_REQUEST", problem);
  const merchantOrderId = body["merchantOrderId"] as string;
  if (getRecord<SimOrder>("order", merchantOrderId)) return fail(409, "ORDER_ALREADY_EXISTS", "duplicate order");
  const flow = body["paymentFlow"] as { merchantUrls?: { redirectUrl?: string } };
  const order = newOrder(merchantOrderId, body["amount"] as number, {
    ...(typeof body["expireAfter"] === "number" ? { expireAfterSeconds: body["expireAfter"] } : {}),
    ...(body["metaInfo"] ? { metaInfo: body["metaInfo"] as Record<string, string> } : {}),
    ...(flow.merchantUrls?.redirectUrl ? { redirectUrl: flow.merchantUrls.redirectUrl } : {}),
  });
  // Response (phonepe.md §2): `{orderId, state, expireAt, redirectUrl}` (SDK StandardCheckoutPayResponse.d.ts), or
  // `{orderId, state, expireAt, token}` for the SDK order (CreateSdkOrderResponse.d.ts).
  const base = { orderId: order.orderId, state: order.state, expireAt: order.expireAt };
  if (sdk) return Response.json({ ...base, token: randomId("SDKTOKEN") });
  const page = new URL("/phonepe/checkout/page", request.url);
  page.searchParams.set("order", merchantOrderId);
  return Response.json({ ...base, redirectUrl: page.toString() });
}

// ------------------------------------------------------------------ the checkout page (browser)

/** The checkout's five outcomes (checkout.ts) as PhonePe order states: now, and a few seconds later. */
const OUTCOMES: Record<CheckoutOutcome, { now: "COMPLETED" | "FAILED" | "PENDING" | null; later?: "COMPLETED" }> = {
  success: { now: "COMPLETED" },
  failure: { now: "FAILED" },
  pending_then_success: { now: "PENDING", later: "COMPLETED" },
  // PhonePe documents no FAILED → COMPLETED; the simulator offers it so every gateway shows the same five choices
  // (checkpost accepts it only through its own status call, like any late success).
  late_success: { now: "FAILED", later: "COMPLETED" },
  // Closing the page starts no attempt: the order stays PENDING until it expires.
  cancel: { now: null },
};

/** `outcome` as the page posts it, or the page's earlier `COMPLETED` / `FAILED` (kept for scripts and tests). */
function planFor(outcome: string | null): (typeof OUTCOMES)[CheckoutOutcome] {
  if (isCheckoutOutcome(outcome)) return OUTCOMES[outcome];
  return { now: outcome === "FAILED" ? "FAILED" : "COMPLETED" };
}

async function checkout(request: Request, url: URL, env: SimEnv): Promise<Response> {
  const order = getRecord<SimOrder>("order", url.searchParams.get("order") ?? "");
  if (!order) return new Response("unknown order", { status: 404 });
  if (request.method === "GET") {
    return checkoutPage({
      gatewayName: "PhonePe",
      amount: order.amount,
      orderId: order.merchantOrderId,
      action: url.pathname + url.search,
    });
  }
  const plan = planFor(await postedOutcome(request));
  if (plan.now) {
    settleOrder(order, { state: plan.now });
    // PhonePe sends no callback for an attempt still in progress (phonepe.md §5).
    if (plan.now !== "PENDING") await deliver(env, await orderCallback(order, {}));
  }
  if (plan.later) {
    later(settleDelay(env), async () => {
      settleLatest(order, "COMPLETED");
      await deliver(env, await orderCallback(order, {}));
    });
  }
  return new Response(null, { status: 303, headers: { location: order.redirectUrl ?? "about:blank" } });
}

// ------------------------------------------------------------------ refunds (phonepe.md §4)

/**
 * `POST /payments/v2/refund {merchantRefundId, originalMerchantOrderId, amount}` (phonepe.md §4, refund docs): all
 * three required; `merchantRefundId` at most 63 characters and unique; `amount` in paisa, at least 100 (most pages;
 * one says 1: the stricter rule is simulated) and at most what is left of the order after earlier refunds.
 */
async function createRefund(request: Request): Promise<Response> {
  const body = await jsonBody(request);
  const { merchantRefundId, originalMerchantOrderId, amount } = body ?? {};
  if (typeof merchantRefundId !== "string" || merchantRefundId.length < 1 || merchantRefundId.length > 63) {
    return fail(400, "BAD_REQUEST", "invalid merchantRefundId");
  }
  if (typeof originalMerchantOrderId !== "string" || originalMerchantOrderId === "") {
    return fail(400, "BAD_REQUEST", "originalMerchantOrderId is required");
  }
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < 100) {
    return fail(400, "BAD_REQUEST", "invalid amount: at least 100 paisa");
  }
  const order = getRecord<SimOrder>("order", originalMerchantOrderId);
  if (!order || order.state !== "COMPLETED") return fail(400, "INVALID_TRANSACTION_ID", "order not refundable");
  if (getRecord<SimRefund>("refund", merchantRefundId)) return fail(409, "DUPLICATE_REQUEST", "duplicate refund id");
  const refunded = refundsOf(order.merchantOrderId)
    .filter((r) => r.state !== "FAILED")
    .reduce((sum, r) => sum + r.amount, 0);
  if (refunded + amount > order.amount) return fail(400, "EXCESS_REFUND_AMOUNT", "refund exceeds the order amount");
  const refund: SimRefund = {
    merchantRefundId,
    originalMerchantOrderId: order.merchantOrderId,
    refundId: randomId("OMR"),
    amount,
    state: "PENDING",
    timestamp: Date.now(),
  };
  putRecord("refund", merchantRefundId, refund);
  // Response (phonepe.md §4): `{refundId: "OMR…", amount, state: "PENDING"}`.
  return Response.json({ refundId: refund.refundId, amount, state: refund.state });
}

// ------------------------------------------------------------------ routing

function segments(path: string): string[] {
  return path
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}

export const phonepeSim: GatewaySim = {
  async api(request, path, env) {
    const url = new URL(request.url);
    const parts = segments(path);
    const route = `${request.method} ${parts.join("/")}`;
    if (route === "POST v1/oauth/token") return issueToken(request);
    if (path === "/checkout/page") return checkout(request, url, env);
    if (!authorized(request)) return fail(401, "PR004", "Unauthorized");
    if (route === "POST checkout/v2/pay") return createOrder(request, false);
    if (route === "POST checkout/v2/sdk/order") return createOrder(request, true);
    if (route === "POST payments/v2/refund") return createRefund(request);
    const [a, b, c, id, last] = parts;
    if (request.method === "GET" && parts.length === 5 && last === "status" && id !== undefined) {
      if (a === "checkout" && b === "v2" && c === "order") {
        const order = getRecord<SimOrder>("order", id);
        if (!order) return fail(404, "ORDER_NOT_FOUND", "order not found");
        return Response.json(orderJson(order, url.searchParams.get("details") === "true"));
      }
      if (a === "payments" && b === "v2" && c === "refund") {
        const refund = getRecord<SimRefund>("refund", id);
        return refund ? Response.json(refundJson(refund)) : fail(404, "REFUND_NOT_FOUND", "refund not found");
      }
    }
    return fail(404, "NOT_FOUND", "no such API");
  },

  async control(request, path, env) {
    const parts = segments(path);
    const body = request.method === "POST" ? ((await jsonBody(request)) ?? {}) : {};
    return phonepeControl(`${request.method} ${parts.join("/")}`, parts, body, env);
  },
};
