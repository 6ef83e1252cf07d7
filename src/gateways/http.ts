/**
 * The one way adapters call a gateway: a timeout on every call, and every way a call can go wrong turned into a
 * `ProxyError` the caller can act on (issue 9's fault matrix): network failure, timeout, 5xx and 429 →
 * `gateway_unavailable`/`gateway_timeout` (502/504); 401/403 → `gateway_auth_failed`; 404 → `gateway_not_found`;
 * other 4xx → `gateway_rejected` carrying the gateway's own error code (`core/gateway-code.ts`: marked as
 * gateway-supplied, so only `/v1` answers quote it); a 2xx whose body is not JSON (HTML error
 * pages, truncated bodies, wrong content type) → `gateway_bad_response`.
 *
 * Redirects are never followed (`redirect: "manual"`, product.md §3): a gateway API never redirects, so a 3xx means
 * something between checkpost and the gateway is wrong (a hijacked name, a proxy, a base URL with the wrong scheme),
 * and following it would hand the request — `Authorization`, and for token requests the client secret in the body —
 * to whatever the `Location` names. A 3xx is `gateway_unavailable`, logged with the target's host only, never retried.
 *
 * Retries: a call the caller marks `idempotent` (status reads, token requests) is sent once more, after a short
 * jittered pause, when it failed in a way a second try can fix at once: no connection, or a 5xx. Never after a
 * timeout (the caller's time budget is spent), a 429 (retrying makes the overload worse) or any 4xx. Creates and
 * refunds are never marked idempotent: a lost answer may hide a payment or a refund the gateway made, so those are
 * resolved by asking for their status (product.md §3), never by sending them again.
 *
 * The timeout is the call's own, else `GatewayIO.timeoutMs` (the `GATEWAY_TIMEOUT_MS` setting), else 10 s.
 */
import { gatewayCallPoint, type Metrics } from "../metrics";
import { proxyError, type ProxyError } from "../core/errors";
import { gatewayCodeDetail } from "../core/gateway-code";
import { err, ok, type Result } from "../core/result";
import type { GatewayIO } from "./types";

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * `fetch` that sends checkpost's request id (`x-request-id`) with every call, so the gateway's or the merchant's logs
 * can be joined with checkpost's: the request's id, or the alarm run's (storage/order/alarm.ts). With `metrics`,
 * each call's host, status and latency becomes a data point (src/metrics.ts).
 */
export function fetchWithRequestId(requestId: string | undefined, metrics?: Metrics): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (requestId) headers.set("x-request-id", requestId);
    if (!metrics) return fetch(input, { ...init, headers });
    const started = Date.now();
    let status = 0;
    try {
      const response = await fetch(input, { ...init, headers });
      status = response.status;
      return response;
    } finally {
      gatewayCallPoint(
        metrics,
        new URL(input instanceof Request ? input.url : input).host,
        status,
        Date.now() - started,
      );
    }
  };
}
/** The pause before the one retry of an idempotent call: this, plus up to as much again of random jitter. */
export const RETRY_DELAY_MS = 50;

export interface GatewayCall {
  readonly gateway: string;
  /** A short name for logs, e.g. `order_status`. Never the URL (it may carry ids only, but keep logs small). */
  readonly operation: string;
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
  /** Safe to send twice (a read, or a token request): retried once on a network failure or a 5xx. */
  readonly idempotent?: boolean;
  /** Reads the gateway's error code out of a parsed error body (each gateway has its own shape). */
  readonly errorCode?: (body: unknown) => string | null;
}

export interface GatewayReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export async function callGateway(io: GatewayIO, call: GatewayCall): Promise<Result<GatewayReply, ProxyError>> {
  const first = await callOnce(io, call);
  if (first.ok || !call.idempotent || !first.retryable) return first.result;
  await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * (1 + Math.random())));
  io.log.info("gateway call retried", { gateway: call.gateway, operation: call.operation });
  return (await callOnce(io, call)).result;
}

type Attempt =
  | { readonly ok: true; readonly result: Result<GatewayReply, ProxyError> }
  | { readonly ok: false; readonly result: Result<GatewayReply, ProxyError>; readonly retryable: boolean };

async function callOnce(io: GatewayIO, call: GatewayCall): Promise<Attempt> {
  const failed = (error: ProxyError, retryable = false): Attempt => ({ ok: false, result: err(error), retryable });
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
      redirect: "manual",
      signal: AbortSignal.timeout(call.timeoutMs ?? io.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    log(null, timedOut ? "timeout" : "network");
    return failed(
      proxyError(timedOut ? "gateway_timeout" : "gateway_unavailable", {
        log: { gateway: call.gateway, operation: call.operation, cause: timedOut ? "timeout" : "network" },
      }),
      !timedOut,
    );
  }
  const parsed = parseJson(text);
  // The gateway's own code: logged (bounded), and quoted in a `/v1` answer only when it looks like a code.
  const code = parsed.ok && call.errorCode ? (call.errorCode(parsed.value)?.slice(0, 100) ?? null) : null;
  const meta = { gateway: call.gateway, operation: call.operation, http_status: response.status, gateway_code: code };
  if (response.status >= 300 && response.status < 400) {
    log(response.status, "redirect");
    io.log.warn("gateway answered a redirect, not followed", { ...meta, location_host: locationHost(response, call) });
    return failed(proxyError("gateway_unavailable", { log: { ...meta, cause: "redirect" } }));
  }
  if (response.status >= 500 || response.status === 429) {
    log(response.status, "unavailable");
    const retryAfter = Number(response.headers.get("retry-after"));
    return failed(
      proxyError("gateway_unavailable", { log: meta, ...(retryAfter > 0 ? { retryAfter } : {}) }),
      response.status >= 500,
    );
  }
  if (response.status === 401 || response.status === 403) {
    log(response.status, "auth");
    return failed(proxyError("gateway_auth_failed", { log: meta }));
  }
  if (response.status === 404) {
    log(response.status, "not_found");
    return failed(proxyError("gateway_not_found", { log: meta, ...gatewayCodeDetail(code) }));
  }
  if (response.status >= 400) {
    log(response.status, "rejected");
    return failed(proxyError("gateway_rejected", { log: meta, ...gatewayCodeDetail(code) }));
  }
  const contentType = response.headers.get("content-type") ?? "";
  if (!parsed.ok || !/\bjson\b/i.test(contentType)) {
    log(response.status, "bad_response");
    return failed(proxyError("gateway_bad_response", { log: { ...meta, content_type: contentType.slice(0, 60) } }));
  }
  log(response.status, null);
  return { ok: true, result: ok({ status: response.status, body: parsed.value, headers: response.headers }) };
}

/** Where a redirect pointed, for the operator: the host only (a URL may carry ids), or null when unreadable. */
function locationHost(response: Response, call: GatewayCall): string | null {
  const location = response.headers.get("location");
  if (location === null) return null;
  try {
    return new URL(location, call.url).host.slice(0, 100);
  } catch {
    return null;
  }
}

function parseJson(text: string): Result<unknown, null> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err(null);
  }
}
