/**
 * The OpenAPI description of every route: those every deployment has (`CORE_OPERATIONS`) and Juspay's own
 * (`JUSPAY_OPERATIONS`), in the order of the route table (`router.ts`).
 */
import * as z from "zod/mini";
import type { ApiOperation } from "./api";
import * as R from "./responses";
import { MANDATE_OPERATIONS } from "./operations-mandates";
import {
  HandleJuspayResponseSchema,
  JuspayRevokeMandateSchema,
  JuspaySdkSignedPayloadSchema,
  JuspayUpdateOrderSchema,
} from "./routes/juspay-schemas";
import { CaptureRequestSchema, VoidRequestSchema } from "./routes/juspay-preauth";
import { MarkFailedSchema, RefundRequestSchema } from "./routes/refunds";
import {
  CreateOrderSchema,
  DeliveriesQuerySchema,
  EventsQuerySchema,
  OrdersQuerySchema,
  RefreshQuerySchema,
  SummaryQuerySchema,
} from "./schemas";

/** `GET|POST /return/{gateway}`: the customer's browser back from the gateway (product.md §2). */
function returnLeg(method: "get" | "post", operationId: string, summary: string): ApiOperation {
  const fields = z
    .catchall(z.object({}), z.string())
    .check(z.describe("The gateway's return parameters, as it sends them"));
  return {
    method,
    path: "/return/{gateway}",
    operationId,
    summary: `The customer's return leg: verified, confirmed S2S, then redirected. ${summary}`,
    tag: "browser",
    auth: "gateway",
    ...(method === "get" ? { query: fields } : { body: fields, form: true }),
    bodies: { "303": "redirect", "401": "html", "404": "html", "422": "html", "429": "html", "502": "html" },
    responses: {
      "303": "To MERCHANT_RETURN_URL with the signed result, or to the hosted status page",
      "401": "Invalid signature or token: no gateway call, nothing changed",
      "404": "Unknown or unconfigured gateway",
      "422": "The gateway's answer is for another order or amount",
      "429": "Over PUBLIC_RATE_LIMIT from this address, or the order's look budget is spent",
      "502": "Gateway unavailable",
    },
  };
}

const problem = { "400": "Invalid request", "401": "Missing or invalid API key", "404": "Unknown gateway or order" };

