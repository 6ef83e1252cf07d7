/**
 * The simulated Juspay / HDFC SmartGateway (juspay.md). API (`/juspay/…`, Basic auth `base64(API_KEY + ":")` or the
 * kits' `base64(API_KEY)`, §2; `x-merchantid` and `version` are required, the least convenient reading of docs that
 * call them "Required" in places; `x-routing-id` / `x-customerid` are recorded per order, customer and mandate, never
 * refused — the docs only ask for one routing id per customer):
 * - `POST /session` (JSON) and `POST /orders` (form): create an order (§5);
 * - `GET /orders/:id`: Order Status, any status id (§4); pending refunds settle as reads go by;
 * - `POST /orders/:id` (form): Update Order — refused once a transaction exists (the sim's reading of "not
 *   recommended once the transaction is initiated");
 * - `POST /orders/:id/refunds` (form): refunds, only on CHARGED orders, `unique_request_id` < 21 alphanumerics; a
 *   repeated `unique_request_id` answers the order unchanged (real behaviour unverified, §5);
 * - `GET /customers/:id/mandates`, `POST /mandates/:id` (`command=revoke`) (§6);
 * - `POST /v4/order-status`, `/v4/session`, `/v4/orders/:id/refunds`, `/v4/txns`: the JOSE forms (juspay-jose.ts, §8);
 * - `POST /v2/txns/:txn_uuid/capture|void`: pre-authorisation (§12, juspay-preauth.ts);
 * - `GET|POST /pay/:id`: the payment page (`npm start`, end-to-end tests) with checkout.ts's five outcomes; it sends
 *   the webhook and redirects back signed.
 * Control (`/__control/juspay/…`): `config`, `jose` (JOSE keys), `orders` (create), `orders/:id` (read), `orders/:id/status` (also `capture_outcome` / `void_outcome`),
 * `orders/:id/redirect`, `orders/:id/webhook` (optionally delivered to CHECKPOST_URL; `omit_id` sends it without `id`
 * and `date_created`, as some documented samples are), `orders/:id/refunds/:urid`, `mandates`, and
 * `GET routing/:scope/:id` (scope `order` | `customer` | `mandate`: the routing headers each call carried). Faults
 * come from the shared fault rules.
 */
import { checkoutPage, isCheckoutOutcome, later, postedOutcome, settleDelay, type CheckoutOutcome } from "./checkout";
import type { GatewaySim, SimEnv } from "./index";
import {
  config,
  customerMandates,
  getMandate,
  getOrder,
  newOrder,
  paiseFrom,
  progressRefunds,
  putMandate,
  putOrder,
  randomId,
  refundedPaise,
  renderOrder,
  rupees,
  setStatus,
  STATUS_IDS,
  type JuspaySimConfig,
  type SimOrder,
} from "./juspay-model";
import { configureJose, joseApi, type V4Handlers } from "./juspay-jose";
import { orderByTxn, preauthCall } from "./juspay-preauth";
import {
  approveMandate,
  mandateWebhook,
  mandateCommandMore,
  mandateControl,
  mandateSession,
  mandateTxn,
  notificationOutcome,
  notificationStatus,
} from "./juspay-mandates";
import { buildRedirect, buildWebhook, eventFor, type RedirectOptions } from "./juspay-sign";
import { state } from "./state";

type Fields = Record<string, unknown>;

const error = (status: number, code: string, message: string, kind = "invalid_request_error") =>
  Response.json({ status: kind, error_code: code, error_message: message }, { status });
const notFound = () => error(404, "object_not_found", "Cannot find what you are looking for");

