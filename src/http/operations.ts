/** The OpenAPI description of the routes every deployment has; gateway-only routes come from their adapters. */
import * as z from "zod/mini";
import type { ApiOperation } from "./api";
import { RefundRequestSchema } from "./routes/refunds";
import { CreateOrderSchema, EventsQuerySchema, RefreshQuerySchema } from "./schemas";

const problem = { "400": "Invalid request", "401": "Missing or invalid API key", "404": "Unknown gateway or order" };

export const CORE_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness, enabled gateways and configuration problems",
    tag: "service",
    auth: "none",
    responses: { "200": "Health" },
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
    summary: "One refund; refresh=true asks the gateway first",
    tag: "merchant",
    auth: "bearer",
    query: RefreshQuerySchema,
    responses: { "200": "Refund", ...problem, "502": "Gateway unavailable" },
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
    responses: { "200": "Status page", "404": "Unknown order or wrong token" },
  },
];
