/**
 * The OpenAPI operations of checkpost's own Juspay mandate routes (`routes/juspay-mandates.ts`; product.md §2),
 * appended to `JUSPAY_OPERATIONS`.
 */
import type { ApiOperation } from "./api";
import * as R from "./responses";
import { JuspayExecuteSchema, JuspayNotifySchema } from "./routes/juspay-schemas";
import { RefreshQuerySchema } from "./schemas";

const juspayErrors = { "400": "Invalid request", "401": "Missing or invalid API key", "404": "Not configured" };

export const MANDATE_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "get",
    path: "/v1/juspay/mandates/{mandate_id}",
    operationId: "getJuspayMandate",
    bodies: { "200": R.MandateSchema },
    summary: "One mandate as checkpost last confirmed it; ?refresh=true confirms it with Juspay first",
    tag: "merchant",
    auth: "bearer",
    query: RefreshQuerySchema(),
    responses: { "200": "The mandate", ...juspayErrors, "404": "Not configured, or no such mandate" },
  },
  {
    method: "post",
    path: "/v1/juspay/mandates/{mandate_id}/execute",
    operationId: "executeJuspayMandate",
    idempotencyKey: "required",
    bodies: { "202": R.MandateExecutionSchema },
    summary: "A debit on an ACTIVE mandate (POST /txns): a new order, registered first, reconciled like any order",
    tag: "merchant",
    auth: "bearer",
    body: JuspayExecuteSchema(),
    responses: {
      "202": "Sent (or its answer was lost): the order's events tell the result",
      ...juspayErrors,
      "404": "Not configured, or no such mandate",
      "409": "Mandate not active, its notification failed, order conflict, or key in use",
      "422": "Over the mandate's maximum, or key reused with another body",
    },
  },
  {
    method: "post",
    path: "/v1/juspay/mandates/{mandate_id}/notify",
    operationId: "notifyJuspayMandate",
    idempotencyKey: "required",
    bodies: { "201": R.MandateNotifiedSchema, "202": R.MandateNotifiedSchema },
    summary: "The pre-debit notification of an ACTIVE mandate (command=pre_debit_notify), sent once per key",
    tag: "merchant",
    auth: "bearer",
    body: JuspayNotifySchema(),
    responses: {
      "201": "Juspay's answer (usually PENDING); mandate.notification.* events tell the outcome",
      "202": "The answer was lost: kept as UNKNOWN, never re-sent for this key",
      ...juspayErrors,
      "404": "Not configured, or no such mandate",
      "409": "Mandate not active, or key in use",
      "422": "Over the mandate's maximum, Juspay refused, or key reused with another body",
    },
  },
  {
    method: "post",
    path: "/v1/orders/juspay/{order_id}/cancel-execution",
    operationId: "cancelJuspayExecution",
    idempotencyKey: "required",
    bodies: { "200": R.MandateExecutionSchema, "202": R.MandateExecutionSchema },
    summary:
      "Stops a mandate debit checkpost sent (command=cancel_recurring_transaction), then confirms by Order Status",
    tag: "merchant",
    auth: "bearer",
    responses: {
      "200": "The order as Order Status confirmed it after the cancel",
      "202": "The cancel was sent or its answer lost, and no status call could confirm it yet: polls continue",
      ...juspayErrors,
      "404": "Not configured, or no such order",
      "409": "Not a mandate debit, already final, or key in use",
      "422": "Juspay refused the cancel, or key reused",
    },
  },
];
