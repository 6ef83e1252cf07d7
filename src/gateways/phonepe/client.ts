/**
 * Calls to PhonePe's PG API: `Authorization: O-Bearer <token>` on every call (phonepe.md §1), JSON bodies, PhonePe's
 * error bodies read as `errorCode ?? code` (§6), and one retry with a fresh token after a 401, as SDK 2.0.6's
 * `executeWithRetry` does. A 401 means PhonePe refused the request before acting on it, so the retry cannot
 * duplicate a payment or a refund. Nothing else is retried here: a timeout or 5xx on pay or refund is ambiguous,
 * and only the caller can resolve it (by asking for the status of the same id, phonepe.md §4 "Proxy rule").
 *
 * The `x-source*` headers the SDK adds are left out: the docs' own samples omit them (phonepe.md §8, open question 5).
 */
import type * as z from "zod/mini";
import { proxyError, type ProxyError } from "../../core/errors";
import { err, ok, type Result } from "../../core/result";
import { callGateway, type GatewayReply } from "../http";
import type { GatewayIO } from "../types";
import type { TokenSource } from "./token";
import { phonepeErrorCode } from "./wire";

export interface PhonePeClient {
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  readonly timeoutMs?: number | undefined;
}

export interface PgRequest {
  readonly operation: string;
  readonly method: "GET" | "POST";
  /** Path below the PG base URL, ids already validated and encoded. */
  readonly path: string;
  readonly body?: unknown;
}

export async function pgCall(
  client: PhonePeClient,
  io: GatewayIO,
  request: PgRequest,
): Promise<Result<GatewayReply, ProxyError>> {
  const token = await client.tokens.get(io);
  if (!token.ok) return token;
  const first = await send(client, io, request, token.value);
  if (first.ok || !isUnauthorized(first.error)) return first;
  io.log.info("phonepe refused the access token, retrying once with a fresh one", { operation: request.operation });
  const fresh = await client.tokens.refresh(io, token.value);
  if (!fresh.ok) return fresh;
  return send(client, io, request, fresh.value);
}

/** `pgCall`, then the reply validated against its schema; a reply of another shape is `gateway_bad_response`. */
export async function pgRead<T>(
  client: PhonePeClient,
  io: GatewayIO,
  request: PgRequest,
  schema: z.ZodMiniType<T>,
): Promise<Result<T, ProxyError>> {
  const reply = await pgCall(client, io, request);
  if (!reply.ok) return reply;
  const parsed = schema.safeParse(reply.value.body);
  if (!parsed.success) {
    const log = { gateway: "phonepe", operation: request.operation, cause: "shape" };
    return err(proxyError("gateway_bad_response", { log }));
  }
  return ok(parsed.data);
}

function isUnauthorized(error: ProxyError): boolean {
  return error.reason === "gateway_auth_failed" && error.log?.["http_status"] === 401;
}

function send(
  client: PhonePeClient,
  io: GatewayIO,
  request: PgRequest,
  token: string,
): Promise<Result<GatewayReply, ProxyError>> {
  const headers: Record<string, string> = { accept: "application/json", authorization: `O-Bearer ${token}` };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  return callGateway(io, {
    gateway: "phonepe",
    operation: request.operation,
    method: request.method,
    url: `${client.baseUrl}${request.path}`,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    errorCode: phonepeErrorCode,
    ...(client.timeoutMs !== undefined ? { timeoutMs: client.timeoutMs } : {}),
  });
}
