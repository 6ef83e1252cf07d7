/**
 * The simulated Nimbbl v3 API (nimbbl.md §3) and its control routes.
 *
 * API (below the base URL, `/api` optional): `POST /v3/generate-token`, `POST /v3/create-order`, `GET /v3/order`,
 * `POST /v3/transaction-enquiry`, `POST /v3/refund`. Errors are `{error: {nimbbl_error_code, …}}` (§5). The checkout
 * page the SDK would open for an order token is `GET|POST /checkout?token=…` (nimbbl-checkout.ts).
 *
 * Control (`/__control/nimbbl/…`):
 * - `POST /orders` — an order the merchant created without checkpost `{invoice_id, total_amount, currency, access_key}`;
 * - `POST /orders/:invoice/outcome` `{outcome}` — `success | failure | pending | authorized` (a new attempt), `late_success`,
 *   `reversing`, `reversal` (the latest attempt moves), `lapse` (no more attempts);
 * - `POST /orders/:invoice/checkout-response` `{cancelled?, envelope?, format?}` — the signed response the checkout
 *   hands the browser, as JSON, base64 and the redirect URL Nimbbl would send the customer to;
 * - `GET /orders/:invoice/webhooks?format=legacy|v4|encrypted&inner_signature=false` — every webhook sent so far,
 *   oldest first, as exact bodies (tests post them in any order, or twice);
 * - `POST /orders/:invoice/webhooks/deliver` `{format?, order?: "in_order"|"reverse", duplicate?}` — sends them to
 *   `CHECKPOST_URL/webhooks/nimbbl` (npm start);
 * - `POST /refunds/:refund_transaction_id/outcome` `{status: succeeded|failed}`;
 * - `POST /orders/:invoice/refunds` `{refund_amount}` — a refund made in Nimbbl's dashboard (no `refund_request_id`);
 * - `POST /merchants/:access_key` `{expire_tokens?: true, refuse_tokens?: boolean, encrypt_responses?: boolean}` —
 *   token faults for one merchant, and its encrypted-responses switch (§1.3): every API answer is then
 *   `{encrypted_response}`, and error bodies come with HTTP 200 (§5 "check both"; a refused token keeps its 401);
 * - `GET /orders/:invoice` — the raw state, with the callback URL.
 */
import type { GatewaySim, SimEnv } from "./index";
import { applyOutcome, buildCheckoutResponse, checkoutRoute } from "./nimbbl-checkout";
import { encryptHex, nimbblTimestamp, randomId, toJson, toPaise, v4Envelope } from "./nimbbl-crypto";
import {
  db,
  enquiryEntry,
  findOrder,
  newOrder,
  nextTxnId,
  orderStatus,
  orderView,
  payments,
  refundedPaise,
  refunds,
  secretOf,
  setStatus,
  type SimOrder,
  type SimTxn,
} from "./nimbbl-store";

const TOKEN_LIFETIME_MS = 20 * 60 * 1000;

function json(body: unknown, status = 200): Response {
  return new Response(toJson(body), { status, headers: { "content-type": "application/json" } });
}

function nimbblError(status: number, code: string, message: string): Response {
  return json(
    { error: { nimbbl_error_code: code, nimbbl_consumer_message: message, nimbbl_merchant_message: message } },
    status,
  );
}