export const CORE_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "get",
    path: "/healthz",
    operationId: "healthz",
    bodies: { "200": R.HealthSchema, "503": R.HealthSchema },
    summary: "Liveness, enabled gateways and configuration problems (by name)",
    tag: "service",
    auth: "none",
    responses: { "200": "Healthy", "503": "Something configured is broken" },
  },
  {
    method: "get",
    path: "/v1/health",
    operationId: "getHealth",
    bodies: { "200": R.HealthDetailSchema },
    summary: "Each gateway's and feature's state, what it lacks, and every configuration problem",
    tag: "merchant",
    auth: "bearer",
    responses: { "200": "Health", "401": "Missing or invalid API key" },
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApi",
    summary: "This document",
    tag: "service",
    auth: "none",
    responses: { "200": "OpenAPI 3.1" },
  },
  {
    method: "post",
    path: "/v1/orders",
    operationId: "createOrder",
    idempotencyKey: "optional",
    bodies: { "201": R.CreatedOrderSchema, "200": R.CreatedOrderSchema },
    summary: "Create an order at the gateway (or only register one) and get the next action",
    tag: "merchant",
    auth: "bearer",
    body: CreateOrderSchema(),
    responses: {
      "201": "Created",
      "200": "Already created",
      ...problem,
      "409": "Order exists with another amount",
      "502": "Gateway unavailable",
      "504": "Gateway timeout",
    },
  },
  {
    method: "get",
    path: "/v1/orders",
    operationId: "listOrders",
    bodies: { "200": R.OrderListSchema },
    summary: "Orders across gateways from the order index, newest first, by filters (eventually consistent)",
    tag: "merchant",
    auth: "bearer",
    query: OrdersQuerySchema(),
    responses: {
      "200": "A page of orders and next_cursor",
      "400": problem["400"],
      "401": problem["401"],
      "503": "The order index is unavailable",
    },
  },
  {
    method: "get",
    path: "/v1/summary",
    operationId: "getSummary",
    bodies: { "200": R.SummarySchema },
    summary: "Counts and amounts of orders created in [from, to) by status, gateway and hour or day",
    tag: "merchant",
    auth: "bearer",
    query: SummaryQuerySchema(),
    responses: {
      "200": "Summary",
      "400": problem["400"],
      "401": problem["401"],
      "503": "The order index is unavailable",
    },
  },
  {
    method: "get",
    path: "/v1/orders/{gateway}/{order_id}",
    operationId: "getOrder",
    bodies: { "200": R.OrderWithRefundsSchema },
    summary: "The unified order; refresh=true asks the gateway first",
    tag: "merchant",
    auth: "bearer",
    query: RefreshQuerySchema(),
    responses: { "200": "Order", ...problem, "502": "Gateway unavailable" },
  },
  {
    method: "get",
    path: "/v1/orders/{gateway}/{order_id}/events",
    operationId: "getOrderEvents",
    bodies: { "200": R.AuditPageSchema },
    summary: "The order's audit trail: every input and transition with its cause",
    tag: "merchant",
    auth: "bearer",
    query: EventsQuerySchema(),
    responses: { "200": "Audit page", ...problem },
  },
  {
    method: "post",
    path: "/v1/orders/{gateway}/{order_id}/refunds",
    operationId: "createRefund",
    idempotencyKey: "required",
    bodies: { "201": R.RefundSchema, "202": R.RefundSchema },
    summary: "Refund part or all of a succeeded order (Idempotency-Key header required)",
    tag: "merchant",
    auth: "bearer",
    body: RefundRequestSchema(),
    responses: {
      "201": "Refund accepted by the gateway (usually pending)",
      "202": "Recorded; the gateway's answer was unknown and is being resolved by asking it",
      ...problem,
      "409": "Key in use, order not refundable, or refund limit reached",
      "422": "Key reused with another body, or amount over what is left",
    },
  },
  {
    method: "get",
    path: "/v1/orders/{gateway}/{order_id}/refunds/{refund_id}",
    operationId: "getRefund",
    bodies: { "200": R.RefundSchema },
    summary:
      "One refund; refresh=true asks the gateway first (a refund the gateway does not show is still 200, gateway_status not_found)",
    tag: "merchant",
    auth: "bearer",
    query: RefreshQuerySchema(),
    responses: { "200": "Refund", ...problem, "502": "Gateway unavailable" },
  },
  {
    method: "post",
    path: "/v1/orders/{gateway}/{order_id}/refunds/{refund_id}/mark-failed",
    operationId: "markRefundFailed",
    idempotencyKey: "required",
    bodies: { "200": R.RefundSchema },
    summary:
      "The merchant's decision that a refund under review never happened: releases its amount (Idempotency-Key header required)",
    tag: "merchant",
    auth: "bearer",
    body: MarkFailedSchema(),
    responses: { "200": "The failed refund", ...problem, "409": "The refund is not pending under review" },
  },
  {
    method: "get",
    path: "/v1/deliveries",
    operationId: "listDeliveries",
    bodies: { "200": R.DeliveryListSchema },
    summary: "Event deliveries to MERCHANT_WEBHOOK_URL across orders, by status, newest first (eventually consistent)",
    tag: "merchant",
    auth: "bearer",
    query: DeliveriesQuerySchema(),
    responses: { "200": "A page of deliveries and next_cursor", "400": problem["400"], "401": problem["401"] },
  },
  {
    method: "get",
    path: "/v1/deliveries/{id}",
    operationId: "getDelivery",
    bodies: { "200": R.DeliveryDetailSchema },
    summary: "One event delivery with its latest attempts, from its order",
    tag: "merchant",
    auth: "bearer",
    responses: { "200": "Delivery", "401": problem["401"], "404": "Unknown delivery" },
  },
  {
    method: "post",
    path: "/v1/deliveries/{id}/retry",
    operationId: "retryDelivery",
    bodies: { "202": R.DeliveryDetailSchema },
    summary: "Re-queue a failed (or replay a delivered) event, ahead of its order's later events; lifts a 410 stop",
    tag: "merchant",
    auth: "bearer",
    responses: {
      "202": "Re-queued",
      "401": problem["401"],
      "404": "Unknown delivery",
      "409": "Events are not configured",
    },
  },
  returnLeg("get", "returnLeg", "Juspay's and Nimbbl's redirect (query), PhonePe's (checkpost's own token `t`)"),
  returnLeg("post", "returnLegPost", "Juspay's and Nimbbl's redirect as a form or JSON body"),
  {
    method: "post",
    path: "/webhooks/{gateway}",
    operationId: "gatewayWebhook",
    form: true,
    body: z.catchall(z.object({}), z.unknown()).check(z.describe("The gateway's own webhook body, as it sends it")),
    bodies: { "200": R.WebhookAckSchema },
    summary: "A gateway's webhook, authenticated from the raw bytes as the gateway specifies (product.md §2)",
    tag: "gateway",
    auth: "gateway",
    responses: {
      "200": "Recorded (or a duplicate)",
      "400": "Malformed body",
      "401": "Not authenticated",
      "404": "Unknown or unconfigured gateway",
      "413": "Body over 64 KiB",
      "415": "Unsupported content type",
    },
  },
  {
    method: "get",
    path: "/status/{gateway}/{order_id}",
    operationId: "statusPage",
    bodies: { "200": "html", "404": "html" },
    summary: "The hosted status page (HTML)",
    tag: "browser",
    auth: "none",
    query: z.object({ t: z.string() }),
    responses: { "200": "Status page", "404": "Unknown order, wrong token, or the page is off" },
  },
];

