/**
 * Juspay-only routes (product.md §2), listed in `router.ts` like every other route. `/v1/*` is bearer-authenticated
 * by the router before these run; `/handleJuspayResponse` is public, like the seeds' endpoint it replaces (seed 000).
 * Juspay's own language (its API calls, status table, mandate shape, HyperSDK signing) stays in `gateways/juspay/`;
 * this file is the HTTP and storage side of those routes.
 */
import { proxyError, fieldError } from "../../core/errors";
import { fromMinor, toMajorString, type Money } from "../../core/money";
import { isFinalPayment } from "../../core/status";
import { parseJsonBody, decodeUtf8 } from "../../core/body";
import { type OrderRef } from "../../core/model";
import { juspaySetup, type JuspaySettings } from "../../gateways/juspay/config";
import { fetchJuspayStatus, listMandates, revokeMandate, updateOrder } from "../../gateways/juspay/client";
import { juspayMoney, publicJuspayStatus, publicMandate, seedMessage } from "../../gateways/juspay/map";
import { sdkSigningKey, signSdkPayload } from "../../gateways/juspay/sdk";
import { JUSPAY_ORDER_ID } from "../../gateways/juspay/wire";
import { orderStub } from "../../storage/order-object";
import { readBody } from "../body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { gatewayIO, invalidOrderId, requireGateway } from "../gateway-context";
import { json } from "../respond";
import { ORDER_ID_PATTERN } from "../schemas";
import { parseOrFail } from "../validate";
import {
  JuspayCustomerIdSchema,
  JuspayMandateIdSchema,
  JuspayRevokeMandateSchema,
  parseSignedPayload,
  JuspayUpdateOrderSchema,
  UDF_KEYS,
} from "./juspay-schemas";

export function requireJuspay(rc: RequestContext): JuspaySettings {
  const setup = juspaySetup(rc.env);
  if (setup.state !== "enabled") throw new HttpError(proxyError("gateway_not_configured"));
  return setup.settings;
}

export function juspayRef(orderId: string | undefined): OrderRef {
  if (!orderId || !ORDER_ID_PATTERN.test(orderId) || !JUSPAY_ORDER_ID.test(orderId)) throw invalidOrderId();
  return { gateway: "juspay", orderId };
}

function pathParam(request: AppRequest, name: string, schema: ReturnType<typeof JuspayCustomerIdSchema>): string {
  const parsed = schema.safeParse(request.params[name] ?? "");
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? "invalid";
  throw new HttpError(proxyError("validation_failed", { fields: [{ path: name, message }] }));
}

/** The order id of a `/handleJuspayResponse` call: JSON or form body, `order_id` or `orderId` (seed 000). */
async function responseOrderId(request: AppRequest): Promise<string | null> {
  const bytes = orThrow(await readBody(request));
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  let fields: Record<string, unknown> = {};
  if (bytes.byteLength && type === "application/x-www-form-urlencoded") {
    fields = Object.fromEntries(new URLSearchParams(orThrow(decodeUtf8(bytes))));
  } else if (bytes.byteLength && (type === "application/json" || type?.endsWith("+json"))) {
    const body = orThrow(parseJsonBody(bytes));
    if (typeof body === "object" && body !== null && !Array.isArray(body)) fields = body as Record<string, unknown>;
  } else if (bytes.byteLength) {
    throw new HttpError(proxyError("unsupported_media_type"));
  }
  const value = fields["order_id"] ?? fields["orderId"];
  return typeof value === "string" && value !== "" ? value : null;
}

const REVIEW_MESSAGE = "order payment under review: the amount does not match the order";

/**
 * `POST /handleJuspayResponse`: the seeds' contract — `{order_id, order_status, message}` with their messages, 400
 * when `order_id` is missing. The status comes from Order Status S2S and is recorded like any confirmed status.
 * `order_status` is Juspay's status as in the seeds (a documented one: anything else is `UNKNOWN`, the route being
 * public); `status` adds checkpost's unified one, and an amount that
 * does not match the registered order turns the message into a review notice instead of "done successfully".
 */
