/**
 * The zod schemas that validate `/v1` requests. `/openapi.json` is generated from these same objects, so the
 * document cannot drift from what is enforced.
 */
import * as z from "zod";
import { CURRENCY_EXPONENTS } from "../core/money";
import { GATEWAY_IDS } from "../gateways/types";

/** Order ids checkpost accepts on any gateway; each adapter narrows this further (`isValidOrderId`). */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const GatewayIdSchema = z.enum(GATEWAY_IDS).describe("The gateway's id");
export const OrderIdSchema = z.string().regex(ORDER_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 _ . : -");

export const CurrencySchema = z
  .string()
  .refine((c) => Object.hasOwn(CURRENCY_EXPONENTS, c), "must be a supported ISO 4217 code")
  .describe("ISO 4217 currency code, e.g. INR");

export const MinorAmountSchema = z
  .number()
  .int("must be an integer count of minor units")
  .positive()
  .max(Number.MAX_SAFE_INTEGER)
  .describe("Integer minor units (paise for INR)");

export const CustomerSchema = z.strictObject({
  id: z.string().min(1).max(128).optional(),
  email: z.email().max(254).optional(),
  phone: z
    .string()
    .regex(/^\+?[0-9]{6,15}$/, "must be 6-15 digits, optionally with a leading +")
    .optional(),
  name: z.string().min(1).max(128).optional(),
});

export const MetadataSchema = z
  .record(z.string().regex(/^[A-Za-z0-9_]{1,40}$/, "keys are 1-40 characters of A-Z a-z 0-9 _"), z.string().max(256))
  .refine((m) => Object.keys(m).length <= 20, "at most 20 keys");

export const CreateOrderSchema = z.strictObject({
  gateway: GatewayIdSchema,
  order_id: OrderIdSchema,
  amount: MinorAmountSchema,
  currency: CurrencySchema,
  customer: CustomerSchema.optional(),
  description: z.string().min(1).max(255).optional(),
  metadata: MetadataSchema.optional(),
  register_only: z.boolean().optional().describe("Only register an order the merchant created at the gateway itself"),
  sdk: z.boolean().optional().describe("Ask for the gateway's SDK payload instead of a redirect"),
  expire_after_seconds: z.number().int().min(300).max(86_400).optional(),
});
export type CreateOrderBody = z.infer<typeof CreateOrderSchema>;

export const OrderPathSchema = z.strictObject({ gateway: GatewayIdSchema, order_id: OrderIdSchema });

export const RefreshQuerySchema = z.object({ refresh: z.enum(["true", "false"]).optional() });

export const EventsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const DeliveriesQuerySchema = z.object({
  status: z
    .enum(["failed", "pending", "delivered"])
    .optional()
    .describe("Which deliveries to list (default failed: exhausted, or stopped by a 410)"),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().min(1).max(1024).optional().describe("next_cursor of the previous page"),
});
