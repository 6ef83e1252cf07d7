/**
 * The one way adapters call a gateway: a timeout on every call, and every way a call can go wrong turned into a
 * `ProxyError` the caller can act on (issue 9's fault matrix): network failure, timeout, 5xx and 429 →
 * `gateway_unavailable`/`gateway_timeout` (502/504); 401/403 → `gateway_auth_failed`; 404 → `gateway_not_found`;
 * other 4xx → `gateway_rejected` carrying the gateway's own error code; a 2xx whose body is not JSON (HTML error
 * pages, truncated bodies, wrong content type) → `gateway_bad_response`. No retries here: only callers know whether
 * their call is idempotent.
 */
import { proxyError, type ProxyError } from "../core/errors";
import { err, ok, type Result } from "../core/result";
import type { GatewayIO } from "./types";

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface GatewayCall {
  readonly gateway: string;
  /** A short name for logs, e.g. `order_status`. Never the URL (it may carry ids only, but keep logs small). */
  readonly operation: string;
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
  /** Reads the gateway's error code out of a parsed error body (each gateway has its own shape). */
  readonly errorCode?: (body: unknown) => string | null;
}

export interface GatewayReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export async function callGateway(io: GatewayIO, call: GatewayCall): Promise<Result<GatewayReply, ProxyError>> {
  const started = io.now();
  const log = (status: number | null, reason: string | null) =>
    io.log.info("gateway call", {
      gateway: call.gateway,
      operation: call.operation,
      status,
      reason,
      ms: io.now() - started,
    });
  let response: Response;
  let text: string;
  try {
    response = await io.fetch(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      signal: AbortSignal.timeout(call.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    log(null, timedOut ? "timeout" : "network");
    return err(
      proxyError(timedOut ? "gateway_timeout" : "gateway_unavailable", {
        log: { gateway: call.gateway, operation: call.operation, cause: timedOut ? "timeout" : "network" },
      }),
    );
  }
  const parsed = parseJson(text);
  const code = parsed.ok && call.errorCode ? call.errorCode(parsed.value) : null;
  const meta = { gateway: call.gateway, operation: call.operation, http_status: response.status, gateway_code: code };
  if (response.status >= 500 || response.status === 429) {
    log(response.status, "unavailable");
    const retryAfter = Number(response.headers.get("retry-after"));
    return err(proxyError("gateway_unavailable", { log: meta, ...(retryAfter > 0 ? { retryAfter } : {}) }));
  }
  if (response.status === 401 || response.status === 403) {
    log(response.status, "auth");
    return err(proxyError("gateway_auth_failed", { log: meta }));
  }
  if (response.status === 404) {
    log(response.status, "not_found");
    return err(
      proxyError("gateway_not_found", { log: meta, ...(code ? { detail: `gateway error code ${code}` } : {}) }),
    );
  }
  if (response.status >= 400) {
    log(response.status, "rejected");
    return err(
      proxyError("gateway_rejected", { log: meta, ...(code ? { detail: `gateway error code ${code}` } : {}) }),
    );
  }
  const contentType = response.headers.get("content-type") ?? "";
  if (!parsed.ok || !/\bjson\b/i.test(contentType)) {
    log(response.status, "bad_response");
    return err(proxyError("gateway_bad_response", { log: { ...meta, content_type: contentType.slice(0, 60) } }));
  }
  log(response.status, null);
  return ok({ status: response.status, body: parsed.value, headers: response.headers });
}

function parseJson(text: string): Result<unknown, null> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err(null);
  }
}
