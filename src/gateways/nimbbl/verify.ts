/**
 * What Nimbbl sends checkpost, verified (nimbbl.md §1, §2): the customer's return leg and the webhook. Pure apart from
 * WebCrypto: no storage, no network, no clock. The layers around a body (encrypted, v4, checkout SDK) are opened by
 * envelope.ts; the verified values are translated by map.ts.
 *
 * Signature schemes: v3 per-field, the HMAC of envelope.ts over six fields joined by `|` (§1.1; payments and refunds
 * differ only in which fields fill the six places, §2), and payment-link events over five (§2).
 *
 * Return leg (§1, product.md §2 `GET|POST /return/nimbbl`): the checkout response arrives as a base64 JSON `response`
 * query parameter (redirect), a JSON body, or a form body with a `response` field, possibly inside the checkout SDK's
 * envelope, a v4 envelope or an encrypted one. The callback URL checkpost gave Nimbbl carries `order_id` and
 * checkpost's own token `t` over it. Rules (§1.1, §6.1):
 * - a response with a `transaction` must carry a valid v3 per-field signature with `signature_version: "v3"`;
 * - it must be a `payment`, and its signed `invoice_id` must be the order the return URL names (`order_id`);
 * - a top-level `nimbbl_transaction_id`, when present, must equal the signed one;
 * - the outcome hint is the signed `transaction.status`, never the unsigned top-level `status`;
 * - a response without a transaction (the customer closed the checkout: seed 003, "failed / null / new") has
 *   nothing Nimbbl signed, so it is accepted only with checkpost's valid token `t` for `order_id`, which lets the
 *   route ask Nimbbl what happened; nothing the browser said is used.
 *
 * Webhook (`POST /webhooks/nimbbl`, §2): Nimbbl sends no signature header, timestamp or webhook secret: the body
 * authenticates itself with the access secret. Dispatch on the raw body, outermost first: `encrypted_response` →
 * v4 envelope → legacy per-field, keyed on `event_type` (payment and refund formulas differ). `event_type` itself
 * is not signed, so each family also checks the SIGNED `transaction_type`: a payment event must sign `payment`, a
 * refund event a refund type. Relabelling a signed payment as `refund_success` therefore fails. The result is still
 * a hint, confirmed S2S by the order's Durable Object before a final transition.
 *
 * Every failure is a 401 reason; `log` names the scheme and the failed check, never a value or the secret.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { stringsEqual } from "../../core/crypto";
import { formatTwoDecimals } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import { verifyOrderToken, type TokenSecrets } from "../../core/signing";
import type { RawWebhook, ReturnInput, VerifiedReturn, WebhookEvent } from "../types";
import {
  decodeBase64Json,
  decodeText,
  hmacHex,
  isObject,
  openEnvelopes,
  parseJsonObject,
  type JsonObject,
} from "./envelope";
import { isRefundType, minimalEvent, paymentEvent, REFUND_EVENTS, refundEvent } from "./map";
import {
  NimbblPaymentLinkSchema,
  NimbblSignedEventSchema,
  type NimbblAmount,
  type NimbblSignedEvent,
  type SignedTuple,
} from "./wire";

export const SIGNATURE_VERSION = "v3";

export type SignedKind = "payment" | "refund";

/**
 * How a missing `transaction.signature_version` is treated. The checkout response must say `v3` (§6.1, the spec's
 * recommendation); webhooks follow SDK 4.x, which reads a missing version as v3 (§1.1). Any other value is refused
 * either way: checkpost never falls back to the legacy v2 formula.
 */
export type VersionPolicy = "required" | "missing_is_v3";

export function tupleMessage(t: SignedTuple): string {
  return [t.invoiceId, t.transactionId, t.amount, t.currency, t.status, t.type].join("|");
}

/** Exact, constant-time: an uppercase-hex copy of a valid signature is refused, as `hash_equals` refuses it. */
export async function signatureMatches(
  secret: string,
  message: string | Uint8Array<ArrayBuffer>,
  provided: string,
): Promise<boolean> {
  return stringsEqual(await hmacHex(secret, message), provided);
}

function invalid(scheme: string, check: string): ProxyError {
  return proxyError("signature_invalid", { log: { scheme, check } });
}

function amount2dp(value: NimbblAmount | undefined, scheme: string): Result<string, ProxyError> {
  if (value === undefined) return err(invalid(scheme, "amount_missing"));
  const formatted = formatTwoDecimals(value);
  return formatted.ok ? ok(formatted.value) : err(invalid(scheme, "amount_malformed"));
}

function present(value: string | undefined, scheme: string, field: string): Result<string, ProxyError> {
  return value === undefined ? err(invalid(scheme, `${field}_missing`)) : ok(value);
}

