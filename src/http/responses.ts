/**
 * The zod/mini schemas of checkpost's answers, for `/openapi.json` only (the Worker never imports this module: it
 * writes its answers from the core and storage types named beside each schema). Strict objects where the answer's
 * shape is fully known, so `test/http/responses.test.ts` — which parses real answers of the routes with these — fails
 * when an answer gains, loses or changes a field without the description following.
 */
import * as z from "zod/mini";
import { ERROR_TABLE } from "../core/errors";
import { GATEWAY_IDS } from "../core/model";
import { CURRENCY_EXPONENTS } from "../core/money";
import { MANDATE_STATUSES } from "../core/mandate";
import { EVENT_TYPES } from "../core/order";
import { INPUT_SOURCES, PAYMENT_STATUSES, REFUND_STATUSES } from "../core/status";
import { DELIVERY_STATES } from "../storage/order/outbox";

const describe = <T extends z.ZodMiniType>(schema: T, text: string): T => schema.check(z.describe(text));
const nullable = <T extends z.ZodMiniType>(schema: T) => z.nullable(schema);
const int = () => z.number().check(z.int());
const time = () => describe(z.string(), "ISO-8601 UTC time");
const str = () => z.string();

const Gateway = z.enum(GATEWAY_IDS);
const Currency = z.enum(Object.keys(CURRENCY_EXPONENTS) as [keyof typeof CURRENCY_EXPONENTS]);
const Minor = describe(int().check(z.gte(0)), "Integer minor units (paise for INR)");
const ErrorCodes = [...new Set(Object.values(ERROR_TABLE).map((row) => row.code))] as [string, ...string[]];

export const ProblemSchema = z.strictObject({
  type: describe(str(), "urn:checkpost:problem:<code>"),
  title: str(),
  status: int(),
  code: describe(z.enum(ErrorCodes), "Stable snake_case code (README: error codes)"),
  detail: z.optional(str()),
  errors: z.optional(z.array(z.strictObject({ path: str(), message: str() }))),
  request_id: describe(str(), "The x-request-id header of the answer"),
});

export const CustomerSchema = z.strictObject({
  id: z.optional(str()),
  email: z.optional(str()),
  phone: z.optional(str()),
  name: z.optional(str()),
});

/** `PublicOrder` (core/order.ts). */
const orderShape = {
  gateway: Gateway,
  order_id: str(),
  status: z.enum(PAYMENT_STATUSES),
  amount: nullable(Minor),
  currency: nullable(Currency),
  amount_verified: describe(z.boolean(), "A gateway-confirmed amount equals the registered one"),
  requires_review: z.boolean(),
  review_reason: nullable(str()),
  gateway_status: describe(nullable(str()), "The gateway's own status, as last confirmed"),
  gateway_reference: nullable(str()),
  customer: nullable(CustomerSchema),
  description: nullable(str()),
  metadata: nullable(z.record(str(), str())),
  details: describe(z.record(str(), z.unknown()), "Gateway-specific facts (payment method, UTR, …)"),
  expires_at: nullable(time()),
  sequence: describe(int(), "Per-order change counter; events carry it"),
  created_at: time(),
  updated_at: time(),
};
export const OrderSchema = z.strictObject(orderShape);

/** `PublicRefund` (core/refunds.ts). */
export const RefundSchema = z.strictObject({
  refund_id: str(),
  gateway_refund_id: describe(str(), "The merchant-side refund id sent to the gateway"),
  gateway_reference: describe(nullable(str()), "The gateway's own refund id"),
  amount: Minor,
  currency: Currency,
  status: z.enum(REFUND_STATUSES),
  gateway_status: nullable(str()),
  reason: nullable(str()),
  origin: describe(z.enum(["api", "gateway"]), "gateway: reported by the gateway (dashboard, auto-refund)"),
  failure_code: nullable(str()),
  requires_review: z.boolean(),
  review_reason: nullable(str()),
  created_at: time(),
  updated_at: time(),
});

export const OrderWithRefundsSchema = z.strictObject({ ...orderShape, refunds: z.array(RefundSchema) });

export const NextActionSchema = z.union([
  z.strictObject({ type: z.literal("redirect"), url: str() }),
  z.strictObject({ type: z.literal("sdk"), payload: z.record(str(), z.unknown()) }),
]);

export const CreatedOrderSchema = z.strictObject({
  order: OrderSchema,
  next_action: describe(nullable(NextActionSchema), "null for register_only"),
});

