/**
 * The OpenAPI description of every route: those every deployment has (`CORE_OPERATIONS`) and Juspay's own
 * (`JUSPAY_OPERATIONS`), in the order of the route table (`router.ts`).
 */
import * as z from "zod/mini";
import type { ApiOperation } from "./api";
import {
  HandleJuspayResponseSchema,
  JuspayRevokeMandateSchema,
  JuspaySdkSignedPayloadSchema,
  JuspayUpdateOrderSchema,
} from "./routes/juspay-schemas";
import { MarkFailedSchema, RefundRequestSchema } from "./routes/refunds";
import {
  CreateOrderSchema,
  DeliveriesQuerySchema,
  EventsQuerySchema,
  OrdersQuerySchema,
  RefreshQuerySchema,
  SummaryQuerySchema,
} from "./schemas";

const problem = { "400": "Invalid request", "401": "Missing or invalid API key", "404": "Unknown gateway or order" };

export const CORE_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness, enabled gateways and configuration problems (by name)",
    tag: "service",
    auth: "none",
    responses: { "200": "Healthy", "503": "Something configured is broken" },
  },
  {
    method: "get",
    path: "/v1/health",
    summary: "Each gateway's and feature's state, what it lacks, and every configuration problem",
    tag: "merchant",
    auth: "bearer",
    responses: { "200": "Health", "401": "Missing or invalid API key" },
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    tag: "service",
    auth: "none",
    responses: { "200": "OpenAPI 3.1" },
  },
  {
    method: "post",
    path: "/v1/orders",
    summary: "Create an order at the gateway (or only register one) and get the next action",
    tag: "merchant",
    auth: "bearer",
    body: CreateOrderSchema,
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
    summary: "Orders across gateways from the order index, newest first, by filters (eventually consistent)",
    tag: "merchant",
    auth: "bearer",
    query: OrdersQuerySchema,
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
    summary: "Counts and amounts of orders created in [from, to) by status, gateway and hour or day",
    tag: "merchant",
    auth: "bearer",
    query: SummaryQuerySchema,
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
    summary: "The unified order; refresh=true asks the gateway first",
    tag: "merchant",
    auth: "bearer",
    query: RefreshQuerySchema,
    responses: { "200": "Order", ...problem, "502": "Gateway unavailable" },
  },
  {
    method: "get",
    path: "/v1/orders/{gateway}/{order_id}/events",
    summary: "The order's audit trail: every input and transition with its cause",
    tag: "merchant",
    auth: "bearer",
    query: EventsQuerySchema,
    responses: { "200": "Audit page", ...problem },
  },
  {
    method: "post",
    path: "/v1/orders/{gateway}/{order_id}/refunds",
    summary: "Refund part or all of a succeeded order (Idempotency-Key header required)",
    tag: "merchant",
    auth: "bearer",
    body: RefundRequestSchema,
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
    summary:
      "One refund; refresh=true asks the gateway first (a refund the gateway does not show is still 200, gateway_status not_found)",
    tag: "merchant",
    auth: "bearer",
    query: RefreshQuerySchema,
    responses: { "200": "Refund", ...problem, "502": "Gateway unavailable" },
  },
  {
    method: "post",
    path: "/v1/orders/{gateway}/{order_id}/refunds/{refund_id}/mark-failed",
    summary:
      "The merchant's decision that a refund under review never happened: releases its amount (Idempotency-Key header required)",
    tag: "merchant",
    auth: "bearer",
    body: MarkFailedSchema,
    responses: { "200": "The failed refund", ...problem, "409": "The refund is not pending under review" },
  },
  {
    method: "get",
    path: "/v1/deliveries",
    summary: "Event deliveries to MERCHANT_WEBHOOK_URL across orders, by status, newest first (eventually consistent)",
    tag: "merchant",
    auth: "bearer",
    query: DeliveriesQuerySchema,
    responses: { "200": "A page of deliveries and next_cursor", "400": problem["400"], "401": problem["401"] },
  },
  {
    method: "get",
    path: "/v1/deliveries/{id}",
    summary: "One event delivery with its latest attempts, from its order",
    tag: "merchant",
    auth: "bearer",
    responses: { "200": "Delivery", "401": problem["401"], "404": "Unknown delivery" },
  },
  {
    method: "post",
    path: "/v1/deliveries/{id}/retry",
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
  {
    method: "get",
    path: "/return/{gateway}",
    summary: "The customer's return redirect from the gateway",
    tag: "browser",
    auth: "gateway",
    query: z.catchall(z.object({}), z.string()),
    responses: {
      "303": "To MERCHANT_RETURN_URL with the signed result, or to the status page",
      "401": "Invalid signature",
      "429": "Over PUBLIC_RATE_LIMIT from this address",
      "502": "Gateway unavailable",
    },
  },
  {
    method: "post",
    path: "/webhooks/{gateway}",
    summary: "A gateway's webhook",
    tag: "gateway",
    auth: "gateway",
    responses: {
      "200": "Recorded (or a duplicate)",
      "400": "Malformed body",
      "401": "Not authenticated",
      "413": "Body over 64 KiB",
    },
  },
  {
    method: "get",
    path: "/status/{gateway}/{order_id}",
    summary: "The hosted status page (HTML)",
    tag: "browser",
    auth: "none",
    query: z.object({ t: z.string() }),
    responses: { "200": "Status page", "404": "Unknown order, wrong token, or the page is off" },
  },
];

const juspayErrors = { "400": "Invalid request", "401": "Missing or invalid API key", "404": "Not configured" };

export const JUSPAY_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "post",
    path: "/handleJuspayResponse",
    summary: "The seeds' contract: Order Status S2S for order_id → {order_id, order_status, message}",
    tag: "browser",
    auth: "none",
    body: HandleJuspayResponseSchema,
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
    summary: "Juspay Update Order (amount, UDFs), only while no payment attempt has started",
    tag: "merchant",
    auth: "bearer",
    body: JuspayUpdateOrderSchema,
    responses: {
      "200": "The updated order",
      ...juspayErrors,
      "409": "A payment attempt has started, or the order is final",
      "502": "Gateway error",
    },
  },
  {
    method: "get",
    path: "/v1/juspay/customers/{customer_id}/mandates",
    summary: "A customer's Juspay mandates, including revoked, expired and failed ones",
    tag: "merchant",
    auth: "bearer",
    responses: { "200": "Mandates", ...juspayErrors, "502": "Gateway error" },
  },
  {
    method: "post",
    path: "/v1/juspay/mandates/{mandate_id}/revoke",
    summary: "Revoke a Juspay mandate",
    tag: "merchant",
    auth: "bearer",
    body: JuspayRevokeMandateSchema,
    responses: { "200": "Revoked", ...juspayErrors, "502": "Gateway error" },
  },
  {
    method: "post",
    path: "/v1/juspay/sdk/signed-payload",
    summary: "A HyperSDK signaturePayload / orderDetails signed RSA-SHA256 with the merchant key",
    tag: "merchant",
    auth: "bearer",
    body: JuspaySdkSignedPayloadSchema,
    responses: { "200": "Payload, signature and merchantKeyId", ...juspayErrors, "409": "Order conflict" },
  },
];
