/**
 * THE place that turns an expected failure into a response (style.md §8.3): `application/problem+json` per RFC 9457,
 * `{type, title, status, code, detail?, errors?, request_id}`, or a short HTML page on browser-facing routes when the
 * client accepts `text/html`. Nothing here echoes input, secrets or payloads.
 *
 * Gateway-supplied text is decided here too, because only here is the audience known: a problem whose `detail`
 * quotes a gateway's error code (`ProxyError.gatewayCode`, set by the gateway side) keeps it on `/v1` answers — the
 * merchant's backend, which can act on it — and only while the code is still 1–64 characters of `[A-Za-z0-9_.:-]`
 * (checked again: it may come back from storage, e.g. an idempotent replay). On every other route (return legs, the
 * status page, `/handleJuspayResponse`, webhooks) the customer's browser or an unauthenticated caller is reading, so
 * the detail is dropped and only checkpost's own code and title remain.
 */
import { ERROR_TABLE, errorStatus, errorTitle, problemDocument, type ProxyError } from "../core/errors";
import { safeGatewayCode } from "../core/gateway-code";
import type { StoredAnswer } from "../core/idempotency";

const BROWSER_PREFIXES = ["/return/", "/status/"];

export function isBrowserRoute(pathname: string): boolean {
  return BROWSER_PREFIXES.some((p) => pathname.startsWith(p));
}

function wantsHtml(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return /\btext\/html\b/i.test(accept);
}

/** Whether the answer goes to the merchant's backend (`/v1`, API-key authenticated). */
function isMerchantApi(pathname: string): boolean {
  return pathname.startsWith("/v1/");
}

/** The error as this audience may see it: without gateway-supplied text outside `/v1`, or when it is not a code. */
export function forAudience(error: ProxyError, merchantApi: boolean): ProxyError {
  if (error.gatewayCode === undefined) return error;
  if (merchantApi && safeGatewayCode(error.gatewayCode) !== null) return error;
  const { detail: _detail, gatewayCode: _code, ...rest } = error;
  return rest;
}

/** The problem each request was answered with, as its caller saw it: for the request line (index.ts). */
const answered = new WeakMap<Request, ProxyError>();
export const answeredProblem = (request: Request): ProxyError | undefined => answered.get(request);

export function problemResponse(original: ProxyError, request: Request, requestId: string): Response {
  const pathname = new URL(request.url).pathname;
  const error = forAudience(original, isMerchantApi(pathname));
  answered.set(request, error);
  const row = ERROR_TABLE[error.reason];
  const headers = new Headers({ "x-request-id": requestId, "cache-control": "no-store" });
  if (error.retryAfter !== undefined) headers.set("retry-after", String(error.retryAfter));
  if (isBrowserRoute(pathname) && wantsHtml(request)) {
    headers.set("content-type", "text/html; charset=utf-8");
    return new Response(problemPage(row.status, errorTitle(row.code), requestId), { status: row.status, headers });
  }
  headers.set("content-type", "application/problem+json");
  return new Response(JSON.stringify(problemDocument(error, requestId)), { status: row.status, headers });
}

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status, headers: h });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page every customer-facing HTML response uses (status page, error pages): mobile first, system font, text
 * contrast of at least 7:1 (muted text 6:1). The stylesheet is a static asset
 * (`public/assets/page.css`), so it is not in the Worker's bundle.
 */
export function htmlPage(title: string, body: string, extraHead = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${extraHead}<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/assets/page.css"></head><body><main>${body}</main></body></html>`;
}

function problemPage(status: number, title: string, requestId: string): string {
  return htmlPage(
    title,
    `<h1>${escapeHtml(title)}</h1><p>We could not complete this step. If you were paying, your payment is not lost: the merchant will confirm it with the payment provider.</p><p class="muted">Error ${status} · reference ${escapeHtml(requestId)}</p>`,
  );
}

/** An answer stored for an idempotency key, as the original request got it (problem JSON for 4xx). */
const REFUND_STATUS = { accepted: 201, unknown: 202, updated: 200 } as const;

/**
 * An idempotency key's answer (`StoredAnswer`), rendered the same way every time so a replay is byte-identical to the
 * first answer; a replay says so with `Idempotent-Replayed: true`.
 */
export function renderAnswer(answer: StoredAnswer, replayed: boolean): Response {
  const rendered =
    answer.kind === "response"
      ? answer
      : answer.kind === "refund"
        ? { status: REFUND_STATUS[answer.outcome], body: JSON.stringify(answer.refund) }
        : {
            status: errorStatus(answer.error),
            // Stored answers are `/v1` answers (refunds); the gateway's code is checked again on the way out.
            body: JSON.stringify(problemDocument(forAudience(answer.error, true), answer.requestId)),
          };
  return new Response(rendered.body, {
    status: rendered.status,
    headers: {
      "content-type": rendered.status >= 400 ? "application/problem+json" : "application/json",
      ...(replayed ? { "idempotent-replayed": "true" } : {}),
    },
  });
}
