/**
 * The simulated Juspay's mandate registration and lifecycle webhooks (juspay.md §6, §12), beside `juspay.ts`.
 *
 * - A session with `options.create_mandate` (flat dotted keys, juspay.io/in/docs/upi-autopay/docs/how-to-integrate/
 *   session-api-payload-for-mandateautopay) keeps its `mandate.*` fields; without a customer id, or with
 *   `mandate.max_amount` missing for VARIABLE, the session is refused (the docs call both required).
 * - Control `POST orders/:id/mandate` `{status?, mandate_id?}`: the customer approved the mandate on the checkout:
 *   the order is CHARGED, a mandate (default ACTIVE) is linked to it, listed for the customer, and in Order Status'
 *   `mandate` block.
 * - Control `POST mandates/:id/webhook` `{event_name, status?, omit_order_id?}`: a MANDATE_* webhook whose
 *   `content.mandate` has string-typed values ("399.00", "true"), as demo `payv3-forms/webhook/
 *   response-mandatecreated.txt` shows; `status` also changes the mandate as the list reports it.
 */
import {
  config,
  getMandate,
  getOrder,
  newOrder,
  paiseFrom,
  putMandate,
  putOrder,
  randomId,
  rupees,
  setStatus,
  type SimMandate,
  type SimOrder,
} from "./juspay-model";
import { basicAuth } from "./juspay-sign";
import { state } from "./state";

type Fields = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/**
 * The customer approved the mandate (the checkout's success on a mandate session, or control `orders/:id/mandate`):
 * a mandate from the session's fields, default ACTIVE, linked to the order; null when the session asked for none.
 */
export function approveMandate(order: SimOrder, fields: Fields = {}): SimMandate | null {
  const asked = state.data.juspay.get(`mandate_request:${order.order_id}`) as Fields | undefined;
  if (!asked) return null;
  const now = Math.floor(Date.now() / 1000);
  const mandate: SimMandate = {
    mandate_id: str(fields["mandate_id"]) ?? randomId("mnd_", 12),
    customer_id: String(asked["customer_id"]),
    status: str(fields["status"]) ?? "ACTIVE",
    max_amount: paiseFrom(asked["mandate.max_amount"]) ?? order.amount,
    currency: order.currency,
    frequency: str(asked["mandate.frequency"]) ?? "ASPRESENTED",
    mandate_type: "EMANDATE",
    amount_rule: str(asked["mandate.amount_rule"]) ?? "VARIABLE",
    start_date: str(asked["mandate.start_date"]) ?? String(now),
    end_date: str(asked["mandate.end_date"]) ?? String(now + 30 * 365 * 86400),
  };
  putMandate(mandate);
  order.mandate_id = mandate.mandate_id;
  putOrder(order);
  return mandate;
}

/** A MANDATE_* webhook with string-typed `content.mandate` (demo `payv3-forms/webhook/response-mandatecreated.txt`). */
export function mandateWebhook(
  m: SimMandate,
  eventName: string,
  orderId: string | null,
  fields: Fields = {},
): { headers: Record<string, string>; body: string } {
  const content = {
    mandate_id: m.mandate_id,
    status: str(fields["claimed"]) ?? m.status,
    max_amount: rupees(m.max_amount).toFixed(2),
    frequency: m.frequency,
    amount_rule: m.amount_rule,
    block_fund: "false",
    revokable_by_customer: "true",
    start_date: m.start_date,
    end_date: m.end_date,
    mandate_type: m.mandate_type,
    customer_id: m.customer_id,
    currency: m.currency,
    mandate_token: randomId("mtk_", 16),
    ...(orderId ? { order_id: orderId } : {}),
  };
  const body = JSON.stringify({
    id: str(fields["id"]) ?? `evt_V2_${crypto.randomUUID().replace(/-/g, "")}`,
    date_created: new Date().toISOString(),
    event_name: eventName,
    content: { mandate: content },
  });
  const headers = {
    "content-type": "application/json",
    authorization: basicAuth(config.webhook_username, config.webhook_password),
  };
  return { headers, body };
}