/** `AuditEntry` (storage/order/record.ts). */
export const AuditEntrySchema = z.strictObject({
  seq: int(),
  at: time(),
  source: z.enum([...INPUT_SOURCES, "system"]),
  kind: str(),
  outcome: str(),
  gateway_status: nullable(str()),
  from_status: nullable(str()),
  to_status: nullable(str()),
  detail: z.record(str(), z.unknown()),
  repeats: describe(int(), "How many more times the same delivery arrived"),
});

export const AuditPageSchema = z.strictObject({
  data: z.array(AuditEntrySchema),
  next_after: describe(nullable(int()), "Pass as ?after= for the next page"),
});

/** `ListedOrder` (storage/order-index.ts). */
export const ListedOrderSchema = z.strictObject({
  gateway: Gateway,
  order_id: str(),
  status: z.enum(PAYMENT_STATUSES),
  amount: nullable(Minor),
  currency: nullable(Currency),
  requires_review: describe(z.boolean(), "The order, or one of its refunds, needs a person"),
  review_reason: nullable(str()),
  refunds_in_review: int(),
  refunded_amount: Minor,
  gateway_status: nullable(str()),
  sequence: int(),
  created_at: time(),
  updated_at: time(),
});

export const OrderListSchema = z.strictObject({
  data: z.array(ListedOrderSchema),
  next_cursor: nullable(str()),
});

const tallyShape = { count: int(), amount: describe(z.record(str(), Minor), "Minor units per currency") };
const TallySchema = z.strictObject(tallyShape);
const byStatus = z.record(str(), TallySchema);

/** `Summary` (storage/order-index.ts). */
export const SummarySchema = z.strictObject({
  from: time(),
  to: time(),
  bucket: z.enum(["hour", "day"]),
  total: TallySchema,
  by_status: byStatus,
  by_gateway: z.record(str(), z.strictObject({ ...tallyShape, by_status: byStatus })),
  buckets: z.array(z.strictObject({ start: time(), ...tallyShape, by_status: byStatus })),
});

/** `DeliveryView` (storage/order/outbox.ts). */
const deliveryShape = {
  id: str(),
  gateway: Gateway,
  order_id: str(),
  sequence: int(),
  type: z.enum(EVENT_TYPES),
  status: z.enum(DELIVERY_STATES),
  attempts: int(),
  created_at: time(),
  next_attempt_at: nullable(time()),
  first_attempt_at: nullable(time()),
  last_attempt_at: nullable(time()),
  last_status: describe(nullable(int()), "HTTP status of the last attempt"),
  last_error: nullable(str()),
  finished_at: nullable(time()),
};
export const DeliverySchema = z.strictObject(deliveryShape);

export const DeliveryDetailSchema = z.strictObject({
  ...deliveryShape,
  attempt_log: z.array(
    z.strictObject({
      attempt: int(),
      at: time(),
      status: nullable(int()),
      latency_ms: int(),
      error: nullable(str()),
      response: describe(nullable(str()), "The start of the merchant's answer"),
    }),
  ),
});

/** `DeliverySummary` (delivery/kv-index.ts): the delivery as the KV index holds it. */
export const ListedDeliverySchema = z.strictObject({
  ...deliveryShape,
  since: describe(time(), "Since when the delivery is in this state (the listing's order)"),
});

export const DeliveryListSchema = z.strictObject({
  data: z.array(ListedDeliverySchema),
  next_cursor: nullable(str()),
});

const GatewayState = z.strictObject({ enabled: z.boolean() });
const DetailedState = z.strictObject({
  enabled: z.boolean(),
  missing: z.optional(z.array(str())),
  problems: z.optional(z.array(str())),
});

export const HealthSchema = z.strictObject({
  ok: z.boolean(),
  gateways: z.record(str(), GatewayState),
  problems: describe(z.array(str()), "Problem names (a var, or an area such as api_keys or a gateway id)"),
});

export const HealthDetailSchema = z.strictObject({
  ok: z.boolean(),
  gateways: z.record(str(), DetailedState),
  features: z.record(str(), DetailedState),
  problems: z.array(str()),
});

export const WebhookAckSchema = z.strictObject({
  received: z.literal(true),
  recorded: z.boolean(),
  duplicate: z.optional(z.boolean()),
});

export const JuspayResponseSchema = z.strictObject({
  order_id: str(),
  order_status: describe(str(), "Juspay's status (CHARGED, PENDING_VBV, …)"),
  message: describe(str(), "The seeds' message for that status"),
  status: z.enum([...PAYMENT_STATUSES, "requires_review"]),
});

export const MandateListSchema = z.object({
  customer_id: str(),
  mandates: z.array(z.record(str(), z.unknown())),
});

export const MandateRevokedSchema = z.strictObject({ mandate_id: str(), mandate_status: nullable(str()) });

