/**
 * `POST /webhooks/nimbbl` (nimbbl.md §2). Nimbbl sends no signature header, timestamp or webhook secret: the body
 * authenticates itself with the access secret. Dispatch on the raw body, outermost first: `encrypted_response` →
 * v4 envelope → legacy per-field, keyed on `event_type` (payment and refund formulas differ). Pure apart from
 * WebCrypto; the result is still a hint, confirmed S2S by the order's Durable Object before a final transition.
 *
 * `event_type` itself is not signed, so each family also checks the SIGNED `transaction_type`: a payment event must
 * sign `payment`, a refund event a refund type. Relabelling a signed payment as `refund_success` therefore fails.
 * Dedupe keys are `nimbbl:<event_type>:<transaction_id>:<status>` (§6.2).
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { fromMajor } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import type { RawWebhook, WebhookEvent } from "../types";
import { isObject, openEnvelopes, parseJsonObject, type JsonObject } from "./envelope";
import { isRefundType, mapPaymentStatus, mapRefundStatus } from "./map";
import {
  paymentTuple,
  refundTuple,
  verifyPaymentLink,
  verifyPerField,
  type SignedKind,
  type SignedTuple,
} from "./verify";
import { NimbblPaymentLinkSchema, NimbblSignedEventSchema, type NimbblSignedEvent } from "./wire";

/** [S2 `WebhookEvents`], [S3], [D3]. */
const PAYMENT_EVENTS = new Set([
  "payment_success",
  "payment_failed",
  "payment_reversing",
  "payment_reversal_failed",
  "payment_reversed",
]);
const REFUND_EVENTS = new Set(["refund_pending", "refund_success", "refund_failed"]);
const PAYMENT_LINK_PREFIX = "payment_link_";

function rejected(check: string): ProxyError {
  return proxyError("signature_invalid", { log: { scheme: "nimbbl_webhook", check } });
}

function dedupeKey(eventType: string, tuple: SignedTuple): string {
  return `nimbbl:${eventType}:${tuple.transactionId}:${tuple.status}`;
}

export async function verifyNimbblWebhook(raw: RawWebhook, secret: string): Promise<Result<WebhookEvent, ProxyError>> {
  const body = parseJsonObject(raw.bytes);
  if (!body.ok) return body;
  const opened = await openEnvelopes(body.value, secret, { checkout: false });
  if (!opened.ok) return opened;
  const { event, sealed } = opened.value;
  const eventType = event["event_type"];
  // SDK 4.x refuses an event without a type: it cannot tell which formula signs it (§2).
  if (typeof eventType !== "string" || eventType === "") {
    return err(proxyError("signature_unsupported", { log: { scheme: "nimbbl_webhook", check: "event_type" } }));
  }
  if (eventType.startsWith(PAYMENT_LINK_PREFIX)) return paymentLinkEvent(event, eventType, secret, sealed);
  const kind: SignedKind = REFUND_EVENTS.has(eventType) ? "refund" : "payment";
  const parsed = NimbblSignedEventSchema.safeParse(event);
  if (!parsed.success) return sealed ? ok(minimalEvent(event, eventType)) : err(rejected("shape"));
  const signed = parsed.data;
  let tuple: Result<SignedTuple, ProxyError>;
  if (!sealed || signed.transaction.signature !== undefined) {
    // Legacy events must carry the per-field signature; inside a verified envelope it is checked when present,
    // and a failure there rejects the event (§2).
    tuple = await verifyPerField(signed, secret, kind, "missing_is_v3");
    if (!tuple.ok) return tuple;
  } else {
    tuple = kind === "refund" ? refundTuple(signed) : paymentTuple(signed);
    if (!tuple.ok) return ok(minimalEvent(event, eventType));
  }
  if (isRefundType(tuple.value.type) !== (kind === "refund")) return err(rejected("transaction_type"));
  return ok(kind === "refund" ? refundEvent(signed, eventType, tuple.value) : paymentEvent(eventType, tuple.value));
}