/** Refuses a mandate session Juspay would refuse, else remembers its fields; null when the session may proceed. */
export function mandateSession(fields: Fields): Response | null {
  if (fields["options.create_mandate"] === undefined) return null;
  const refuse = (message: string) =>
    Response.json(
      { status: "invalid_request_error", error_code: "invalid_request", error_message: message },
      { status: 400 },
    );
  if (!["REQUIRED", "OPTIONAL"].includes(str(fields["options.create_mandate"]) ?? ""))
    return refuse("Invalid create_mandate");
  if (!str(fields["customer_id"])) return refuse("customer_id is mandatory for mandate orders");
  if (fields["mandate.amount_rule"] !== "FIXED" && paiseFrom(fields["mandate.max_amount"]) === null)
    return refuse("mandate.max_amount is mandatory");
  state.data.juspay.set(`mandate_request:${String(fields["order_id"])}`, fields);
  return null;
}

export function mandateControl(
  first: string | undefined,
  id: string | undefined,
  sub: string | undefined,
  fields: Fields,
): Response | null {
  if (first === "orders" && id && sub === "mandate") {
    const order = getOrder(id);
    const mandate = order ? approveMandate(order, fields) : null;
    if (!order || !mandate) return Response.json({ error: "no mandate session for this order" }, { status: 404 });
    setStatus(order, "CHARGED");
    return Response.json(mandate);
  }
  if (first === "mandates" && id && sub === "webhook") {
    const m = getMandate(id);
    if (!m) return Response.json({ error: "unknown mandate" }, { status: 404 });
    if (str(fields["status"])) m.status = String(fields["status"]);
    const orderId = fields["omit_order_id"] === true ? null : str(fields["order_id"]);
    return Response.json(mandateWebhook(m, str(fields["event_name"]) ?? "MANDATE_ACTIVATED", orderId, fields));
  }
  return null;
}

/**
 * Mandate execution, `POST /txns` (form; juspay.md §12: juspay.io/in/docs/payment-page-enterprise/web/mandates/
 * mandate-execution-api). Refusals as documented: the mandate not ACTIVE is `JP_852`, a reused order id
 * `DUPLICATE_ORDER_ID`, an amount over the maximum "Order amount greater than mandate max amount". Accepted: a new
 * order, PENDING_VBV, answered `{txn_uuid, txn_id, status, order_id, payment.authentication}`; what it becomes is
 * the test's to set (`orders/:id/status`), as the customer's bank decides it at Juspay.
 */
export function mandateTxn(fields: Fields, origin: string): Response {
  const refuse = (code: string, message: string) =>
    Response.json({ status: "invalid_request_error", error_code: code, error_message: message }, { status: 400 });
  const orderId = str(fields["order.order_id"]);
  const amount = paiseFrom(fields["order.amount"]);
  const mandate = getMandate(str(fields["mandate_id"]) ?? "");
  if (!orderId || amount === null || fields["format"] !== "json" || !str(fields["merchant_id"]))
    return refuse("invalid_request", "Mandatory fields are missing");
  if (!mandate) return refuse("JP_852", "Mandate not found");
  if (mandate.status !== "ACTIVE") return refuse("JP_852", "Mandate is not in ACTIVE state");
  if (getOrder(orderId)) return refuse("DUPLICATE_ORDER_ID", "Order already exists");
  if (amount > mandate.max_amount) return refuse("invalid_request", "Order amount greater than mandate max amount");
  const order = newOrder({
    order_id: orderId,
    amount,
    currency: mandate.currency,
    customer_id: str(fields["order.customer_id"]),
    return_url: `${origin}/juspay/merchant-return`,
    origin,
  });
  order.mandate_id = mandate.mandate_id;
  setStatus(order, "PENDING_VBV");
  putOrder(order);
  const txnUuid = randomId("mozi", 16);
  state.data.juspay.set(`txn:${orderId}`, fields);
  return Response.json({
    order_id: orderId,
    txn_id: `${config.merchant_id}-${orderId}-1`,
    txn_uuid: txnUuid,
    status: "PENDING_VBV",
    payment: { authentication: { method: "GET", url: `${origin}/juspay/pay/${orderId}` } },
  });
}

interface SimNotification {
  id: string;
  object_reference_id: string;
  mandate_id: string;
  status: string;
  source_info: string;
  description: string | null;
  date_created: string;
}

