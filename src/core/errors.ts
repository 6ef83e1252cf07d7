/**
 * Every expected failure checkpost can answer with. A `ProxyError` names an internal `reason`; the single table
 * below maps each reason to its HTTP status and the stable public `code` callers depend on (style.md §8.3). Adding a
 * reason without a row fails to compile (`satisfies Record<ErrorReason, …>`).
 *
 * Wire messages are short and generic; `log` carries the operator detail and never secrets or raw payloads.
 */

export const ERROR_TABLE = {
  // Routing and request shape
  route_not_found: { status: 404, code: "not_found" },
  method_not_allowed: { status: 405, code: "method_not_allowed" },
  validation_failed: { status: 400, code: "invalid_request" },
  malformed_body: { status: 400, code: "malformed_body" },
  unsupported_media_type: { status: 415, code: "unsupported_media_type" },
  body_too_large: { status: 413, code: "payload_too_large" },
  // Authentication of callers
  api_key_missing: { status: 401, code: "unauthorized" },
  api_key_invalid: { status: 401, code: "unauthorized" },
  signature_missing: { status: 401, code: "invalid_signature" },
  signature_invalid: { status: 401, code: "invalid_signature" },
  signature_unsupported: { status: 401, code: "invalid_signature" },
  credentials_invalid: { status: 401, code: "invalid_credentials" },
  return_token_invalid: { status: 401, code: "invalid_signature" },
  // Gateways and orders
  unknown_gateway: { status: 404, code: "unknown_gateway" },
  gateway_not_configured: { status: 404, code: "gateway_not_configured" },
  rate_limited: { status: 429, code: "rate_limited" },
  order_not_found: { status: 404, code: "order_not_found" },
  mandate_not_found: { status: 404, code: "mandate_not_found" },
  mandate_not_active: { status: 409, code: "mandate_not_active" },
  mandate_amount_exceeded: {
    status: 422,
    code: "mandate_amount_exceeded",
  },
  mandate_notification_failed: {
    status: 409,
    code: "mandate_notification_failed",
  },
  status_page_not_configured: {
    status: 404,
    code: "status_page_not_configured",
  },
  order_conflict: { status: 409, code: "order_conflict" },
  order_mismatch: { status: 422, code: "order_mismatch" },
  amount_mismatch: { status: 422, code: "amount_mismatch" },
  amount_unconfirmed: {
    status: 409,
    code: "amount_unconfirmed",
  },
  order_not_updatable: { status: 409, code: "order_not_updatable" },
  // Juspay pre-authorisation (product.md §2, juspay.md §12)
  order_not_held: {
    status: 409,
    code: "order_not_held",
  },
  capture_exceeds_authorized: {
    status: 422,
    code: "capture_exceeds_authorized",
  },
  preauth_in_progress: {
    status: 409,
    code: "preauth_in_progress",
  },
  currency_unsupported: { status: 422, code: "currency_unsupported" },
  // Idempotency and refunds
  idempotency_key_missing: {
    status: 400,
    code: "idempotency_key_missing",
  },
  idempotency_key_invalid: { status: 400, code: "invalid_request" },
  idempotency_key_reused: {
    status: 422,
    code: "idempotency_key_reused",
  },
  idempotency_key_in_use: {
    status: 409,
    code: "idempotency_key_in_use",
  },
  order_not_refundable: { status: 409, code: "order_not_refundable" },
  refund_exceeds_available: {
    status: 422,
    code: "refund_exceeds_available",
  },
  refund_limit_reached: { status: 409, code: "refund_limit_reached" },
  refund_not_found: { status: 404, code: "refund_not_found" },
  refund_id_conflict: {
    status: 409,
    code: "refund_id_conflict",
  },
  refund_not_under_review: {
    status: 409,
    code: "refund_not_under_review",
  },
  // Outbound events to the merchant
  delivery_not_found: { status: 404, code: "delivery_not_found" },
  events_not_configured: {
    status: 409,
    code: "events_not_configured",
  },
  // The D1 order index behind GET /v1/orders and /v1/summary (never needed to take or answer a payment)
  index_unavailable: { status: 503, code: "index_unavailable" },
  // Outbound calls to gateways
  gateway_unavailable: { status: 502, code: "gateway_unavailable" },
  gateway_timeout: { status: 504, code: "gateway_unavailable" },
  gateway_bad_response: { status: 502, code: "gateway_unavailable" },
  gateway_auth_failed: {
    status: 502,
    code: "gateway_auth_failed",
  },
  gateway_rejected: { status: 422, code: "gateway_rejected" },
  gateway_not_found: { status: 404, code: "gateway_not_found" },
  not_implemented: { status: 501, code: "not_implemented" },
  // Unknown failures: always a 500, never relabelled as a 4xx.
  internal: { status: 500, code: "internal_error" },
} as const satisfies Record<string, { status: number; code: string }>;

export type ErrorReason = keyof typeof ERROR_TABLE;
export type ErrorCode = (typeof ERROR_TABLE)[ErrorReason]["code"];

export interface FieldIssue {
  /** Dotted path into the request, e.g. `amount` or `customer.email`. Never the offending value. */
  readonly path: string;
  readonly message: string;
}

export interface ProxyError {
  readonly reason: ErrorReason;
  /** Safe for the wire: says what is wrong without echoing input or secrets. */
  readonly detail?: string;
  /**
   * Set when `detail` quotes a gateway's own error code (`core/gateway-code.ts`): gateway-supplied text, which
   * http/respond.ts shows on `/v1` answers only and drops everywhere else.
   */
  readonly gatewayCode?: string;
  readonly fields?: readonly FieldIssue[];
  /** For the operator's log line only. Must not hold secrets, credentials or whole payloads. */
  readonly log?: Readonly<Record<string, string | number | boolean | null>>;
  /** Seconds, for 429/503-style answers. */
  readonly retryAfter?: number;
}

export function proxyError(reason: ErrorReason, extra: Omit<ProxyError, "reason"> = {}): ProxyError {
  return { reason, ...extra };
}

/** A 400 `invalid_request` naming one refused field (`path`, never its value) and what is wrong with it. */
export function fieldError(path: string, message: string): ProxyError {
  return proxyError("validation_failed", { fields: [{ path, message }] });
}

/**
 * A problem's `title` (RFC 9457: a short summary of the problem type, the same for every occurrence), from its public
 * code: `refund_exceeds_available` → "Refund exceeds available". Several reasons share a code on purpose (a missing
 * and a wrong signature are both `invalid_signature`), so the title never tells them apart either; `detail` says
 * more where it is safe to. Spelled out from the code rather than stored per row: ~0.6 KiB of bundle (product.md §6).
 */
export function errorTitle(code: ErrorCode): string {
  const words = code.replace(/_/g, " ").replace(/\bapi\b/, "API");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function errorStatus(error: ProxyError): number {
  return ERROR_TABLE[error.reason].status;
}

export function isProxyError(value: unknown): value is ProxyError {
  return (
    typeof value === "object" &&
    value !== null &&
    "reason" in value &&
    typeof value.reason === "string" &&
    Object.hasOwn(ERROR_TABLE, value.reason)
  );
}

/** The RFC 9457 problem document for an error (the wire shape every route and stored idempotent answer uses). */
export function problemDocument(error: ProxyError, requestId: string): Record<string, unknown> {
  const row = ERROR_TABLE[error.reason];
  return {
    type: `urn:checkpost:problem:${row.code}`,
    title: errorTitle(row.code),
    status: row.status,
    code: row.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(error.fields?.length ? { errors: error.fields } : {}),
    request_id: requestId,
  };
}