function buildTuple(
  event: NimbblSignedEvent,
  scheme: string,
  places: { amount: NimbblAmount | undefined; currency: string | undefined; status: string | undefined },
): Result<SignedTuple, ProxyError> {
  const amount = amount2dp(places.amount, scheme);
  if (!amount.ok) return amount;
  const currency = present(places.currency, scheme, "currency");
  if (!currency.ok) return currency;
  const status = present(places.status, scheme, "status");
  if (!status.ok) return status;
  return ok({
    invoiceId: event.order.invoice_id,
    transactionId: event.transaction.transaction_id,
    amount: amount.value,
    currency: currency.value,
    status: status.value,
    type: event.transaction.transaction_type,
  });
}

/** §1.1: `invoice_id | transaction_id | amount2dp(transaction_amount) | transaction_currency | status | type`. */
export function paymentTuple(event: NimbblSignedEvent): Result<SignedTuple, ProxyError> {
  const t = event.transaction;
  return buildTuple(event, "v3", { amount: t.transaction_amount, currency: t.transaction_currency, status: t.status });
}

/**
 * §2 refund events: `invoice_id | refund transaction_id | amount2dp(refund_amount) |
 * order.refund_details.refundable_currency | refund_status | transaction_type` [S2]. Where [S2] and [S3] disagree
 * (§8), the [S3] fallbacks fill an absent place (`transaction_currency`, `status`, `transaction_amount`); the event
 * is then read from the very values that were signed, so a fallback cannot make an unsigned value count.
 */
export function refundTuple(event: NimbblSignedEvent): Result<SignedTuple, ProxyError> {
  const t = event.transaction;
  return buildTuple(event, "v3_refund", {
    amount: t.refund_amount ?? t.transaction_amount,
    currency: event.order.refund_details?.refundable_currency ?? t.transaction_currency,
    status: t.refund_status ?? t.status,
  });
}

/** Verifies the per-field signature in `transaction.signature` and returns the signed values. */
export async function verifyPerField(
  event: NimbblSignedEvent,
  secret: string,
  kind: SignedKind,
  policy: VersionPolicy,
): Promise<Result<SignedTuple, ProxyError>> {
  const version = event.transaction.signature_version;
  if (version === undefined ? policy === "required" : version !== SIGNATURE_VERSION) {
    return err(
      proxyError("signature_unsupported", {
        log: { scheme: "v3", check: version === undefined ? "version_missing" : "version_foreign" },
      }),
    );
  }
  // Refund events may carry it at the top level only ([S3] reads `nimbbl_signature` too).
  const signature = event.transaction.signature ?? (kind === "refund" ? event.nimbbl_signature : undefined);
  if (!signature) return err(proxyError("signature_missing", { log: { scheme: "v3" } }));
  const tuple = kind === "payment" ? paymentTuple(event) : refundTuple(event);
  if (!tuple.ok) return tuple;
  if (!(await signatureMatches(secret, tupleMessage(tuple.value), signature))) return err(invalid("v3", "mac"));
  return ok(tuple.value);
}

/** Payment-link events: `invoice_id | status | currency | amount2dp(amount_paid) | payment_link_hash` (§2). */
export async function verifyPaymentLink(
  link: { invoice_id: string; status: string; currency: string; amount_paid: NimbblAmount; hash: string },
  signature: string,
  secret: string,
): Promise<Result<null, ProxyError>> {
  const amount = amount2dp(link.amount_paid, "payment_link");
  if (!amount.ok) return amount;
  const message = [link.invoice_id, link.status, link.currency, amount.value, link.hash].join("|");
  return (await signatureMatches(secret, message, signature)) ? ok(null) : err(invalid("payment_link", "mac"));
}

export interface CheckoutSecrets {
  readonly accessSecret: string;
  /** checkpost's `CHECKPOST_SECRET` keys, for the return token `t`; empty: no token can be checked. */
  readonly tokenSecrets: TokenSecrets;
}

function returnRejected(
  check: string,
  reason: "signature_invalid" | "signature_missing" = "signature_invalid",
): ProxyError {
  return proxyError(reason, { log: { scheme: "nimbbl_return", check } });
}

/** The response object the browser carried, before any envelope is opened. */
export function readCheckoutInput(input: ReturnInput): Result<JsonObject, ProxyError> {
  const fromQuery = input.url.searchParams.get("response");
  if (input.method === "GET" || input.body.byteLength === 0) {
    if (fromQuery === null) return err(returnRejected("response_missing", "signature_missing"));
    return decodeBase64Json(fromQuery);
  }
  const type = (input.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || type.endsWith("+json")) return parseJsonObject(input.body);
  if (type === "application/x-www-form-urlencoded") {
    const text = decodeText(input.body);
    if (!text.ok) return text;
    const response = new URLSearchParams(text.value).get("response");
    if (response === null) return err(returnRejected("response_missing", "signature_missing"));
    return decodeBase64Json(response);
  }
  return err(proxyError("unsupported_media_type", { detail: "send JSON or a form with a response field" }));
}