async function readFields(request: Request): Promise<Fields> {
  const type = request.headers.get("content-type") ?? "";
  const text = new TextDecoder().decode(await request.arrayBuffer());
  if (!text) return {};
  if (type.includes("json")) {
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === "object" && parsed !== null ? (parsed as Fields) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/**
 * Basic `base64(key + ":")` (docs) or `base64(key)` (Node SDK, HDFC kits), juspay.md §2; then the two headers. The
 * `/v4` JOSE endpoints skip the first: the signed body authenticates them (juspay-jose.ts).
 */
function refusal(request: Request, basic = true): Response | null {
  const auth = request.headers.get("authorization") ?? "";
  const ok = auth === `Basic ${btoa(`${config.api_key}:`)}` || auth === `Basic ${btoa(config.api_key)}`;
  // juspay.md §9: `{"status":"error","error_code":"access_denied","error_message":"Access Denied"}`-style 401.
  if (basic && !ok) return error(401, "access_denied", "Access Denied", "error");
  // The error codes of these two refusals are inferred (ec-api/docs/resources/error-codes lists the names).
  if (request.headers.get("x-merchantid") !== config.merchant_id) {
    return error(400, "MISSING_MANDATORY_PARAMETER", "x-merchantid is missing or not this merchant's");
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(request.headers.get("version") ?? "")) {
    return error(400, "MISSING_MANDATORY_PARAMETER", "version must be a date, YYYY-MM-DD");
  }
  return null;
}

/** The routing headers each call carried, per order / customer / mandate, for tests to compare (never refused). */
function recordRouting(request: Request, scope: string, id: string, operation: string): void {
  const key = `routing:${scope}:${id}`;
  const seen = (state.data.juspay.get(key) as RoutingRecord[] | undefined) ?? [];
  seen.push({
    operation,
    routing_id: request.headers.get("x-routing-id"),
    customer_id: request.headers.get("x-customerid"),
  });
  state.data.juspay.set(key, seen);
}

interface RoutingRecord {
  operation: string;
  routing_id: string | null;
  customer_id: string | null;
}

function udfs(fields: Fields): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).filter(([k, v]) => /^udf([1-9]|10)$/.test(k) && typeof v === "string") as [string, string][],
  );
}

function createOrder(fields: Fields, origin: string, session: boolean): Response {
  const orderId = str(fields["order_id"]);
  const amount = paiseFrom(fields["amount"]);
  const returnUrl = str(fields["return_url"]);
  if (!orderId || amount === null || (session && (!str(fields["payment_page_client_id"]) || !returnUrl))) {
    return error(400, "invalid_request", "Mandatory fields are missing");
  }
  const existing = getOrder(orderId);
  if (existing && existing.amount !== amount) return error(400, "invalid_request", "Order already exists");
  const order =
    existing ??
    newOrder({
      order_id: orderId,
      amount,
      currency: str(fields["currency"]) ?? "INR",
      customer_id: str(fields["customer_id"]),
      customer_email: str(fields["customer_email"]),
      customer_phone: str(fields["customer_phone"]),
      return_url: returnUrl ?? `${origin}/juspay/merchant-return`,
      origin,
      udf: udfs(fields),
    });
  putOrder(order);
  // `payment_links{web,…}` (juspay.md §5); no link expiry is documented, so none is sent.
  const links = { web: order.payment_link };
  // Order Create (form): `{status: "CREATED", id, order_id, payment_links}` (developer.juspay.in/docs/integration).
  if (!session) return Response.json({ status: "CREATED", id: order.id, order_id: orderId, payment_links: links });
  // Session: `status` (NEW), `id`, `order_id`, `payment_links`, `sdk_payload{requestId, service, payload{…}}`
  // (juspay.md §5: juspay-mcp `session_response_schema`; the payload's keys as in juspay-sdk-integration-demo's
  // react-native sample: clientId, amount, merchantId, clientAuthToken(+Expiry), environment, action, customerId,
  // currency, returnUrl, orderId).
  return Response.json({
    status: "NEW",
    id: order.id,
    order_id: orderId,
    payment_links: links,
    sdk_payload: {
      requestId: crypto.randomUUID(),
      service: "in.juspay.hyperpay",
      payload: {
        clientId: fields["payment_page_client_id"],
        amount: rupees(order.amount).toFixed(2),
        merchantId: config.merchant_id,
        clientAuthToken: randomId("tkn_", 24),
        clientAuthTokenExpiry: new Date(Date.now() + 15 * 60_000).toISOString(),
        environment: "sandbox",
        action: fields["action"] ?? "paymentPage",
        customerId: order.customer_id ?? "",
        returnUrl: order.return_url,
        currency: order.currency,
        orderId,
      },
    },
  });
}