async function body(request: Request): Promise<Record<string, unknown>> {
  try {
    const value: unknown = await request.json();
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The access key behind a valid, unexpired bearer token. */
function merchantOf(request: Request): string | null {
  const auth = request.headers.get("authorization") ?? "";
  const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
  const entry = db().tokens.get(token);
  if (!entry || entry.expiresAt <= Date.now() || db().refusing.has(entry.accessKey)) return null;
  return entry.accessKey;
}

// ------------------------------------------------------------------ API

async function generateToken(request: Request): Promise<Response> {
  const b = await body(request);
  const key = str(b["access_key"]);
  const secret = str(b["access_secret"]);
  if (!key || !secret)
    return nimbblError(400, "INVALID_REQUEST_PARAMETER", "access_key and access_secret are required");
  const merchants = db().merchants;
  const known = merchants.get(key);
  if (known !== undefined && known !== secret) return nimbblError(401, "UNAUTHORIZED", "invalid credentials");
  merchants.set(key, secret);
  const token = randomId("eyJsim.", 40);
  const expiresAt = Date.now() + TOKEN_LIFETIME_MS;
  db().tokens.set(token, { accessKey: key, expiresAt });
  return json({ token, expires_at: nimbblTimestamp(expiresAt) });
}

/** create-an-order-v-3 (nimbbl.md §9): `user` is nullable, but when present these four are required. */
const USER_REQUIRED = ["email", "first_name", "country_code", "mobile_number"] as const;

async function createOrder(request: Request, accessKey: string): Promise<Response> {
  const b = await body(request);
  const invoiceId = str(b["invoice_id"]);
  if (invoiceId && findOrder({ invoiceId })) {
    // §3: invoice_id "must be new each time; a reused id is rejected as a duplicate".
    return nimbblError(400, "INVALID_REQUEST_PARAMETER", "invoice_id already used");
  }
  // §9: `total_amount` is a number (so are `amount_before_tax` and `tax`); a numeric string is refused.
  if (typeof b["total_amount"] !== "number") {
    return nimbblError(400, "INVALID_REQUEST_PARAMETER", "total_amount must be a number");
  }
  const user = b["user"];
  if (user !== undefined && user !== null) {
    const u = typeof user === "object" ? (user as Record<string, unknown>) : {};
    const missing = USER_REQUIRED.filter((k) => !str(u[k]));
    if (missing.length)
      return nimbblError(400, "INVALID_REQUEST_PARAMETER", `user.${missing.join(", user.")} required`);
  }
  const order = orderFromBody(b, accessKey);
  if (!order) {
    return nimbblError(400, "INVALID_REQUEST_PARAMETER", "invoice_id and a 2-decimal total_amount are required");
  }
  return json({ ...orderView(order), token: orderToken(order) });
}

/** A new order from create-order fields, or null when they are unusable. */
function orderFromBody(b: Record<string, unknown>, accessKey: string): SimOrder | null {
  const invoiceId = str(b["invoice_id"]);
  const paise = toPaise(b["total_amount"]);
  if (!invoiceId || paise === null || paise <= 0) return null;
  return newOrder({
    invoiceId,
    accessKey,
    totalPaise: paise,
    currency: str(b["currency"]) ?? "INR",
    callbackUrl: str(b["callback_url"]) ?? null,
  });
}

function getOrder(url: URL, accessKey: string): Response {
  const order = findOrder({
    invoiceId: url.searchParams.get("invoice_id") ?? undefined,
    orderId: url.searchParams.get("order_id") ?? undefined,
  });
  if (!order || order.accessKey !== accessKey) return nimbblError(404, "NOT_FOUND", "order not found");
  return json({ ...orderView(order), token: orderToken(order) });
}

async function enquiry(request: Request, accessKey: string): Promise<Response> {
  const b = await body(request);
  const keys = ["transaction_id", "order_id", "invoice_id"].filter((k) => str(b[k]));
  if (keys.length !== 1) {
    return nimbblError(400, "INVALID_REQUEST_PARAMETER", "send exactly one of transaction_id, order_id, invoice_id");
  }
  const transactionId = str(b["transaction_id"]);
  const order = findOrder({ paymentId: transactionId, orderId: str(b["order_id"]), invoiceId: str(b["invoice_id"]) });
  // [D7] describes `transaction_id` as the id "received when you initiated a payment"; whether a refund's own id can
  // be enquired is not documented, so the least convenient answer: it is not found (nimbbl.md §9).
  if (!order || order.accessKey !== accessKey) return nimbblError(404, "NOT_FOUND", "no such transaction or order");
  const entries = order.transactions
    .filter((t) => !transactionId || t.id === transactionId)
    .map((t) => enquiryEntry(order, t));
  // `{transaction: [...], order}` [D7]; the official .NET sample also reads `transaction` as a single object
  // (nimbbl-dotnet-sampleapp@6315456 HomeController.cs), so one entry is sent as an object, the least convenient.
  return json({ transaction: entries.length === 1 ? entries[0] : entries, order: orderView(order) });
}

async function refund(request: Request, accessKey: string): Promise<Response> {
  const b = await body(request);
  const order = findOrder({ paymentId: str(b["transaction_id"]), invoiceId: str(b["invoice_id"]) });
  if (!order || order.accessKey !== accessKey) return nimbblError(404, "NOT_FOUND", "no such transaction or order");
  // refund-a-payment-v-3: `refund_amount` is a number, nullable (omit it for a full refund) (nimbbl.md §9).
  const asked = b["refund_amount"];
  if (asked !== undefined && asked !== null && typeof asked !== "number") {
    return nimbblError(400, "INVALID_REQUEST_PARAMETER", "refund_amount must be a number");
  }
  const made = await addRefund(order, asked ?? undefined, str(b["refund_request_id"]));
  return made instanceof Response ? made : json(made);
}

/** A refund of `asked` rupees (all that is left when undefined), or Nimbbl's refusal (§3, [D9]). */
async function addRefund(
  order: SimOrder,
  asked: unknown,
  requestId: string | undefined,
): Promise<Record<string, unknown> | Response> {
  const paid = payments(order).find((t) => t.status === "succeeded");
  if (!paid) return nimbblError(400, "BAD_REQUEST_ERROR", "the order has no successful payment");
  if (requestId && refunds(order).some((t) => t.refundRequestId === requestId && t.status !== "failed")) {
    return nimbblError(400, "BAD_REQUEST_ERROR", "a refund with this refund_request_id is pending or succeeded");
  }
  const available = order.totalPaise - refundedPaise(order, ["new", "pending", "succeeded"]);
  const paise = asked === undefined ? available : toPaise(asked);
  if (paise === null || paise <= 0 || paise > available) {
    return nimbblError(400, "INVALID_REQUEST_PARAMETER", "refund_amount exceeds the refundable amount");
  }
  // The first partial refund is `partial_refund` [D7], later ones `partial-refund` (seed 003): both spellings occur.
  const partial = refunds(order).some((t) => t.type !== "full_refund") ? "partial-refund" : "partial_refund";
  const txn: SimTxn = {
    id: nextTxnId(order),
    type: paise === order.totalPaise ? "full_refund" : partial,
    status: "new",
    paise,
    currency: order.currency,
    additionalPaise: 0,
    offerPaise: 0,
    ...(requestId ? { refundRequestId: requestId } : {}),
    originalTxnId: paid.id,
  };
  order.transactions.push(txn);
  await setStatus(order, txn, "pending");
  // Only the fields refund-a-payment-v-3 shows (nimbbl.md §3, §9): no `refund_amount`; `refund_arn` only on success.
  return {
    orignal_payment_transaction_id: paid.id,
    transaction_id: txn.id,
    refund_request_id: requestId ?? null,
    refund_status: txn.status,
    refund_arn: null,
    transaction_type: txn.type,
  };
}

/** An order token (§3 [D4]): scoped to one order; the simulated checkout page opens with it. */
function orderToken(order: SimOrder): string {
  const token = randomId("ot_", 32);
  db().checkoutTokens.set(token, order.invoiceId);
  return token;
}

/**
 * A merchant with encrypted responses on gets every API answer as `{encrypted_response: hex(nonce ‖ ciphertext ‖
 * tag)}` (nimbbl.md §1.3 [D5][S2][S3]), and error bodies with HTTP 200 (§5: SDK 4.x tests error bodies returned with
 * a 2xx when encryption is on). A refused token keeps its 401: the SDKs' refresh-and-retry keys on it (§3).
 */
async function sealed(response: Response, accessKey: string | null): Promise<Response> {
  const secret = accessKey === null ? undefined : db().merchants.get(accessKey);
  if (accessKey === null || secret === undefined || !db().encrypting.has(accessKey)) return response;
  const hex = await encryptHex(secret, await response.text());
  return json({ encrypted_response: hex }, response.status === 401 ? 401 : 200);
}

async function api(request: Request, path: string, env: SimEnv): Promise<Response> {
  const route = path.replace(/^\/api(?=\/)/, "");
  const url = new URL(request.url);
  if (route === "/checkout") return checkoutRoute(request, url, env);
  if (route === "/v3/generate-token" && request.method === "POST") {
    const key = str((await body(request.clone()))["access_key"]) ?? null;
    return sealed(await generateToken(request), key);
  }
  const accessKey = merchantOf(request);
  return sealed(await route3(request, route, url, accessKey), accessKey);
}

async function route3(request: Request, route: string, url: URL, accessKey: string | null): Promise<Response> {
  const known = ["/v3/create-order", "/v3/order", "/v3/transaction-enquiry", "/v3/refund"];
  if (!known.includes(route)) return nimbblError(404, "NOT_FOUND", "no such API");
  if (!accessKey) return nimbblError(401, "UNAUTHORIZED", "missing, invalid or expired token");
  if (route === "/v3/create-order" && request.method === "POST") return createOrder(request, accessKey);
  if (route === "/v3/order" && request.method === "GET") return getOrder(url, accessKey);
  if (route === "/v3/transaction-enquiry" && request.method === "POST") return enquiry(request, accessKey);
  if (route === "/v3/refund" && request.method === "POST") return refund(request, accessKey);
  return nimbblError(405, "METHOD_NOT_ALLOWED", "method not allowed");
}

// ------------------------------------------------------------------ control

/** Webhook bodies as Nimbbl would POST them: legacy JSON, a v4 envelope, or encrypted (§2). */
async function webhookBodies(order: SimOrder, format: string, innerSignature: boolean): Promise<string[]> {
  const secret = secretOf(order);
  const out: string[] = [];
  for (const event of order.events) {
    let inner = event;
    if (!innerSignature) {
      const txn = {
        ...(event["transaction"] as Record<string, unknown>),
        signature: undefined,
        signature_version: undefined,
      };
      inner = { ...event, transaction: txn, nimbbl_signature: undefined };
    }
    if (format === "legacy") out.push(toJson(inner));
    else {
      const v4 = await v4Envelope(secret, toJson(inner), "signature");
      out.push(
        format === "v4"
          ? toJson(v4)
          : toJson({ encrypted_response: await encryptHex(secret, toJson(v4)), sub_merchant_id: null }),
      );
    }
  }
  return out;
}

async function deliver(order: SimOrder, b: Record<string, unknown>, env: SimEnv): Promise<Response> {
  if (!env.CHECKPOST_URL) return json({ error: "CHECKPOST_URL is not set" }, 400);
  let bodies = await webhookBodies(order, str(b["format"]) ?? "legacy", b["inner_signature"] !== false);
  if (b["order"] === "reverse") bodies = bodies.reverse();
  const copies = typeof b["duplicate"] === "number" ? Math.max(1, Math.min(10, b["duplicate"])) : 1;
  const statuses: number[] = [];
  for (const text of bodies) {
    for (let i = 0; i < copies; i++) {
      const res = await fetch(new URL("/webhooks/nimbbl", env.CHECKPOST_URL), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
      });
      statuses.push(res.status);
    }
  }
  return json({ delivered: statuses });
}

async function control(request: Request, path: string, env: SimEnv): Promise<Response> {
  const url = new URL(request.url);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const b = request.method === "POST" ? await body(request) : {};
  if (parts[0] === "merchants" && parts[1] && request.method === "POST") {
    // Scoped to one access key, so tests running side by side do not disturb each other.
    const key = parts[1];
    if (b["expire_tokens"] === true) {
      for (const [token, entry] of db().tokens) if (entry.accessKey === key) db().tokens.delete(token);
    }
    if (typeof b["refuse_tokens"] === "boolean") {
      if (b["refuse_tokens"]) db().refusing.add(key);
      else db().refusing.delete(key);
    }
    if (typeof b["encrypt_responses"] === "boolean") {
      if (b["encrypt_responses"]) db().encrypting.add(key);
      else db().encrypting.delete(key);
    }
    return json({ ok: true });
  }
  if (parts[0] === "orders" && parts.length === 1 && request.method === "POST") {
    const accessKey = str(b["access_key"]);
    const order = accessKey && db().merchants.has(accessKey) ? orderFromBody(b, accessKey) : null;
    if (!order) return json({ error: "invoice_id, total_amount and an enrolled access_key are required" }, 400);
    return json(orderView(order));
  }
  if (parts[0] === "refunds" && parts[1] && parts[2] === "outcome") {
    const order = findOrder({ transactionId: parts[1] });
    const txn = order?.transactions.find((t) => t.id === parts[1] && t.type !== "payment");
    const status = str(b["status"]);
    if (!order || !txn || !status) return json({ error: "no such refund, or no status" }, 404);
    await setStatus(order, txn, status);
    return json({ transaction_id: txn.id, status: txn.status });
  }
  const order = parts[0] === "orders" && parts[1] ? findOrder({ invoiceId: parts[1] }) : null;
  if (!order) return json({ error: "no such order or control route" }, 404);
  const action = parts.slice(2).join("/");
  if (action === "" && request.method === "GET") {
    return json({
      ...orderView(order),
      callback_url: order.callbackUrl,
      transactions: order.transactions.map((t) => enquiryEntry(order, t)),
    });
  }
  if (action === "refunds" && request.method === "POST") {
    // A refund made in Nimbbl's dashboard [D11]: the same transaction, without a merchant `refund_request_id`.
    const made = await addRefund(order, b["refund_amount"] ?? undefined, undefined);
    return made instanceof Response ? made : json(made);
  }
  if (action === "outcome") {
    const txn = await applyOutcome(order, str(b["outcome"]) ?? "", b);
    if (txn === null && b["outcome"] !== "lapse") return json({ error: "outcome not applicable" }, 409);
    return json({ transaction_id: txn, order_status: orderStatus(order) });
  }
  if (action === "checkout-response") return json(await buildCheckoutResponse(order, b));
  if (action === "webhooks" && request.method === "GET") {
    const format = url.searchParams.get("format") ?? "legacy";
    return json({ webhooks: await webhookBodies(order, format, url.searchParams.get("inner_signature") !== "false") });
  }
  if (action === "webhooks/deliver") return deliver(order, b, env);
  return json({ error: "unknown control route" }, 404);
}

export const nimbblSim: GatewaySim = { api, control };
