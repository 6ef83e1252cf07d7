/**
 * Per-gateway fixtures for `npm run bench`: orders registered with checkpost and created at the simulated gateway,
 * outcomes set through the simulator's control API, and everything a gateway signs (return redirects, webhooks,
 * checkout responses) signed by the SIMULATOR, not by the bench or by checkpost. They are prepared before a scenario
 * starts, so nothing is signed on the load generator while it measures.
 *
 * Each gateway also says how to call its simulated API directly (the floors for routes that wait on a gateway):
 * the same status or refund call checkpost makes, with the same credentials, to the simulator's own process.
 */
import { createHmac, hkdfSync } from "node:crypto";
import { benchBindings } from "./lib.mjs";

const B = benchBindings();
const API_KEY = (B.PROXY_API_KEYS ?? "").split(",")[0];

/** Talks to checkpost and to its simulator, each in its own workerd process (`checkpost.sim`). */
export function benchClient(checkpost) {
  const call = async (path, { method = "GET", json, headers = {}, sim = false } = {}) => {
    const res = await fetch((sim ? checkpost.sim.url : checkpost.url) + path, {
      method,
      headers: {
        ...(sim ? {} : { authorization: `Bearer ${API_KEY}` }),
        ...(json === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: json === undefined ? undefined : JSON.stringify(json),
      redirect: "manual",
    });
    const text = await res.text();
    if (res.status >= 400)
      throw new Error(`${method} ${path}${sim ? " (sim)" : ""}: ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url: checkpost.url,
    simUrl: checkpost.sim.url,
    api: (path, options) => call(path, options),
    sim: (path, options) => call(path, { ...options, sim: true }),
    apiKey: API_KEY,
  };
}

/** The path and query of an absolute URL (the host is checkpost's public one; the bench talks to it locally). */
const pathOf = (url) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

const rupees = (paise) => `${Math.floor(paise / 100)}.${String(paise % 100).padStart(2, "0")}`;

/** Flips the last character of a query parameter: a tampered signature or token, still well-formed. */
function tamper(path, param) {
  const url = new URL(path, "http://x");
  const value = url.searchParams.get(param) ?? "";
  const last = value.slice(-1);
  url.searchParams.set(param, value.slice(0, -1) + (last === "A" ? "B" : "A"));
  return `${url.pathname}${url.search}`;
}

/**
 * Registers the order's amount with checkpost (`register_only`), as a merchant who created it at the gateway does.
 * Orders for return legs are not created through `POST /v1/orders`: that arms a reconciliation poll 15 s later,
 * which would run in the middle of later measurements.
 */
async function register(client, gateway, orderId, amount) {
  await client.api("/v1/orders", {
    method: "POST",
    json: { gateway, order_id: orderId, amount, currency: "INR", register_only: true },
  });
}

/**
 * checkpost's return token `t` for an order, which `POST /v1/orders` puts in the return URL it hands the gateway:
 * base64url(HMAC-SHA256(HKDF-SHA-256(first CHECKPOST_SECRET key, salt "", info "checkpost/v1/return-token"),
 * "<gateway>:<order id>")) (src/core/signing.ts `orderToken`). Minted here because these orders are only registered
 * (see `register`); if the format changes, every valid return leg of the bench answers 401 and the run fails.
 */
function returnToken(gateway, orderId) {
  const ikm = Buffer.from((B.CHECKPOST_SECRET ?? "").split(/\s+/)[0], "base64");
  const key = Buffer.from(hkdfSync("sha256", ikm, Buffer.alloc(0), "checkpost/v1/return-token", 32));
  return createHmac("sha256", key).update(`${gateway}:${orderId}`).digest("base64url");
}

/** The return URL checkpost gives PhonePe and Nimbbl (`PUBLIC_BASE_URL/return/<gateway>?order_id=…&t=…`). */
function returnUrl(gateway, orderId) {
  const url = new URL(`/return/${gateway}`, B.PUBLIC_BASE_URL);
  url.searchParams.set("order_id", orderId);
  url.searchParams.set("t", returnToken(gateway, orderId));
  return url.toString();
}

export const juspay = {
  id: "juspay",
  async setup() {},
  /** An order that is CHARGED at Juspay. */
  async simSucceeded(client, orderId, paise) {
    await client.sim("/__control/juspay/orders", {
      method: "POST",
      json: { order_id: orderId, amount: rupees(paise), status: "CHARGED" },
    });
  },
  /** A paid order, as the customer's browser brings it back (GET, the query signed by Juspay, juspay.md §3). */
  async paidReturn(client, orderId, paise) {
    await register(client, "juspay", orderId, paise);
    await this.simSucceeded(client, orderId, paise);
    return this.returnLeg(client, orderId);
  },
  tamperReturn: (request) => ({ path: tamper(request.path, "status_id") }),
  /** ORDER_SUCCEEDED for a CHARGED order, Basic auth (juspay.md §7). */
  async webhook(client, orderId, paise) {
    await this.simSucceeded(client, orderId, paise);
    return this.paidHook(client, orderId);
  },
  // An order created through checkpost (`POST /v1/orders`), for payment_cost: paid, its return leg, its webhook.
  pay: (client, orderId) =>
    client.sim(`/__control/juspay/orders/${orderId}/status`, { method: "POST", json: { status: "CHARGED" } }),
  async returnLeg(client, orderId) {
    const redirect = await client.sim(`/__control/juspay/orders/${orderId}/redirect`, { method: "POST", json: {} });
    return { path: pathOf(redirect.url) };
  },
  async paidHook(client, orderId) {
    const hook = await client.sim(`/__control/juspay/orders/${orderId}/webhook`, { method: "POST", json: {} });
    return { method: "POST", path: "/webhooks/juspay", headers: hook.headers, body: hook.body };
  },
  /** Order Status, with the headers checkpost sends. */
  directStatus(client, orderId) {
    return {
      path: `/juspay/orders/${orderId}`,
      headers: {
        authorization: `Basic ${Buffer.from(`${B.JUSPAY_API_KEY}:`).toString("base64")}`,
        "x-merchantid": B.JUSPAY_MERCHANT_ID,
        version: B.JUSPAY_API_VERSION,
        "x-routing-id": orderId,
        accept: "application/json",
      },
    };
  },
  directRefund(client, orderId, refundId, paise) {
    return {
      method: "POST",
      path: `/juspay/orders/${orderId}/refunds`,
      headers: {
        ...this.directStatus(client, orderId).headers,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ unique_request_id: refundId, amount: rupees(paise) }).toString(),
    };
  },
};

let phonepeToken = null;
export const phonepe = {
  id: "phonepe",
  async setup(client) {
    const form = new URLSearchParams({
      client_id: B.PHONEPE_CLIENT_ID,
      client_secret: B.PHONEPE_CLIENT_SECRET,
      client_version: B.PHONEPE_CLIENT_VERSION,
      grant_type: "client_credentials",
    });
    const res = await fetch(`${client.simUrl}/phonepe/v1/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    phonepeToken = (await res.json()).access_token;
  },
  async simSucceeded(client, orderId, paise) {
    await client.sim("/__control/phonepe/orders", {
      method: "POST",
      json: { merchantOrderId: orderId, amount: paise, state: "COMPLETED" },
    });
  },
  /** PhonePe sends the browser to the redirectUrl checkpost gave it, untouched: checkpost's token `t` only. */
  async paidReturn(client, orderId, paise) {
    await register(client, "phonepe", orderId, paise);
    await this.simSucceeded(client, orderId, paise);
    return this.returnLeg(client, orderId);
  },
  tamperReturn: (request) => ({ path: tamper(request.path, "t") }),
  /** checkout.order.completed, `Authorization: sha256(username:password)` (phonepe.md §5). */
  async webhook(client, orderId, paise) {
    await this.simSucceeded(client, orderId, paise);
    return this.paidHook(client, orderId);
  },
  pay: (client, orderId) =>
    client.sim(`/__control/phonepe/orders/${orderId}/outcome`, { method: "POST", json: { state: "COMPLETED" } }),
  returnLeg: async (_client, orderId) => ({ path: pathOf(returnUrl("phonepe", orderId)) }),
  async paidHook(client, orderId) {
    const hook = await client.sim("/__control/phonepe/callbacks", {
      method: "POST",
      json: { merchantOrderId: orderId },
    });
    return { method: "POST", path: "/webhooks/phonepe", headers: hook.headers, body: hook.body };
  },
  directStatus(client, orderId) {
    return {
      path: `/phonepe/checkout/v2/order/${orderId}/status?details=false`,
      headers: { authorization: `O-Bearer ${phonepeToken}`, accept: "application/json" },
    };
  },
  directRefund(client, orderId, refundId, paise) {
    return {
      method: "POST",
      path: "/phonepe/payments/v2/refund",
      headers: { ...this.directStatus(client, orderId).headers, "content-type": "application/json" },
      body: JSON.stringify({ merchantRefundId: refundId, originalMerchantOrderId: orderId, amount: paise }),
    };
  },
};

let nimbblToken = null;
export const nimbbl = {
  id: "nimbbl",
  /** Enrols the merchant's access key at the simulator (its first token request does) and keeps a token. */
  async setup(client) {
    const res = await fetch(`${client.simUrl}/nimbbl/api/v3/generate-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ access_key: B.NIMBBL_ACCESS_KEY, access_secret: B.NIMBBL_ACCESS_SECRET }),
    });
    nimbblToken = (await res.json()).token;
  },
  async simSucceeded(client, orderId, paise, callbackUrl = undefined) {
    await client.sim("/__control/nimbbl/orders", {
      method: "POST",
      json: {
        invoice_id: orderId,
        total_amount: rupees(paise),
        currency: "INR",
        access_key: B.NIMBBL_ACCESS_KEY,
        callback_url: callbackUrl,
      },
    });
    await client.sim(`/__control/nimbbl/orders/${orderId}/outcome`, { method: "POST", json: { outcome: "success" } });
  },
  /** The checkout's signed response, base64 in `response` on the callback URL checkpost gave Nimbbl. */
  async paidReturn(client, orderId, paise) {
    await register(client, "nimbbl", orderId, paise);
    await this.simSucceeded(client, orderId, paise, returnUrl("nimbbl", orderId));
    return this.returnLeg(client, orderId);
  },
  /** The same response with one hex digit of the v3 signature changed. */
  tamperReturn(request) {
    const url = new URL(request.path, "http://x");
    const response = JSON.parse(Buffer.from(url.searchParams.get("response"), "base64").toString("utf8"));
    const sig = response.transaction.signature;
    response.transaction.signature = sig.slice(0, -1) + (sig.endsWith("0") ? "1" : "0");
    url.searchParams.set("response", Buffer.from(JSON.stringify(response)).toString("base64"));
    return { path: `${url.pathname}${url.search}` };
  },
  /** payment_success with the v3 per-field signature (nimbbl.md §2). */
  async webhook(client, orderId, paise) {
    await this.simSucceeded(client, orderId, paise);
    return this.paidHook(client, orderId);
  },
  pay: (client, orderId) =>
    client.sim(`/__control/nimbbl/orders/${orderId}/outcome`, { method: "POST", json: { outcome: "success" } }),
  async returnLeg(client, orderId) {
    const response = await client.sim(`/__control/nimbbl/orders/${orderId}/checkout-response`, {
      method: "POST",
      json: {},
    });
    return { path: pathOf(response.redirect_url) };
  },
  async paidHook(client, orderId) {
    const { webhooks } = await client.sim(`/__control/nimbbl/orders/${orderId}/webhooks?format=legacy`);
    return {
      method: "POST",
      path: "/webhooks/nimbbl",
      headers: { "content-type": "application/json" },
      body: webhooks[webhooks.length - 1],
    };
  },
  directStatus(client, orderId) {
    return {
      method: "POST",
      path: "/nimbbl/api/v3/transaction-enquiry",
      headers: {
        authorization: `Bearer ${nimbblToken}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ invoice_id: orderId }),
    };
  },
  directRefund(client, orderId, refundId, paise) {
    return {
      ...this.directStatus(client, orderId),
      path: "/nimbbl/api/v3/refund",
      // As checkpost sends it: `refund_amount` a JSON number (nimbbl.md §9), written as its exact decimal text.
      body: `{"invoice_id":${JSON.stringify(orderId)},"refund_amount":${rupees(paise)},"refund_request_id":${JSON.stringify(refundId)}}`,
    };
  },
};

export const GATEWAYS = [juspay, phonepe, nimbbl];