/**
 * Refund (juspay.md §5): `unique_request_id` required, < 21 characters, no special characters; `amount` a string
 * with at most 2 decimals, at most the not-yet-refunded amount (omitted: the rest, in full); only CHARGED orders.
 * A repeated `unique_request_id` answers the order unchanged (Juspay's answer is undocumented, §11.5).
 */
function refund(order: SimOrder, fields: Fields): Response {
  const urid = str(fields["unique_request_id"]);
  if (!urid || !/^[A-Za-z0-9]{1,20}$/.test(urid)) {
    return error(400, "invalid_request", "unique_request_id must be alphanumeric and shorter than 21 characters");
  }
  if (order.refunds.some((r) => r.unique_request_id === urid)) return Response.json(renderOrder(order));
  if (order.status !== "CHARGED") return error(400, "invalid_request", "Only charged orders can be refunded");
  const refundable = order.amount - refundedPaise(order);
  if (fields["amount"] !== undefined && typeof fields["amount"] !== "string") {
    return error(400, "invalid_request", "amount must be a string");
  }
  const amount = fields["amount"] === undefined ? refundable : paiseFrom(fields["amount"]);
  if (amount === null || amount <= 0) return error(400, "invalid_request", "Invalid amount");
  if (amount > refundable) return error(400, "invalid_request", "Refund amount exceeds the refundable amount");
  order.refunds.push({
    unique_request_id: urid,
    id: randomId("rfnd_", 12),
    ref: null,
    amount,
    status: "PENDING",
    sent_to_gateway: false,
    created: new Date().toISOString(),
    error_code: null,
    error_message: null,
    reads_left: order.refund_settle_reads,
  });
  return Response.json(renderOrder(order));
}

function update(order: SimOrder, fields: Fields): Response {
  if (order.status !== "NEW") {
    return error(400, "invalid_request", "Order cannot be updated once the transaction is initiated");
  }
  if (fields["amount"] !== undefined) {
    const amount = paiseFrom(fields["amount"]);
    if (amount === null || amount <= 0) return error(400, "invalid_request", "Invalid amount");
    order.amount = amount;
  }
  Object.assign(order.udf, udfs(fields));
  return Response.json(renderOrder(order));
}

function mandateCommand(mandateId: string, fields: Fields): Response {
  const mandate = getMandate(mandateId);
  if (!mandate) return notFound();
  if (fields["command"] !== "revoke") return error(400, "bad_request", "Invalid command", "Invalid Request");
  mandate.status = "REVOKED";
  return Response.json({ mandate_status: "REVOKED", mandate_id: mandateId });
}

/**
 * List Mandate (juspay.md §6; developer.juspay.in list-mandate-api: `{object, list, total, offset, count}`); each
 * item as the mandate objects of demo `payv3-forms/webhook/response-mandatecreated.txt` (`status`, not
 * `mandate_status`; epoch-second date strings; `payment_info.upi.payer_vpa`; a `mandate_debit_token`).
 */
function listMandates(customerId: string): Response {
  const list = customerMandates(customerId).map((m) => ({
    mandate_id: m.mandate_id,
    status: m.status,
    mandate_type: m.mandate_type,
    frequency: m.frequency,
    start_date: m.start_date,
    end_date: m.end_date,
    amount_rule: m.amount_rule,
    max_amount: rupees(m.max_amount),
    currency: m.currency,
    mandate_debit_token: randomId("mdt_", 20),
    payment_info: { upi: { payer_vpa: "customer@upi" }, payment_method_type: "UPI", payment_method: "UPI" },
  }));
  return Response.json({ object: "list", list, total: list.length, offset: 0, count: list.length });
}

