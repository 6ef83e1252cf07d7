/**
 * Juspay's server-to-server API in Basic mode (juspay.md §2, §4-§6). Every call goes through `callGateway` (timeouts,
 * error mapping) and its answer through a zod schema; nothing here touches storage.
 *
 * Headers on every call: `Authorization: Basic base64(API_KEY + ":")` (the documented form; §2), `x-merchantid`,
 * the pinned `version`, and `x-routing-id`. The routing id is the customer id where the call knows it (session,
 * mandates) and the order id otherwise: order-scoped calls (status, update, refund) are given only an order id.
 */
import type * as z from "zod/mini";
import { toBase64, utf8 } from "../../core/crypto";
import { proxyError, type ProxyError } from "../../core/errors";
import { err, ok, type Result } from "../../core/result";
import { callGateway } from "../http";
import type { GatewayIO } from "../types";
import type { JsonValue } from "../../core/model";
import type { JuspaySettings } from "./config";
import {
  JuspayErrorSchema,
  JuspayMandateListSchema,
  JuspayOrderSchema,
  JuspayRevokeResponseSchema,
  JuspaySessionResponseSchema,
  JuspayUpdateResponseSchema,
} from "./wire";

type Body =
  { readonly form: Readonly<Record<string, string>> } | { readonly json: Readonly<Record<string, JsonValue>> };

interface JuspayCall<S extends z.ZodMiniType> {
  readonly operation: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly routingId: string;
  readonly schema: S;
  readonly body?: Body;
}

function errorCode(body: unknown): string | null {
  const parsed = JuspayErrorSchema.safeParse(body);
  return parsed.success ? (parsed.data.error_code ?? null) : null;
}

async function juspayCall<S extends z.ZodMiniType>(
  settings: JuspaySettings,
  io: GatewayIO,
  call: JuspayCall<S>,
): Promise<Result<z.infer<S>, ProxyError>> {
  const headers: Record<string, string> = {
    authorization: `Basic ${toBase64(utf8(`${settings.apiKey}:`))}`,
    "x-merchantid": settings.merchantId,
    version: settings.apiVersion,
    "x-routing-id": call.routingId,
    accept: "application/json",
  };
  let body: string | undefined;
  if (call.body && "form" in call.body) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(call.body.form).toString();
  } else if (call.body) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(call.body.json);
  }
  const reply = await callGateway(io, {
    gateway: "juspay",
    operation: call.operation,
    method: call.method,
    url: `${settings.baseUrl}${call.path}`,
    headers,
    ...(body !== undefined ? { body } : {}),
    // Reads are safe to send twice; the POSTs (session, update, refund, revoke) are not.
    idempotent: call.method === "GET",
    errorCode,
  });
  if (!reply.ok) return reply;
  const parsed = call.schema.safeParse(reply.value.body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".")).join(",");
    io.log.warn("unexpected gateway answer", { gateway: "juspay", operation: call.operation, fields });
    return err(proxyError("gateway_bad_response", { log: { gateway: "juspay", operation: call.operation, fields } }));
  }
  return ok(parsed.data);
}

const seg = encodeURIComponent;

/** `GET /orders/{order_id}` (§4). */
export function getOrderStatus(settings: JuspaySettings, io: GatewayIO, orderId: string) {
  return juspayCall(settings, io, {
    operation: "order_status",
    method: "GET",
    path: `/orders/${seg(orderId)}`,
    routingId: orderId,
    schema: JuspayOrderSchema,
  });
}

/** `POST /session` (§5), JSON. Creates the order and returns the payment link and the SDK payload. */
export function createSession(
  settings: JuspaySettings,
  io: GatewayIO,
  body: Readonly<Record<string, JsonValue>>,
  routingId: string,
) {
  return juspayCall(settings, io, {
    operation: "session",
    method: "POST",
    path: "/session",
    routingId,
    schema: JuspaySessionResponseSchema,
    body: { json: body },
  });
}

/** `POST /orders/{order_id}` (Update Order, §5), form-encoded: amount in rupees and UDFs. */
export function updateOrder(
  settings: JuspaySettings,
  io: GatewayIO,
  orderId: string,
  fields: Readonly<Record<string, string>>,
) {
  return juspayCall(settings, io, {
    operation: "update_order",
    method: "POST",
    path: `/orders/${seg(orderId)}`,
    routingId: orderId,
    schema: JuspayUpdateResponseSchema,
    body: { form: fields },
  });
}

/** `POST /orders/{order_id}/refunds` (§5), form-encoded. Answers with the order, the new refund in `refunds[]`. */
export function createRefund(
  settings: JuspaySettings,
  io: GatewayIO,
  orderId: string,
  uniqueRequestId: string,
  amount: string,
) {
  return juspayCall(settings, io, {
    operation: "refund",
    method: "POST",
    path: `/orders/${seg(orderId)}/refunds`,
    routingId: orderId,
    schema: JuspayOrderSchema,
    body: { form: { unique_request_id: uniqueRequestId, amount } },
  });
}

/** `GET /customers/{customer_id}/mandates` (§6): includes revoked, expired and failed mandates. */
export function listMandates(settings: JuspaySettings, io: GatewayIO, customerId: string) {
  return juspayCall(settings, io, {
    operation: "list_mandates",
    method: "GET",
    path: `/customers/${seg(customerId)}/mandates`,
    routingId: customerId,
    schema: JuspayMandateListSchema,
  });
}

/** `POST /mandates/{mandate_id}` with `command=revoke` (§6); routed by the customer id when the caller gives it. */
export function revokeMandate(settings: JuspaySettings, io: GatewayIO, mandateId: string, routingId: string) {
  return juspayCall(settings, io, {
    operation: "revoke_mandate",
    method: "POST",
    path: `/mandates/${seg(mandateId)}`,
    routingId,
    schema: JuspayRevokeResponseSchema,
    body: { form: { command: "revoke" } },
  });
}