const juspayErrors = { "400": "Invalid request", "401": "Missing or invalid API key", "404": "Not configured" };

/** `POST /v1/orders/juspay/{order_id}/capture|void` (juspay.md §12). */
function preauthOperation(
  action: "capture" | "void",
  operationId: string,
  body: ReturnType<typeof CaptureRequestSchema> | ReturnType<typeof VoidRequestSchema>,
): ApiOperation {
  return {
    method: "post",
    path: `/v1/orders/juspay/{order_id}/${action}`,
    operationId,
    idempotencyKey: "required",
    bodies: { "200": R.OrderSchema, "202": R.OrderSchema },
    summary:
      action === "capture"
        ? "Capture a pre-authorised (AUTHORIZED) Juspay order, all of it or a partial amount (Idempotency-Key header required)"
        : "Void a pre-authorised (AUTHORIZED) Juspay order: release the held money (Idempotency-Key header required)",
    tag: "merchant",
    auth: "bearer",
    body,
    responses: {
      "200": "Juspay's answer, folded into the order",
      "202": "Juspay still holds the money (initiated, or no answer): the order is polled; a replay re-reads it",
      ...juspayErrors,
      "404": "Not configured, or unknown order",
      "409": "Not held (e.g. already captured), key in use, or another capture or void running",
      "422": "Key reused with another body, or a capture over the authorised amount",
      "502": "Gateway error",
    },
  };
}

export const JUSPAY_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "post",
    path: "/handleJuspayResponse",
    operationId: "handleJuspayResponse",
    form: true,
    bodies: { "200": R.JuspayResponseSchema },
    summary: "The seeds' contract: Order Status S2S for order_id → {order_id, order_status, message}",
    tag: "browser",
    auth: "none",
    body: HandleJuspayResponseSchema(),
    responses: {
      "200": "Order status",
      "400": "order_id missing",
      "404": "Unknown order",
      "429": "Over PUBLIC_RATE_LIMIT from this address",
      "502": "Gateway error",
    },
  },
  {
    method: "post",
    path: "/v1/orders/juspay/{order_id}/update",
    operationId: "updateJuspayOrder",
    bodies: { "200": R.OrderSchema },
    summary: "Juspay Update Order (amount, UDFs), only while no payment attempt has started",
    tag: "merchant",
    auth: "bearer",
    body: JuspayUpdateOrderSchema(),
    responses: {
      "200": "The updated order",
      ...juspayErrors,
      "409": "A payment attempt has started, or the order is final",
      "502": "Gateway error",
    },
  },
  preauthOperation("capture", "captureJuspayOrder", CaptureRequestSchema()),
  preauthOperation("void", "voidJuspayOrder", VoidRequestSchema()),
  {
    method: "get",
    path: "/v1/juspay/customers/{customer_id}/mandates",
    operationId: "listJuspayMandates",
    bodies: { "200": R.MandateListSchema },
    summary: "A customer's Juspay mandates, including revoked, expired and failed ones",
    tag: "merchant",
    auth: "bearer",
    responses: { "200": "Mandates", ...juspayErrors, "502": "Gateway error" },
  },
  {
    method: "post",
    path: "/v1/juspay/mandates/{mandate_id}/revoke",
    operationId: "revokeJuspayMandate",
    bodies: { "200": R.MandateRevokedSchema },
    summary: "Revoke a Juspay mandate",
    tag: "merchant",
    auth: "bearer",
    body: JuspayRevokeMandateSchema(),
    responses: { "200": "Revoked", ...juspayErrors, "502": "Gateway error" },
  },
  {
    method: "post",
    path: "/v1/juspay/sdk/signed-payload",
    operationId: "signJuspaySdkPayload",
    bodies: { "200": R.SignedPayloadSchema },
    summary: "A HyperSDK signaturePayload / orderDetails signed RSA-SHA256 with the merchant key",
    tag: "merchant",
    auth: "bearer",
    body: JuspaySdkSignedPayloadSchema(),
    responses: { "200": "Payload, signature and merchantKeyId", ...juspayErrors, "409": "Order conflict" },
  },
  ...MANDATE_OPERATIONS,
];