/** POSTs a webhook to checkpost; skipped (0) for a `.test` host, the test configuration (tests post them themselves). */
async function deliver(env: SimEnv, webhook: { headers: Record<string, string>; body: string }): Promise<number> {
  const base = env.CHECKPOST_URL ?? "http://127.0.0.1:8787";
  if (new URL(base).hostname.endsWith(".test")) return 0;
  const target = `${base}/webhooks/juspay`;
  try {
    return (await fetch(target, { method: "POST", headers: webhook.headers, body: webhook.body })).status;
  } catch {
    return 0;
  }
}

function payPage(order: SimOrder, url: URL): Response {
  return checkoutPage({
    gatewayName: "HDFC SmartGateway (Juspay)",
    amount: order.amount,
    orderId: order.order_id,
    action: url.pathname + url.search,
  });
}

interface Plan {
  now: string | null;
  later?: string;
  /** Whether the webhooks carry `id`: documented samples exist with one (demo `payv3-forms/webhook/*`) and without
   * (docs.juspay.io/upi-autopay/docs/how-to-integrate/webhooks), so the outcomes alternate. */
  ids: boolean;
}

/**
 * The checkout's five outcomes (checkout.ts) in Juspay's statuses: where the order is now, and where it goes later;
 * plus Juspay's own `authorized` (pre-auth, `auto_capture=false`: money held, juspay.md §12), posted as
 * `outcome=authorized` by scripts and tests (the shared page shows the five).
 */
const OUTCOMES: Record<CheckoutOutcome | "authorized", Plan> = {
  success: { now: "CHARGED", ids: true },
  failure: { now: "AUTHORIZATION_FAILED", ids: false },
  pending_then_success: { now: "PENDING_VBV", later: "CHARGED", ids: false },
  // A "conflicted transaction": failed, then CHARGED (juspay.md §4).
  late_success: { now: "AUTHORIZATION_FAILED", later: "CHARGED", ids: true },
  // The customer went back without paying: no attempt, the order stays NEW (the sim's reading; Juspay documents
  // no status for an abandoned payment page).
  cancel: { now: null, ids: true },
  authorized: { now: "AUTHORIZED", ids: false },
};

/**
 * The customer chose an outcome on the payment page: Juspay sends its webhook, then redirects the browser back
 * signed (§3, §7). `outcome` may also be a raw status name (the page's earlier form, kept for scripts).
 */
async function pay(order: SimOrder, outcome: string | null, env: SimEnv): Promise<Response> {
  const plan: Plan =
    isCheckoutOutcome(outcome) || outcome === "authorized"
      ? OUTCOMES[outcome]
      : { now: outcome && Object.hasOwn(STATUS_IDS, outcome) ? outcome : "CHARGED", ids: true };
  const options = { omitId: !plan.ids };
  // A mandate session paid: the customer approved the mandate too (MANDATE_ACTIVATED, juspay.md §12).
  const mandate = plan.now === "CHARGED" ? approveMandate(order) : null;
  if (plan.now) {
    setStatus(order, plan.now);
    await deliver(env, buildWebhook(order, eventFor(order.status), options));
  }
  if (mandate) await deliver(env, mandateWebhook(mandate, "MANDATE_ACTIVATED", order.order_id));
  const next = plan.later;
  if (next) {
    later(settleDelay(env), async () => {
      setStatus(order, next);
      await deliver(env, buildWebhook(order, eventFor(order.status), options));
    });
  }
  const redirect = await buildRedirect(order);
  return new Response(null, { status: 303, headers: { location: redirect.url } });
}

