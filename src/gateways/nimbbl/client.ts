/**
 * Authenticated calls to the Nimbbl v3 API (nimbbl.md §3, §5): `Authorization: Bearer <merchant token>` and JSON.
 * A 401/403 drops the token and the call is sent once more with a fresh one: the gateway refused it before doing
 * anything, so even a create or a refund is safe to repeat. An `{error: …}` body is a refusal whatever the HTTP
 * status, because Nimbbl returns such bodies with a 2xx too (§5: "check both").
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { err, ok, type Result } from "../../core/result";
import { callGateway, type GatewayReply } from "../http";
import type { GatewayIO } from "../types";
import { dropToken, getToken, type TokenSettings } from "./token";
import { NimbblErrorBodySchema } from "./wire";

export interface NimbblCall {
  /** A short name for logs, e.g. `transaction_enquiry`. */
  readonly operation: string;
  readonly method: "GET" | "POST";
  /** Below the base URL, e.g. `/v3/transaction-enquiry` or `/v3/order?invoice_id=…`. */
  readonly path: string;
  readonly body?: Readonly<Record<string, unknown>>;
}

/** `error.nimbbl_error_code`, or the 2021 SDKs' `error.code` (§5). */
export function nimbblErrorCode(body: unknown): string | null {
  const parsed = NimbblErrorBodySchema.safeParse(body);
  if (!parsed.success) return null;
  return parsed.data.error.nimbbl_error_code ?? parsed.data.error.code ?? "unknown";
}

export async function nimbblRequest(
  settings: TokenSettings,
  io: GatewayIO,
  call: NimbblCall,
): Promise<Result<unknown, ProxyError>> {
  let retried = false;
  for (;;) {
    const token = await getToken(settings, io);
    if (!token.ok) return token;
    const reply = await send(settings, io, call, token.value.token);
    if (!reply.ok && reply.error.reason === "gateway_auth_failed" && !retried) {
      retried = true;
      await dropToken(settings, io, token.value.token);
      io.log.info("nimbbl token refused, retrying once with a new one", { operation: call.operation });
      continue;
    }
    if (!reply.ok) return reply;
    const code = nimbblErrorCode(reply.value.body);
    if (code !== null) {
      io.log.warn("nimbbl answered an error body", { operation: call.operation, gateway_code: code });
      return err(
        proxyError("gateway_rejected", {
          detail: `gateway error code ${code}`,
          log: { gateway: "nimbbl", operation: call.operation, gateway_code: code },
        }),
      );
    }
    return ok(reply.value.body);
  }
}

function send(
  settings: TokenSettings,
  io: GatewayIO,
  call: NimbblCall,
  token: string,
): Promise<Result<GatewayReply, ProxyError>> {
  return callGateway(io, {
    gateway: "nimbbl",
    operation: call.operation,
    method: call.method,
    url: `${settings.baseUrl}${call.path}`,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      ...(call.body ? { "content-type": "application/json" } : {}),
    },
    ...(call.body ? { body: JSON.stringify(call.body) } : {}),
    errorCode: nimbblErrorCode,
  });
}
