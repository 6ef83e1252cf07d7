/**
 * Every expected failure checkpost can answer with. A `ProxyError` names an internal `reason`; the single table
 * below maps each reason to its HTTP status and the stable public `code` callers depend on (style.md §8.3). Adding a
 * reason without a row fails to compile (`satisfies Record<ErrorReason, …>`).
 *
 * Wire messages are short and generic; `log` carries the operator detail and never secrets or raw payloads.
 */

export const ERROR_TABLE = {
  // Routing and request shape
  route_not_found: { status: 404, code: "not_found", title: "No such route" },
  method_not_allowed: { status: 405, code: "method_not_allowed", title: "Method not allowed on this route" },
  validation_failed: { status: 400, code: "invalid_request", title: "The request is invalid" },
  malformed_body: { status: 400, code: "malformed_body", title: "The body could not be parsed" },
  unsupported_media_type: { status: 415, code: "unsupported_media_type", title: "Unsupported content type" },
  body_too_large: { status: 413, code: "payload_too_large", title: "The body is larger than 64 KiB" },
  // Authentication of callers
  api_key_missing: { status: 401, code: "unauthorized", title: "Missing or invalid API key" },
  api_key_invalid: { status: 401, code: "unauthorized", title: "Missing or invalid API key" },
  signature_missing: { status: 401, code: "invalid_signature", title: "Invalid signature" },
  signature_invalid: { status: 401, code: "invalid_signature", title: "Invalid signature" },
  signature_unsupported: { status: 401, code: "invalid_signature", title: "Invalid signature" },
  credentials_invalid: { status: 401, code: "invalid_credentials", title: "Invalid credentials" },
  return_token_invalid: { status: 401, code: "invalid_signature", title: "Invalid signature" },
  // Gateways and orders
  unknown_gateway: { status: 404, code: "unknown_gateway", title: "No such gateway" },
  gateway_not_configured: { status: 404, code: "gateway_not_configured", title: "This gateway is not configured" },
  rate_limited: { status: 429, code: "rate_limited", title: "Too many requests: try again later" },
  order_not_found: { status: 404, code: "order_not_found", title: "No such order" },
  mandate_not_found: { status: 404, code: "mandate_not_found", title: "checkpost holds no such mandate" },
  mandate_not_active: { status: 409, code: "mandate_not_active", title: "The mandate is not active" },
  mandate_amount_exceeded: {
    status: 422,
    code: "mandate_amount_exceeded",
    title: "The amount is over the mandate's maximum (or not its fixed amount)",
  },
  mandate_notification_failed: {
    status: 409,
    code: "mandate_notification_failed",
    title: "The mandate's pre-debit notification did not succeed",
  },
  status_page_not_configured: {
    status: 404,
    code: "status_page_not_configured",
    title: "The hosted status page is off on this deployment",
  },
  order_conflict: { status: 409, code: "order_conflict", title: "The order already exists with other details" },
  order_mismatch: { status: 422, code: "order_mismatch", title: "The gateway's answer is for another order" },
  amount_mismatch: { status: 422, code: "amount_mismatch", title: "The amount does not match the order" },
  amount_unconfirmed: {
    status: 409,
    code: "amount_unconfirmed",
    title: "The gateway never confirmed this order's amount, so it cannot be registered after the fact",
  },
  order_not_updatable: { status: 409, code: "order_not_updatable", title: "The order can no longer be updated" },
  // Juspay pre-authorisation (product.md §2, juspay.md §12)
  order_not_held: {
    status: 409,
    code: "order_not_held",
    title: "Only a held (AUTHORIZED) order can be captured or voided",
  },
  capture_exceeds_authorized: {
    status: 422,
    code: "capture_exceeds_authorized",
    title: "The capture exceeds the authorised amount",
  },
  preauth_in_progress: {
    status: 409,
    code: "preauth_in_progress",
    title: "Another capture or void of this order is running",
  },
  currency_unsupported: { status: 422, code: "currency_unsupported", title: "The gateway does not take this currency" },
  // Idempotency and refunds
  idempotency_key_missing: {
    status: 400,
    code: "idempotency_key_missing",
    title: "An Idempotency-Key header is required",
  },
  idempotency_key_invalid: { status: 400, code: "invalid_request", title: "The Idempotency-Key header is invalid" },
  idempotency_key_reused: {
    status: 422,
    code: "idempotency_key_reused",
    title: "This key was used with another request",
  },
  idempotency_key_in_use: {
    status: 409,
    code: "idempotency_key_in_use",
    title: "A request with this key is still running",
  },
  order_not_refundable: { status: 409, code: "order_not_refundable", title: "Only a succeeded order can be refunded" },
  refund_exceeds_available: {
    status: 422,
    code: "refund_exceeds_available",
    title: "The refund exceeds what is left to refund",
  },
  refund_limit_reached: { status: 409, code: "refund_limit_reached", title: "This order has reached its refund limit" },
  refund_not_found: { status: 404, code: "refund_not_found", title: "No such refund" },
  refund_id_conflict: {
    status: 409,
    code: "refund_id_conflict",
    title: "A refund with this id exists with other details",
  },
  refund_not_under_review: {
    status: 409,
    code: "refund_not_under_review",
    title: "Only a pending refund flagged for review can be marked failed",
  },
  // Outbound events to the merchant
  delivery_not_found: { status: 404, code: "delivery_not_found", title: "No such event delivery" },
  events_not_configured: {
    status: 409,
    code: "events_not_configured",
    title: "Events are off: MERCHANT_WEBHOOK_URL or MERCHANT_WEBHOOK_SECRET is not set",
  },
  // The D1 order index behind GET /v1/orders and /v1/summary (never needed to take or answer a payment)
  index_unavailable: { status: 503, code: "index_unavailable", title: "The order index is unavailable" },
  // Outbound calls to gateways
  gateway_unavailable: { status: 502, code: "gateway_unavailable", title: "The gateway is unavailable" },
  gateway_timeout: { status: 504, code: "gateway_unavailable", title: "The gateway did not answer in time" },
  gateway_bad_response: { status: 502, code: "gateway_unavailable", title: "The gateway's answer was unusable" },
  gateway_auth_failed: {
    status: 502,
    code: "gateway_auth_failed",
    title: "The gateway refused checkpost's credentials",
  },
  gateway_rejected: { status: 422, code: "gateway_rejected", title: "The gateway rejected the request" },
  gateway_not_found: { status: 404, code: "gateway_not_found", title: "The gateway does not know this object" },
  not_implemented: { status: 501, code: "not_implemented", title: "Not implemented for this gateway" },
  // Unknown failures: always a 500, never relabelled as a 4xx.
  internal: { status: 500, code: "internal_error", title: "Internal error" },
} as const satisfies Record<string, { status: number; code: string; title: string }>;

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
    title: row.title,
    status: row.status,
    code: row.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(error.fields?.length ? { errors: error.fields } : {}),
    request_id: requestId,
  };
}
