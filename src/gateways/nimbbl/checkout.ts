/**
 * The customer's return leg for Nimbbl (nimbbl.md §1, product.md §2 `GET|POST /return/nimbbl`). Pure apart from
 * WebCrypto: reads what the browser carried, verifies it, and names the order; the generic return route then asks
 * Nimbbl (transaction enquiry) and decides from that answer alone.
 *
 * What arrives: the checkout response as a base64 JSON `response` query parameter (redirect), a JSON body, or a form
 * body with a `response` field, possibly inside the checkout SDK's envelope, a v4 envelope or an encrypted one. The
 * callback URL checkpost gave Nimbbl carries `order_id` and checkpost's own token `t` over it.
 *
 * Rules (§1.1, §6.1):
 * - a response with a `transaction` must carry a valid v3 per-field signature with `signature_version: "v3"`;
 * - it must be a `payment`, and its signed `invoice_id` must be the order the return URL names (`order_id`);
 * - a top-level `nimbbl_transaction_id`, when present, must equal the signed one;
 * - the outcome hint is the signed `transaction.status`, never the unsigned top-level `status`;
 * - a response without a transaction (the customer closed the checkout: seed 003, "failed / null / new") has
 *   nothing Nimbbl signed, so it is accepted only with checkpost's valid token `t` for `order_id`, which lets the
 *   route ask Nimbbl what happened; nothing the browser said is used.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { err, ok, type Result } from "../../core/result";
import { verifyOrderToken } from "../../core/signing";
import type { ReturnInput, VerifiedReturn } from "../types";
import { decodeBase64Json, decodeText, isObject, openEnvelopes, parseJsonObject, type JsonObject } from "./envelope";
import { verifyPerField } from "./verify";
import { NimbblSignedEventSchema } from "./wire";

export interface CheckoutSecrets {
  readonly accessSecret: string;
  /** checkpost's `MERCHANT_WEBHOOK_SECRET` keys, for the return token `t`. */
  readonly merchantSecrets: readonly string[];
}

function rejected(check: string, reason: "signature_invalid" | "signature_missing" = "signature_invalid"): ProxyError {
  return proxyError(reason, { log: { scheme: "nimbbl_return", check } });
}

/** The response object the browser carried, before any envelope is opened. */
export function readCheckoutInput(input: ReturnInput): Result<JsonObject, ProxyError> {
  const fromQuery = input.url.searchParams.get("response");
  if (input.method === "GET" || input.body.byteLength === 0) {
    if (fromQuery === null) return err(rejected("response_missing", "signature_missing"));
    return decodeBase64Json(fromQuery);
  }
  const type = (input.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || type.endsWith("+json")) return parseJsonObject(input.body);
  if (type === "application/x-www-form-urlencoded") {
    const text = decodeText(input.body);
    if (!text.ok) return text;
    const response = new URLSearchParams(text.value).get("response");
    if (response === null) return err(rejected("response_missing", "signature_missing"));
    return decodeBase64Json(response);
  }
  return err(proxyError("unsupported_media_type", { detail: "send JSON or a form with a response field" }));
}

/** `order_id` and `t` from the callback URL; a token that is present must be valid for that order. */
async function returnTarget(
  url: URL,
  merchantSecrets: readonly string[],
): Promise<Result<{ orderId: string | null; tokenValid: boolean }, ProxyError>> {
  const orderId = url.searchParams.get("order_id");
  const token = url.searchParams.get("t");
  if (token === null) return ok({ orderId, tokenValid: false });
  if (orderId === null || !(await verifyOrderToken(merchantSecrets, "return", "nimbbl", orderId, token))) {
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
  const target = await returnTarget(input.url, secrets.merchantSecrets);
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
      if (named !== null && named !== invoice) return err(rejected("invoice_mismatch"));
      return ok({ orderId: invoice, gatewayStatus: null });
    }
    if (!tokenValid || named === null) return err(rejected("unsigned_without_token", "signature_missing"));
    if (invoice !== null && invoice !== named) return err(rejected("invoice_mismatch"));
    return ok({ orderId: named, gatewayStatus: null });
  }

  const parsed = NimbblSignedEventSchema.safeParse(event);
  if (!parsed.success) return err(rejected("shape"));
  const signed = parsed.data;
  // Inside a verified v4 or encrypted envelope a per-field signature is checked when present (§2), not required.
  const checkFields = !sealed || signed.transaction.signature !== undefined;
  const tuple = checkFields
    ? await verifyPerField(signed, secrets.accessSecret, "payment", sealed ? "missing_is_v3" : "required")
    : null;
  if (tuple && !tuple.ok) return tuple;
  const invoiceId = tuple ? tuple.value.invoiceId : signed.order.invoice_id;
  const transactionId = tuple ? tuple.value.transactionId : signed.transaction.transaction_id;
  if (signed.transaction.transaction_type !== "payment") return err(rejected("not_a_payment"));
  if (signed.nimbbl_transaction_id !== undefined && signed.nimbbl_transaction_id !== transactionId) {
    return err(rejected("transaction_id_mismatch"));
  }
  if (named !== null && named !== invoiceId) return err(rejected("invoice_mismatch"));
  return ok({ orderId: invoiceId, gatewayStatus: tuple ? tuple.value.status : (signed.transaction.status ?? null) });
}