export async function handleJuspayResponse(request: AppRequest, rc: RequestContext): Promise<Response> {
  requireGateway("juspay", rc);
  const orderId = await responseOrderId(request);
  if (orderId === null) {
    const message = "order_id not present or cannot be empty";
    throw new HttpError(proxyError("validation_failed", { detail: message, fields: [{ path: "order_id", message }] }));
  }
  const ref = juspayRef(orderId);
  // Public, so it spends no gateway call on an attacker's behalf (product.md §2): an order checkpost does not know is
  // 404 with no call and nothing stored, a final one is answered from checkpost's state, and any other gets a look
  // through the order's look budget.
  const look = {
    source: "api",
    trusted: false,
    note: "handleJuspayResponse",
    knownOnly: true,
    finalFromState: true,
    timeoutMs: rc.config.gatewayTimeoutMs ?? undefined,
  } as const;
  const answer = await orderStub(rc.env, ref).look(ref, look, rc.requestId);
  switch (answer.kind) {
    case "unknown":
      throw new HttpError(proxyError("order_not_found"));
    case "busy":
      throw new HttpError(proxyError("rate_limited", { retryAfter: answer.retryAfter }));
    case "failed":
      // Unanswered: the gateway's error as is; another order's answer: `order_mismatch`. Nothing is recorded.
      throw new HttpError(answer.failure.error);
    case "held":
    case "observed": {
      const order = answer.kind === "held" ? answer.order : answer.result.order;
      // Juspay's status as checkpost last confirmed it (NEW before any status call), if it is a documented one.
      const gatewayStatus = publicJuspayStatus(order.gateway_status ?? "NEW");
      return json({
        order_id: orderId,
        order_status: gatewayStatus,
        message: order.requires_review ? REVIEW_MESSAGE : seedMessage(gatewayStatus),
        status: order.requires_review ? "requires_review" : order.status,
      });
    }
  }
}

/**
 * `POST /v1/orders/juspay/:order_id/update` (juspay.md §5). Limits, in order:
 * - the order must be registered through checkpost, not final and not under review;
 * - the currency cannot change;
 * - Juspay must still report NEW: the docs advise against updating "once the transaction is initiated to PG", and a
 *   changed amount after a payment attempt started could only produce a mismatch;
 * - Juspay is updated first, then the registered amount: if the gateway refuses, nothing changed; in the short
 *   window between the two, a payment is compared with the old amount and goes to review, never to succeeded.
 */
export async function updateJuspayOrder(request: AppRequest, rc: RequestContext): Promise<Response> {
  const settings = requireJuspay(rc);
  const ref = juspayRef(request.params["order_id"]);
  const body = orThrow(
    parseOrFail(JuspayUpdateOrderSchema(), orThrow(parseJsonBody(orThrow(await readBody(request))))),
  );
  const stub = orderStub(rc.env, ref);
  const current = await stub.get(ref);
  if (!current) throw new HttpError(proxyError("order_not_found"));
  const refuse = (detail: string) => new HttpError(proxyError("order_not_updatable", { detail }));
  if (!current.amount_verified || current.currency === null) {
    throw refuse("the order's amount was not registered through checkpost");
  }
  if (isFinalPayment(current.status) || current.requires_review)
    throw refuse(`the order is ${current.requires_review ? "under review" : current.status}`);
  if (body.currency !== undefined && body.currency !== current.currency) {
    throw new HttpError(fieldError("currency", "must be the order's currency"));
  }
  let amount: Money | null = null;
  if (body.amount !== undefined) {
    const money = fromMinor(body.amount, current.currency);
    if (!money.ok) {
      throw new HttpError(fieldError("amount", "not valid"));
    }
    amount = money.value;
  }
  const io = gatewayIO(rc);
  // The order's one routing id (its customer id, else its id) on both calls, as on every other call for it.
  const facts = { customerId: current.customer?.id ?? null };
  const snapshot = orThrow(await fetchJuspayStatus(settings, io, ref.orderId, facts));
  if (snapshot.gatewayStatus !== "NEW") {
    throw refuse(`a payment attempt has started at Juspay (status ${snapshot.gatewayStatus})`);
  }
  const fields: Record<string, string> = {};
  if (amount) fields["amount"] = toMajorString(amount);
  for (const key of UDF_KEYS) {
    const value = body[key];
    if (value !== undefined) fields[key] = value;
  }
  const updated = orThrow(await updateOrder(settings, io, ref.orderId, fields, facts));
  if (amount && updated.amount !== null && updated.amount !== undefined) {
    const answered = juspayMoney(updated.amount, amount.currency);
    if (!answered || answered.minor !== amount.minor) {
      rc.log.error("Juspay answered an update with another amount", { gateway: "juspay", order_id: ref.orderId });
      throw new HttpError(proxyError("gateway_bad_response"));
    }
  }
  const order = amount ? orThrow(await stub.updateAmount(ref, amount)) : current;
  rc.log.info("order updated at Juspay", { gateway: "juspay", order_id: ref.orderId, amount_changed: !!amount });
  return json(order);
}

export async function listCustomerMandates(request: AppRequest, rc: RequestContext): Promise<Response> {
  const settings = requireJuspay(rc);
  const customerId = pathParam(request, "customer_id", JuspayCustomerIdSchema());
  const list = orThrow(await listMandates(settings, gatewayIO(rc), customerId));
  const items = Array.isArray(list) ? list : list.list;
  return json({ customer_id: customerId, mandates: items.map(publicMandate) });
}