/**
 * `amount` stays null: the order total is not signed and `transaction_amount` includes fees, so an unregistered
 * order takes its amount from the transaction enquiry only.
 */
function paymentEvent(eventType: string, tuple: SignedTuple): WebhookEvent {
  return {
    // Pre-auth events (payment_authorized, capture_*, void_*) and unknown ones only make the order look again.
    kind: PAYMENT_EVENTS.has(eventType) ? "payment" : "other",
    eventType,
    orderId: tuple.invoiceId,
    dedupeKeys: [dedupeKey(eventType, tuple)],
    gatewayStatus: tuple.status,
    status: PAYMENT_EVENTS.has(eventType) ? mapPaymentStatus(tuple.status) : null,
    amount: null,
    refund: null,
  };
}

function refundEvent(signed: NimbblSignedEvent, eventType: string, tuple: SignedTuple): WebhookEvent {
  const amount = fromMajor(tuple.amount, tuple.currency);
  const requestId = signed.transaction["refund_request_id"];
  return {
    kind: "refund",
    eventType,
    orderId: tuple.invoiceId,
    dedupeKeys: [dedupeKey(eventType, tuple)],
    gatewayStatus: tuple.status,
    status: null,
    amount: null,
    refund: {
      gatewayRefundId: typeof requestId === "string" ? requestId : null,
      gatewayRefundRef: tuple.transactionId,
      status: mapRefundStatus(tuple.status),
      gatewayStatus: tuple.status,
      amount: amount.ok ? amount.value : null,
    },
  };
}

/**
 * An event authenticated as a whole (decrypted or v4) whose inner object lacks the per-field shape, e.g. a compact
 * v4 event: it only names the order, which the Durable Object then looks up at Nimbbl.
 */
function minimalEvent(event: JsonObject, eventType: string): WebhookEvent {
  const order = event["order"];
  const invoice = (isObject(order) ? order["invoice_id"] : undefined) ?? event["invoice_id"];
  const txn = typeof event["nimbbl_transaction_id"] === "string" ? event["nimbbl_transaction_id"] : "-";
  const status = typeof event["status"] === "string" ? event["status"] : "-";
  return {
    kind: "other",
    eventType,
    orderId: typeof invoice === "string" && invoice !== "" ? invoice : null,
    dedupeKeys: [`nimbbl:${eventType}:${txn}:${status}`],
    gatewayStatus: status === "-" ? eventType : status,
    status: null,
    amount: null,
    refund: null,
  };
}

/** Payment links are not created through checkpost: authenticated, acknowledged, not stored (orderId null). */
async function paymentLinkEvent(
  event: JsonObject,
  eventType: string,
  secret: string,
  sealed: boolean,
): Promise<Result<WebhookEvent, ProxyError>> {
  const other: WebhookEvent = {
    kind: "other",
    eventType,
    orderId: null,
    dedupeKeys: [],
    gatewayStatus: eventType,
    status: null,
    amount: null,
    refund: null,
  };
  if (sealed) return ok(other);
  const link = NimbblPaymentLinkSchema.safeParse(isObject(event["payment_link"]) ? event["payment_link"] : event);
  if (!link.success) return err(rejected("payment_link_shape"));
  const hash = link.data.payment_link_hash ?? link.data.hash;
  const signature =
    (typeof event["signature"] === "string" ? event["signature"] : undefined) ??
    (typeof event["nimbbl_signature"] === "string" ? event["nimbbl_signature"] : undefined) ??
    link.data.signature ??
    link.data.nimbbl_signature;
  if (hash === undefined || signature === undefined) {
    return err(proxyError("signature_missing", { log: { scheme: "payment_link" } }));
  }
  const verified = await verifyPaymentLink({ ...link.data, hash }, signature, secret);
  return verified.ok ? ok(other) : verified;
}