/** The notification answer (juspay.md §12: developer.juspay.in/reference/notification-api). */
function renderNotification(n: SimNotification): Record<string, unknown> {
  return {
    id: n.id,
    object: "notification",
    source_object: "MANDATE",
    object_reference_id: n.object_reference_id,
    provider_name: "NPCI",
    notification_type: "SMS",
    source_info: n.source_info,
    provider_response: { provider_ref_id: randomId("prv_", 12), notification_date: n.date_created },
    mandate: { mandate_id: n.mandate_id },
    description: n.description,
    status: n.status,
    date_created: n.date_created,
    last_updated: new Date().toISOString(),
    metadata: {},
  };
}

const notes = (key: string) => state.data.juspay.get(`notification:${key}`) as SimNotification | undefined;

/**
 * `POST /mandates/:id` commands other than revoke: `pre_debit_notify` (object_reference_id ≤ 25 alphanumeric and
 * unique per merchant: a repeat is refused `unique`, as juspay.md §9's example; `source_info` a JSON string with
 * `amount` and `txn_date`) answering PENDING; `cancel_recurring_transaction` (`order_id`) answering
 * `{order_id, txn_uuid, txn_status: "JUSPAY_DECLINED", response_message}` and failing that debit (juspay.md §6).
 */
export function mandateCommandMore(mandateId: string, fields: Fields): Response | null {
  const refuse = (code: string, message: string) =>
    Response.json({ status: "invalid_request_error", error_code: code, error_message: message }, { status: 400 });
  const mandate = getMandate(mandateId);
  if (fields["command"] === "pre_debit_notify" && mandate) {
    const ref = str(fields["object_reference_id"]);
    if (!ref || !/^[A-Za-z0-9]{1,25}$/.test(ref)) return refuse("invalid_request", "Invalid object_reference_id");
    if (notes(ref)) return refuse("unique", "Notification with given object reference id already exists");
    let info: { amount?: unknown; txn_date?: unknown } = {};
    try {
      info = JSON.parse(String(fields["source_info"])) as typeof info;
    } catch {
      return refuse("invalid_request", "Invalid source_info");
    }
    if (typeof info.amount !== "string" || typeof info.txn_date !== "string")
      return refuse("invalid_request", "Invalid source_info");
    const n: SimNotification = {
      id: randomId("ntf_", 14),
      object_reference_id: ref,
      mandate_id: mandateId,
      status: "PENDING",
      source_info: String(fields["source_info"]),
      description: str(fields["description"]),
      date_created: new Date().toISOString(),
    };
    state.data.juspay.set(`notification:${ref}`, n);
    state.data.juspay.set(`notification:${n.id}`, n);
    return Response.json(renderNotification(n));
  }
  if (fields["command"] === "cancel_recurring_transaction" && mandate) {
    const order = getOrder(str(fields["order_id"]) ?? "");
    if (!order || order.mandate_id !== mandateId) return refuse("invalid_request", "Invalid order_id");
    if (order.status === "CHARGED") return refuse("invalid_request", "Transaction cannot be cancelled");
    setStatus(order, "JUSPAY_DECLINED");
    return Response.json({
      order_id: order.order_id,
      txn_uuid: randomId("mozi", 16),
      txn_status: "JUSPAY_DECLINED",
      response_message: "Recurring transaction cancelled",
    });
  }
  return null;
}

/** `GET /notifications/:id` (developer.juspay.in/reference/notification-status-api). */
export function notificationStatus(id: string): Response | null {
  const n = notes(id);
  return n ? Response.json(renderNotification(n)) : null;
}

/** Control `POST notifications/:ref` `{status}`: the notification's outcome and its NOTIFICATION_* webhook. */
export function notificationOutcome(ref: string, fields: Fields): Response {
  const n = notes(ref);
  if (!n) return Response.json({ error: "unknown notification" }, { status: 404 });
  n.status = str(fields["status"]) ?? "SUCCESS";
  const body = JSON.stringify({
    id: `evt_V2_${crypto.randomUUID().replace(/-/g, "")}`,
    date_created: new Date().toISOString(),
    event_name: (str(fields["claimed"]) ?? n.status) === "SUCCESS" ? "NOTIFICATION_SUCCEEDED" : "NOTIFICATION_FAILED",
    content: { notification: renderNotification({ ...n, status: str(fields["claimed"]) ?? n.status }) },
  });
  const headers = {
    "content-type": "application/json",
    authorization: basicAuth(config.webhook_username, config.webhook_password),
  };
  return Response.json({ headers, body });
}
