/**
 * THE place that turns an expected failure into a response (style.md §8.3): `application/problem+json` per RFC 9457,
 * `{type, title, status, code, detail?, errors?, request_id}`, or a short HTML page on browser-facing routes when the
 * client accepts `text/html`. Nothing here echoes input, secrets or payloads.
 */
import { ERROR_TABLE, problemDocument, type ProxyError } from "../core/errors";

const BROWSER_PREFIXES = ["/return/", "/status/"];

export function isBrowserRoute(pathname: string): boolean {
  return BROWSER_PREFIXES.some((p) => pathname.startsWith(p));
}

function wantsHtml(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return /\btext\/html\b/i.test(accept);
}

export function problemResponse(error: ProxyError, request: Request, requestId: string): Response {
  const row = ERROR_TABLE[error.reason];
  const headers = new Headers({ "x-request-id": requestId, "cache-control": "no-store" });
  if (error.retryAfter !== undefined) headers.set("retry-after", String(error.retryAfter));
  if (isBrowserRoute(new URL(request.url).pathname) && wantsHtml(request)) {
    headers.set("content-type", "text/html; charset=utf-8");
    return new Response(problemPage(row.status, row.title, requestId), { status: row.status, headers });
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

export function htmlPage(title: string, body: string, extraHead = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${extraHead}<title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1a1a1a;background:#f6f7f9}main{max-width:28rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}h1{font-size:1.25rem;margin:0 0 .75rem}p{margin:.5rem 0}.muted{color:#5f6368;font-size:.875rem}</style></head><body><main>${body}</main></body></html>`;
}

function problemPage(status: number, title: string, requestId: string): string {
  return htmlPage(
    title,
    `<h1>${escapeHtml(title)}</h1><p>We could not complete this step. If you were paying, your payment is not lost: the merchant will confirm it with the payment provider.</p><p class="muted">Error ${status} · reference ${escapeHtml(requestId)}</p>`,
  );
}

/** An answer stored for an idempotency key, as the original request got it (problem JSON for 4xx). */
export function storedResponse(response: { status: number; body: string }, replayed: boolean): Response {
  return new Response(response.body, {
    status: response.status,
    headers: {
      "content-type": response.status >= 400 ? "application/problem+json" : "application/json",
      ...(replayed ? { "idempotent-replayed": "true" } : {}),
    },
  });
}