async function api(request: Request, path: string, env: SimEnv): Promise<Response> {
  const origin = new URL(request.url).origin;
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, id, sub] = parts;
  if (first === "pay" && id) {
    const order = getOrder(id);
    if (!order) return notFound();
    return request.method === "POST"
      ? pay(order, await postedOutcome(request), env)
      : payPage(order, new URL(request.url));
  }
  const refused = refusal(request, first !== "v4");
  if (refused) return refused;
  if (first === "v4") return joseApi(request, parts.slice(1), env, v4Handlers(request, origin));
  const fields = request.method === "POST" ? await readFields(request) : {};
  const op = `${request.method} /${first ?? ""}${id ? "/:id" : ""}${sub ? `/${sub}` : ""}`;
  const created = !id && (first === "session" || first === "orders") ? str(fields["order_id"]) : null;
  if (created) recordRouting(request, "order", created, op);
  if (first === "orders" && id) recordRouting(request, "order", id, op);
  if (first === "customers" && id) recordRouting(request, "customer", id, op);
  if (first === "mandates" && id) recordRouting(request, "mandate", id, op);
  if (request.method === "POST" && first === "session" && !id)
    return mandateSession(fields) ?? createOrder(fields, origin, true);
  if (request.method === "POST" && first === "orders" && !id) return createOrder(fields, origin, false);
  if (request.method === "POST" && first === "txns" && !id) return mandateTxn(fields, origin);
  if (first === "orders" && id) {
    const order = getOrder(id);
    if (!order) return notFound();
    if (request.method === "GET" && !sub) {
      progressRefunds(order);
      return Response.json(renderOrder(order));
    }
    if (request.method === "POST" && !sub) return update(order, fields);
    if (request.method === "POST" && sub === "refunds") return refund(order, fields);
  }
  if (request.method === "POST" && first === "v2" && id === "txns" && sub) {
    const txnOrder = orderByTxn(sub);
    if (txnOrder) recordRouting(request, "order", txnOrder.order_id, `POST /v2/txns/:txn_uuid/${parts[3] ?? ""}`);
    const answered = preauthCall(txnOrder, parts[3], fields, (o) => deliver(env, buildWebhook(o, "ORDER_SUCCEEDED")));
    if (answered) return answered;
  }
  if (request.method === "GET" && first === "customers" && id && sub === "mandates") return listMandates(id);
  if (request.method === "POST" && first === "mandates" && id && !sub)
    return mandateCommandMore(id, fields) ?? mandateCommand(id, fields);
  if (request.method === "GET" && first === "notifications" && id) return notificationStatus(id) ?? notFound();
  return notFound();
}

/** The `/v4` JOSE forms of status, session and refund, on the same handlers (juspay-jose.ts opens and seals). */
function v4Handlers(request: Request, origin: string): V4Handlers {
  const orderOf = (id: string | null, operation: string) => {
    if (id) recordRouting(request, "order", id, operation);
    return id ? getOrder(id) : undefined;
  };
  return {
    status: (fields) => {
      const order = orderOf(str(fields["order_id"]), "POST /v4/order-status");
      if (!order) return notFound();
      progressRefunds(order);
      return Response.json(renderOrder(order));
    },
    session: (fields) => {
      orderOf(str(fields["order_id"]), "POST /v4/session");
      return createOrder(fields, origin, true);
    },
    refund: (id, fields) => {
      const order = orderOf(id, "POST /v4/orders/:id/refunds");
      return order ? refund(order, fields) : notFound();
    },
    txns: (fields) => {
      orderOf(str(fields["order.order_id"]), "POST /v4/txns");
      return mandateTxn(fields, origin);
    },
  };
}

function redirectOptions(fields: Fields): RedirectOptions {
  const extra = fields["extra"];
  return {
    encoding: fields["encoding"] === "single" ? "single" : "double",
    method: fields["method"] === "POST" ? "POST" : "GET",
    ...(str(fields["key"]) ? { key: String(fields["key"]) } : {}),
    ...(typeof extra === "object" && extra !== null ? { extra: extra as Record<string, string> } : {}),
  };
}