/** A mandate as checkpost last confirmed it (core/mandate.ts `toPublicMandate`); never the debit token. */
export const MandateSchema = z.strictObject({
  mandate_id: str(),
  status: describe(z.enum(MANDATE_STATUSES), "The last confirmed status; REVOKED, FAILURE and EXPIRED are final"),
  gateway_status: describe(str(), "Juspay's status as last confirmed (kept when it is not one checkpost knows)"),
  max_amount: describe(nullable(int()), "Minor units"),
  currency: nullable(str()),
  frequency: nullable(str()),
  amount_rule: nullable(str()),
  mandate_type: nullable(str()),
  start_date: describe(nullable(str()), "Epoch seconds, as Juspay gives it"),
  end_date: describe(nullable(str()), "Epoch seconds, as Juspay gives it"),
  customer_id: nullable(str()),
  order_id: describe(nullable(str()), "The registration order"),
  created_at: time(),
  updated_at: time(),
});

export const MandateNotificationSchema = z.strictObject({
  object_reference_id: describe(str(), "Derived by checkpost from the mandate and the Idempotency-Key"),
  ref: str(),
  id: describe(nullable(str()), "Juspay's notification id (null when the notify answer was lost)"),
  status: describe(str(), "CREATED, PENDING, SUCCESS, FAILURE, or UNKNOWN when the answer was lost"),
  amount: describe(int(), "Minor units"),
  txn_date: describe(int(), "Epoch seconds of the announced debit"),
});

export const MandateNotifiedSchema = z.strictObject({ mandate_id: str(), notification: MandateNotificationSchema });

export const MandateExecutionSchema = z.strictObject({
  order: OrderSchema,
  mandate_id: str(),
});

export const SignedPayloadSchema = z.object({
  type: str(),
  payload: describe(str(), "The JSON text that was signed"),
  signature: describe(str(), "base64 RSA-SHA256 over payload"),
  merchantKeyId: str(),
});

/** The body of every event to `MERCHANT_WEBHOOK_URL` (core/delivery.ts), Standard Webhooks' `{type, timestamp, data}`. */
export function eventSchema(type: (typeof EVENT_TYPES)[number]): z.ZodMiniType {
  const refund = type.startsWith("refund.");
  if (type.startsWith("mandate.")) {
    return z.strictObject({
      type: z.literal(type),
      timestamp: describe(time(), "When the change was confirmed (stable across retries)"),
      data: z.strictObject({
        sequence: describe(int(), "The mandate's sequence: events of one mandate arrive in this order"),
        mandate: MandateSchema,
        ...(type.startsWith("mandate.notification.")
          ? {
              notification: z.strictObject({
                object_reference_id: str(),
                id: nullable(str()),
                status: str(),
                amount: int(),
              }),
            }
          : {}),
      }),
    });
  }
  return z.strictObject({
    type: z.literal(type),
    timestamp: describe(time(), "When the change happened (stable across retries)"),
    data: z.strictObject({
      sequence: describe(int(), "The order's sequence: events of one order arrive in this order"),
      order: OrderSchema,
      ...(refund ? { refund: RefundSchema } : {}),
    }),
  });
}

/** Named components of the document, by schema object (a schema met again inside another becomes a `$ref`). */
export const COMPONENTS: ReadonlyMap<z.ZodMiniType, string> = new Map<z.ZodMiniType, string>([
  [ProblemSchema, "Problem"],
  [CustomerSchema, "Customer"],
  [OrderSchema, "Order"],
  [RefundSchema, "Refund"],
  [OrderWithRefundsSchema, "OrderWithRefunds"],
  [NextActionSchema, "NextAction"],
  [CreatedOrderSchema, "CreatedOrder"],
  [AuditEntrySchema, "AuditEntry"],
  [AuditPageSchema, "AuditPage"],
  [ListedOrderSchema, "ListedOrder"],
  [OrderListSchema, "OrderList"],
  [TallySchema, "Tally"],
  [SummarySchema, "Summary"],
  [DeliverySchema, "Delivery"],
  [DeliveryDetailSchema, "DeliveryDetail"],
  [ListedDeliverySchema, "ListedDelivery"],
  [DeliveryListSchema, "DeliveryList"],
  [HealthSchema, "Health"],
  [HealthDetailSchema, "HealthDetail"],
  [WebhookAckSchema, "WebhookAck"],
  [JuspayResponseSchema, "JuspayResponse"],
  [MandateListSchema, "MandateList"],
  [MandateRevokedSchema, "MandateRevoked"],
  [MandateSchema, "Mandate"],
  [MandateExecutionSchema, "MandateExecution"],
  [MandateNotifiedSchema, "MandateNotified"],
  [SignedPayloadSchema, "SignedPayload"],
]);