/**
 * `order_id` and `t` from the callback URL; a token that is present must be valid for that order. Without a usable
 * `CHECKPOST_SECRET` a token cannot be checked and counts as absent: a response Nimbbl signed still verifies.
 */
async function returnTarget(
  url: URL,
  tokenSecrets: TokenSecrets,
): Promise<Result<{ orderId: string | null; tokenValid: boolean }, ProxyError>> {
  const orderId = url.searchParams.get("order_id");
  const token = url.searchParams.get("t");
  if (token === null || !tokenSecrets.length) return ok({ orderId, tokenValid: false });
  if (orderId === null || !(await verifyOrderToken(tokenSecrets, "return", "nimbbl", orderId, token))) {
    return err(proxyError("return_token_invalid", { log: { scheme: "nimbbl_return", check: "token" } }));
  }
  return ok({ orderId, tokenValid: true });
}

function invoiceOf(event: JsonObject): string | null {
  const order = event["order"];
  const nested = isObject(order) ? order["invoice_id"] : undefined;
  const value = nested ?? event["invoice_id"];
  return typeof value === "string" && value !== "" ? value : null;
}

export async function verifyCheckoutReturn(
  input: ReturnInput,
  secrets: CheckoutSecrets,
): Promise<Result<VerifiedReturn, ProxyError>> {
  const target = await returnTarget(input.url, secrets.tokenSecrets);
  if (!target.ok) return target;
  const { orderId: named, tokenValid } = target.value;
  const raw = readCheckoutInput(input);
  if (!raw.ok) return raw;
  const opened = await openEnvelopes(raw.value, secrets.accessSecret, { checkout: true });
  if (!opened.ok) return opened;
  const { event, sealed } = opened.value;

  if (!isObject(event["transaction"])) {
    // Nothing Nimbbl signed names a payment: only checkpost's own token can tie this return to an order.
    const invoice = invoiceOf(event);
    if (sealed && invoice !== null) {
      if (named !== null && named !== invoice) return err(returnRejected("invoice_mismatch"));
      return ok({ orderId: invoice, gatewayStatus: null });
    }
    if (!tokenValid || named === null) return err(returnRejected("unsigned_without_token", "signature_missing"));
    if (invoice !== null && invoice !== named) return err(returnRejected("invoice_mismatch"));
    return ok({ orderId: named, gatewayStatus: null });
  }

  const parsed = NimbblSignedEventSchema().safeParse(event);
  if (!parsed.success) return err(returnRejected("shape"));
  const signed = parsed.data;
  // Inside a verified v4 or encrypted envelope a per-field signature is checked when present (§2), not required.
  const checkFields = !sealed || signed.transaction.signature !== undefined;
  const tuple = checkFields
    ? await verifyPerField(signed, secrets.accessSecret, "payment", sealed ? "missing_is_v3" : "required")
    : null;
  if (tuple && !tuple.ok) return tuple;
  const invoiceId = tuple ? tuple.value.invoiceId : signed.order.invoice_id;
  const transactionId = tuple ? tuple.value.transactionId : signed.transaction.transaction_id;
  if (signed.transaction.transaction_type !== "payment") return err(returnRejected("not_a_payment"));
  if (signed.nimbbl_transaction_id !== undefined && signed.nimbbl_transaction_id !== transactionId) {
    return err(returnRejected("transaction_id_mismatch"));
  }
  if (named !== null && named !== invoiceId) return err(returnRejected("invoice_mismatch"));
  return ok({ orderId: invoiceId, gatewayStatus: tuple ? tuple.value.status : (signed.transaction.status ?? null) });
}

const PAYMENT_LINK_PREFIX = "payment_link_";

function webhookRejected(check: string): ProxyError {
  return proxyError("signature_invalid", { log: { scheme: "nimbbl_webhook", check } });
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
  const parsed = NimbblSignedEventSchema().safeParse(event);
  if (!parsed.success) return sealed ? ok(minimalEvent(event, eventType)) : err(webhookRejected("shape"));
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
  if (isRefundType(tuple.value.type) !== (kind === "refund")) return err(webhookRejected("transaction_type"));
  return ok(kind === "refund" ? refundEvent(signed, eventType, tuple.value) : paymentEvent(eventType, tuple.value));
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
  const link = NimbblPaymentLinkSchema().safeParse(isObject(event["payment_link"]) ? event["payment_link"] : event);
  if (!link.success) return err(webhookRejected("payment_link_shape"));
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