async function control(request: Request, path: string, env: SimEnv): Promise<Response> {
  const origin = new URL(request.url).origin;
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, id, sub, subId] = parts;
  const fields = request.method === "POST" ? await readFields(request) : {};
  if (first === "jose" && request.method === "POST") return configureJose(fields);
  if (first === "routing" && id && sub && request.method === "GET") {
    return Response.json(state.data.juspay.get(`routing:${id}:${sub}`) ?? []);
  }
  if (first === "config" && request.method === "POST") {
    for (const key of Object.keys(config) as (keyof JuspaySimConfig)[]) {
      const value = str(fields[key]);
      if (value !== null) config[key] = value;
    }
    return Response.json({ ok: true });
  }
  if (first === "notifications" && id && request.method === "POST") return notificationOutcome(id, fields);
  const mandateAnswer = request.method === "POST" ? mandateControl(first, id, sub, fields) : null;
  if (mandateAnswer) return mandateAnswer;
  if (first === "mandates" && request.method === "POST") {
    const customerId = str(fields["customer_id"]) ?? "cust_sim";
    const mandate = {
      mandate_id: str(fields["mandate_id"]) ?? randomId("mnd_", 12),
      customer_id: customerId,
      status: str(fields["status"]) ?? "ACTIVE",
      max_amount: paiseFrom(fields["max_amount"]) ?? 500000,
      currency: "INR",
      frequency: str(fields["frequency"]) ?? "MONTHLY",
      mandate_type: "EMANDATE",
      amount_rule: "VARIABLE",
      start_date: "1767225600", // epoch-second strings, as in the demo webhook sample
      end_date: "1924992000",
    };
    putMandate(mandate);
    const order = str(fields["order_id"]) ? getOrder(String(fields["order_id"])) : null;
    if (order) order.mandate_id = mandate.mandate_id;
    return Response.json(mandate);
  }
  if (first === "orders" && !id && request.method === "POST") {
    const orderId = str(fields["order_id"]);
    const amount = paiseFrom(fields["amount"]);
    if (!orderId || amount === null)
      return Response.json({ error: "order_id and amount are required" }, { status: 400 });
    const order = newOrder({
      order_id: orderId,
      amount,
      currency: str(fields["currency"]) ?? "INR",
      customer_id: str(fields["customer_id"]),
      return_url: str(fields["return_url"]) ?? `${env.CHECKPOST_URL ?? "http://127.0.0.1:8787"}/return/juspay`,
      origin,
    });
    if (str(fields["status"])) setStatus(order, String(fields["status"]));
    putOrder(order);
    return Response.json(renderOrder(order));
  }
  const order = first === "orders" && id ? getOrder(id) : null;
  if (!order) return Response.json({ error: "unknown order" }, { status: 404 });
  if (!sub && request.method === "GET") return Response.json(renderOrder(order));
  if (sub === "status" && request.method === "POST") {
    const amount = fields["amount"] === undefined ? null : paiseFrom(fields["amount"]);
    if (amount !== null) order.amount = amount;
    if (str(fields["currency"])) order.currency = String(fields["currency"]);
    if (str(fields["refund_outcome"])) order.refund_outcome = String(fields["refund_outcome"]);
    if (typeof fields["refund_settle_reads"] === "number") order.refund_settle_reads = fields["refund_settle_reads"];
    if (str(fields["capture_outcome"])) order.capture_outcome = String(fields["capture_outcome"]);
    if (str(fields["void_outcome"])) order.void_outcome = String(fields["void_outcome"]);
    if (str(fields["status"])) setStatus(order, String(fields["status"]));
    return Response.json(renderOrder(order));
  }
  if (sub === "redirect" && request.method === "POST")
    return Response.json(await buildRedirect(order, redirectOptions(fields)));
  if (sub === "webhook" && request.method === "POST") {
    const webhook = buildWebhook(order, str(fields["event_name"]) ?? eventFor(order.status), {
      ...(str(fields["id"]) ? { id: String(fields["id"]) } : {}),
      ...(str(fields["username"]) ? { username: String(fields["username"]) } : {}),
      ...(str(fields["password"]) ? { password: String(fields["password"]) } : {}),
      omitId: fields["omit_id"] === true,
    });
    const delivered = fields["deliver"] === true ? await deliver(env, webhook) : null;
    return Response.json({ ...webhook, delivered });
  }
  if (sub === "refunds" && subId && request.method === "POST") {
    const entry = order.refunds.find((r) => r.unique_request_id === subId);
    if (!entry) return Response.json({ error: "unknown refund" }, { status: 404 });
    entry.status = str(fields["status"]) ?? entry.status;
    entry.sent_to_gateway = entry.status !== "PENDING";
    return Response.json(renderOrder(order));
  }
  return Response.json({ error: "unknown control route" }, { status: 404 });
}

export const juspaySim: GatewaySim = { api, control };