export async function revokeJuspayMandate(request: AppRequest, rc: RequestContext): Promise<Response> {
  const settings = requireJuspay(rc);
  const mandateId = pathParam(request, "mandate_id", JuspayMandateIdSchema());
  const bytes = orThrow(await readBody(request));
  const body = bytes.byteLength
    ? orThrow(parseOrFail(JuspayRevokeMandateSchema(), orThrow(parseJsonBody(bytes))))
    : { customer_id: undefined };
  // Routed by the customer id when the merchant gives it (the routing id of that customer's other calls), else by
  // the mandate id: checkpost keeps no mandate → customer map.
  const revoked = orThrow(await revokeMandate(settings, gatewayIO(rc), mandateId, body.customer_id));
  rc.log.info("mandate revoke sent", { gateway: "juspay", mandate_id: mandateId, status: revoked.mandate_status });
  return json({ mandate_id: revoked.mandate_id ?? mandateId, mandate_status: revoked.mandate_status });
}

/**
 * `POST /v1/juspay/sdk/signed-payload` (juspay.md §8). `initiate` builds `signaturePayload` {merchant_id,
 * customer_id, mobile_number?, email_address?, timestamp}; `process` builds `orderDetails` {order_id, merchant_id,
 * amount (rupees), currency, timestamp, customer_id, customer_email?, customer_phone?, return_url, description?} and
 * registers the order's amount (the SDK will create the order at Juspay, so the return leg must be able to check it)
 * and marks that an attempt is coming, so reconciliation watches it. Timestamps are epoch milliseconds, as strings.
 */
export async function signedSdkPayload(request: AppRequest, rc: RequestContext): Promise<Response> {
  const settings = requireJuspay(rc);
  const sdk = settings.sdk;
  if (!sdk) {
    throw new HttpError(
      proxyError("gateway_not_configured", { detail: "JUSPAY_SDK_SIGNING_KEY and JUSPAY_SDK_KEY_ID are not set" }),
    );
  }
  // Checked before anything is registered: a refusal for configuration stores nothing.
  const key = await sdkSigningKey(sdk.signingKeyPem);
  if (!key) {
    rc.log.error("JUSPAY_SDK_SIGNING_KEY is not a usable RSA key in PKCS#8 PEM (BEGIN PRIVATE KEY)");
    throw new HttpError(proxyError("gateway_not_configured", { detail: "JUSPAY_SDK_SIGNING_KEY is not usable" }));
  }
  const body = orThrow(parseSignedPayload(orThrow(parseJsonBody(orThrow(await readBody(request))))));
  const timestamp = String(rc.now());
  let field: "signaturePayload" | "orderDetails";
  let payload: Record<string, string>;
  if (body.type === "initiate") {
    field = "signaturePayload";
    payload = {
      merchant_id: settings.merchantId,
      customer_id: body.customer_id,
      ...(body.customer_phone ? { mobile_number: body.customer_phone } : {}),
      ...(body.customer_email ? { email_address: body.customer_email } : {}),
      timestamp,
    };
  } else {
    field = "orderDetails";
    const ref = juspayRef(body.order_id);
    const base = rc.config.publicBaseUrl;
    if (!base) throw new HttpError(proxyError("gateway_not_configured", { detail: "PUBLIC_BASE_URL is not set" }));
    const money = fromMinor(body.amount, body.currency);
    if (!money.ok) {
      throw new HttpError(fieldError("amount", "not valid"));
    }
    const stub = orderStub(rc.env, ref);
    const customer = {
      ...(body.customer_id ? { id: body.customer_id } : {}),
      ...(body.customer_email ? { email: body.customer_email } : {}),
      ...(body.customer_phone ? { phone: body.customer_phone } : {}),
    };
    orThrow(
      await stub.registerForCreate(ref, {
        amount: money.value,
        customer: Object.keys(customer).length ? customer : null,
        description: body.description ?? null,
        metadata: null,
      }),
    );
    payload = {
      order_id: ref.orderId,
      merchant_id: settings.merchantId,
      amount: toMajorString(money.value),
      currency: money.value.currency,
      timestamp,
      customer_id: body.customer_id ?? "",
      ...(body.customer_email ? { customer_email: body.customer_email } : {}),
      ...(body.customer_phone ? { customer_phone: body.customer_phone } : {}),
      return_url: new URL("/return/juspay", base).toString(),
      ...(body.description ? { description: body.description } : {}),
    };
  }
  const text = JSON.stringify(payload);
  const signature = await signSdkPayload(key, text);
  return json({ type: body.type, [field]: text, payload: text, signature, merchantKeyId: sdk.keyId });
}
