/**
 * Nimbbl's authentication schemes (nimbbl.md §1, §2). Pure: no storage, no network, no clock; WebCrypto only.
 *
 * - v3 per-field: HMAC-SHA256 keyed with the access secret's UTF-8 bytes (its `access_secret_` prefix kept) over six
 *   fields joined by `|`, lowercase hex, compared exactly and in constant time (§1.1). Payments and refunds differ
 *   only in which fields fill the six places (§2).
 * - v4 envelope: the same HMAC over the EXACT base64-decoded payload bytes, never over a re-serialised copy (§1.3).
 * - Encrypted: AES-256-GCM, key = SHA-256 of the secret without its prefix, `hex(nonce[16] ‖ ciphertext ‖ tag[16])`;
 *   successful decryption is the authentication (§1.3). workerd's WebCrypto takes the 16-byte nonce as is (GHASH-
 *   derived J0, as OpenSSL does): `test/nimbbl/verify.test.ts` checks it against a vector produced by OpenSSL.
 *
 * Every failure is a 401 reason; `log` names the scheme and the failed check, never a value or the secret.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { fromBase64, fromHex, hmacSha256, sha256, stringsEqual, toHex } from "../../core/crypto";
import { formatTwoDecimals } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import type { NimbblAmount, NimbblSignedEvent, NimbblV4Envelope } from "./wire";

export const SIGNATURE_VERSION = "v3";
export const ACCESS_SECRET_PREFIX = "access_secret_";
const NONCE_BYTES = 16;
const TAG_BYTES = 16;

/** The six signed values, in signing order; `amount` is already formatted with two decimals. */
export interface SignedTuple {
  readonly invoiceId: string;
  readonly transactionId: string;
  readonly amount: string;
  readonly currency: string;
  readonly status: string;
  readonly type: string;
}

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

/** Lowercase hex HMAC-SHA256 keyed with the secret's UTF-8 bytes. */
export async function hmacHex(secret: string, message: string | Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(await hmacSha256(secret, message));
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

/** §1.3 / §2: returns the exact payload bytes the signature covers, for the caller to parse. */
export async function verifyV4Envelope(
  envelope: NimbblV4Envelope,
  secret: string,
): Promise<Result<Uint8Array<ArrayBuffer>, ProxyError>> {
  // Webhooks name the field `signature`, callbacks `nimbbl_signature`; either must match the same HMAC.
  const signature = envelope.signature ?? envelope.nimbbl_signature;
  if (!signature) return err(proxyError("signature_missing", { log: { scheme: "v4" } }));
  const bytes = fromBase64(envelope.payload);
  if (!bytes) return err(invalid("v4", "payload_not_base64"));
  if (!(await signatureMatches(secret, bytes, signature))) return err(invalid("v4", "mac"));
  return ok(bytes);
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

const aesKeys = new Map<string, Promise<CryptoKey>>();

/** AES-256 key = SHA-256 of the access secret with its `access_secret_` prefix removed, one iteration (§1.3). */
function aesKey(secret: string): Promise<CryptoKey> {
  let key = aesKeys.get(secret);
  if (!key) {
    const bare = secret.startsWith(ACCESS_SECRET_PREFIX) ? secret.slice(ACCESS_SECRET_PREFIX.length) : secret;
    key = sha256(bare).then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]));
    if (aesKeys.size > 8) aesKeys.clear();
    aesKeys.set(secret, key);
  }
  return key;
}

/** Decrypts `hex(nonce[16] ‖ ciphertext ‖ tag[16])`; a wrong key or any altered byte fails the GCM tag. */
export async function decryptResponse(
  hex: string,
  secret: string,
): Promise<Result<Uint8Array<ArrayBuffer>, ProxyError>> {
  const bytes = fromHex(hex);
  if (!bytes || bytes.byteLength < NONCE_BYTES + TAG_BYTES) return err(invalid("encrypted", "not_hex"));
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, NONCE_BYTES), tagLength: TAG_BYTES * 8 },
      await aesKey(secret),
      bytes.subarray(NONCE_BYTES),
    );
    return ok(new Uint8Array(plain));
  } catch {
    return err(invalid("encrypted", "tag"));
  }
}
