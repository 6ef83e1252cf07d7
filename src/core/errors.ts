/**
 * Every expected failure checkpost can answer with. A `ProxyError` names an internal `reason`; the single table
 * below maps each reason to its HTTP status and the stable public `code` callers depend on (style.md §8.3). Adding a
 * reason without a row fails to compile (`satisfies Record<ErrorReason, …>`).
 *
 * Wire messages are short and generic; `log` carries the operator detail and never secrets or raw payloads.
 */

/**
 * Each reason's row: `[status]` when its public code is the reason itself, `[status, code]` otherwise (written out
 * once: ~0.1 KiB of bundle, product.md §6). `ERROR_TABLE` is the `{status, code}` form everything reads.
 */
const ROWS = {
  // Routing and request shape
  route_not_found: [404, "not_found"],
  method_not_allowed: [405],
  validation_failed: [400, "invalid_request"],
  malformed_body: [400],
  unsupported_media_type: [415],
  body_too_large: [413, "payload_too_large"],
  // Authentication of callers
  api_key_missing: [401, "unauthorized"],
  api_key_invalid: [401, "unauthorized"],
  signature_missing: [401, "invalid_signature"],
  signature_invalid: [401, "invalid_signature"],
  signature_unsupported: [401, "invalid_signature"],
  credentials_invalid: [401, "invalid_credentials"],
  return_token_invalid: [401, "invalid_signature"],
  // Gateways and orders
  unknown_gateway: [404],
  gateway_not_configured: [404],
  rate_limited: [429],
  order_not_found: [404],
  mandate_not_found: [404],
  mandate_not_active: [409],
  mandate_amount_exceeded: [422],
  mandate_notification_failed: [409],
  status_page_not_configured: [404],
  order_conflict: [409],
  order_mismatch: [422],
  amount_mismatch: [422],
  amount_unconfirmed: [409],
  order_not_updatable: [409],
  // Juspay pre-authorisation (product.md §2, juspay.md §12)
  order_not_held: [409],
  capture_exceeds_authorized: [422],
  preauth_in_progress: [409],
  currency_unsupported: [422],
  // Idempotency and refunds
  idempotency_key_missing: [400],
  idempotency_key_invalid: [400, "invalid_request"],
  idempotency_key_reused: [422],
  idempotency_key_in_use: [409],
  order_not_refundable: [409],
  refund_exceeds_available: [422],
  refund_limit_reached: [409],
  refund_not_found: [404],
  refund_id_conflict: [409],
  refund_not_under_review: [409],
  // Outbound events to the merchant
  delivery_not_found: [404],
  events_not_configured: [409],
  // The D1 order index behind GET /v1/orders and /v1/summary (never needed to take or answer a payment)
  index_unavailable: [503],
  // Outbound calls to gateways
  gateway_unavailable: [502],
  gateway_timeout: [504, "gateway_unavailable"],
  gateway_bad_response: [502, "gateway_unavailable"],
  gateway_auth_failed: [502],
  gateway_rejected: [422],
  gateway_not_found: [404],
  not_implemented: [501],
  // Unknown failures: always a 500, never relabelled as a 4xx.
  internal: [500, "internal_error"],
} as const satisfies Record<string, readonly [number] | readonly [number, string]>;

type Rows = typeof ROWS;
export const ERROR_TABLE = Object.fromEntries(
  Object.entries(ROWS).map(([reason, [status, code = reason]]: [string, readonly [number, string?]]) => [
    reason,
    { status, code },
  ]),
) as {
  readonly [R in keyof Rows]: {
    readonly status: Rows[R][0];
    readonly code: Rows[R] extends readonly [number, infer C] ? C : R;
  };
};

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
