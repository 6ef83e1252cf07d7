/**
 * The zod schemas that validate `/v1` requests. `/openapi.json` is generated from these same objects, so the
 * document cannot drift from what is enforced.
 * Each schema is a `once` builder (core/once.ts), built on first use: not at the isolate's start-up (cold start).
 */
import * as z from "zod/mini";
import { once } from "../core/once";
import { FREQUENCIES } from "../core/mandate";
import { CURRENCY_EXPONENTS } from "../core/money";
import { GATEWAY_IDS } from "../core/model";
import { PAYMENT_STATUSES } from "../core/status";

/**
 * `schema` with a description for the OpenAPI document; in the Worker (`__CHECKPOST_DOCS__` false, src/docs.d.ts)
 * `schema` itself: call sites pass `__CHECKPOST_DOCS__ ? "…" : ""`, so the text is folded out of the bundle too.
 */
export function doc<S extends z.ZodMiniType>(schema: S, text: string): S {
  return __CHECKPOST_DOCS__ ? schema.check(z.describe(text)) : schema;
}

/** Order ids checkpost accepts on any gateway; each adapter narrows this further (`isValidOrderId`). */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const GatewayIdSchema = once(() => doc(z.enum(GATEWAY_IDS), __CHECKPOST_DOCS__ ? "The gateway's id" : ""));
export const OrderIdSchema = once(() =>
  z.string().check(z.regex(ORDER_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 _ . : -")),
);

export const CurrencySchema = once(() =>
  doc(
    z.string().check(z.refine((c) => Object.hasOwn(CURRENCY_EXPONENTS, c), "must be a supported ISO 4217 code")),
    __CHECKPOST_DOCS__ ? "ISO 4217 currency code, e.g. INR" : "",
  ),
);

export const MinorAmountSchema = once(() =>
  doc(
    z.number().check(z.int("must be an integer count of minor units"), z.positive(), z.lte(Number.MAX_SAFE_INTEGER)),
    __CHECKPOST_DOCS__ ? "Integer minor units (paise for INR)" : "",
  ),
);

export const CustomerSchema = once(() =>
  z.strictObject({
    id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    // One @ between non-empty parts without spaces, at most 254 characters: the gateway checks the rest (a regex
    // rather than `z.email()`, ~0.1 KiB of bundle).
    email: z.optional(z.string().check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "not a valid email"), z.maxLength(254))),
    phone: z.optional(
      z.string().check(z.regex(/^\+?[0-9]{6,15}$/, "must be 6-15 digits, optionally with a leading +")),
    ),
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  }),
);

export const MetadataSchema = once(() =>
  z
    .record(
      z.string().check(z.regex(/^[A-Za-z0-9_]{1,40}$/, "keys are 1-40 characters of A-Z a-z 0-9 _")),
      z.string().check(z.maxLength(256)),
    )
    .check(z.refine((m) => Object.keys(m).length <= 20, "at most 20 keys")),
);

const EpochSeconds = once(() => z.number().check(z.int(), z.gte(1_000_000_000), z.lte(99_999_999_999)));

/** `mandate` on `POST /v1/orders` (Juspay only; juspay.md §12). The cross-field rules are `core/mandate.ts`. */
export const MandateRequestSchema = once(() =>
  z.strictObject({
    max_amount: MinorAmountSchema(),
    amount_rule: z.enum(["FIXED", "VARIABLE"]),
    frequency: z.enum(FREQUENCIES),
    start_date: doc(z.optional(EpochSeconds()), __CHECKPOST_DOCS__ ? "Epoch seconds; Juspay: today (default now)" : ""),
    end_date: doc(
      z.optional(EpochSeconds()),
      __CHECKPOST_DOCS__ ? "Epoch seconds; Juspay's default: start + 30 years" : "",
    ),
    rule_type: z.optional(z.enum(["ON", "BEFORE", "AFTER"])),
    rule_value: z.optional(z.number().check(z.int(), z.gte(1), z.lte(31))),
    block_funds: z.optional(z.boolean()),
    revokable_by_customer: z.optional(z.boolean()),
    required: doc(
      z.optional(z.boolean()),
      __CHECKPOST_DOCS__ ? "false: options.create_mandate=OPTIONAL (default REQUIRED)" : "",
    ),
  }),
);

export const CreateOrderSchema = once(() =>
  z.strictObject({
    gateway: GatewayIdSchema(),
    order_id: OrderIdSchema(),
    amount: MinorAmountSchema(),
    currency: CurrencySchema(),
    customer: z.optional(CustomerSchema()),
    description: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
    metadata: z.optional(MetadataSchema()),
    register_only: doc(
      z.optional(z.boolean()),
      __CHECKPOST_DOCS__ ? "Only register an order the merchant created at the gateway itself" : "",
    ),
    sdk: doc(
      z.optional(z.boolean()),
      __CHECKPOST_DOCS__ ? "Ask for the gateway's SDK payload instead of a redirect" : "",
    ),
    expire_after_seconds: z.optional(z.number().check(z.int(), z.gte(300), z.lte(86_400))),
    mandate: doc(
      z.optional(MandateRequestSchema()),
      __CHECKPOST_DOCS__ ? "Juspay: register a mandate with this order" : "",
    ),
  }),
);
export type CreateOrderBody = z.infer<ReturnType<typeof CreateOrderSchema>>;

// The OpenAPI document's only (the routes read path ids themselves): `@__PURE__` keeps it out of the Worker.
export const OrderPathSchema = /* @__PURE__ */ once(() =>
  z.strictObject({ gateway: GatewayIdSchema(), order_id: OrderIdSchema() }),
);

export const RefreshQuerySchema = once(() => z.object({ refresh: z.optional(z.enum(["true", "false"])) }));

/**
 * A query-string integer in [min, max]: digits only, then a checked number. Not `z.coerce.number()`, which pulls
 * ~0.3 KiB (gzipped) of zod into the Worker and accepts " 1e2" or "0x10" too.
 */
function queryInt(min: number, max: number) {
  return z.pipe(
    z.string().check(z.regex(/^\d{1,15}$/, "must be a whole number")),
    z.pipe(z.transform(Number), z.number().check(z.int(), z.gte(min), z.lte(max))),
  );
}

export const EventsQuerySchema = once(() =>
  z.object({
    after: z.optional(queryInt(0, Number.MAX_SAFE_INTEGER)),
    limit: z.optional(queryInt(1, 200)),
  }),
);

export const DeliveriesQuerySchema = once(() =>
  z.object({
    status: doc(
      z.optional(z.enum(["failed", "pending", "delivered"])),
      __CHECKPOST_DOCS__ ? "Which deliveries to list (default failed: exhausted, or stopped by a 410)" : "",
    ),
    limit: z.optional(queryInt(1, 100)),
    cursor: doc(
      z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
      __CHECKPOST_DOCS__ ? "next_cursor of the previous page" : "",
    ),
  }),
);

/** An ISO-8601 time (`2026-12-01` or `2026-12-01T10:00:00Z`), taken as epoch ms. */
const TimeSchema = once(() =>
  z.pipe(
    z.string().check(z.regex(/^\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?$/, "must be an ISO-8601 time")),
    z.transform((s, ctx) => {
      const ms = Date.parse(s);
      if (Number.isNaN(ms)) ctx.issues.push({ code: "custom", input: s, message: "must be an ISO-8601 time" });
      return ms;
    }),
  ),
);

export const OrdersQuerySchema = once(() =>
  z.object({
    status: z.optional(z.enum(PAYMENT_STATUSES)),
    gateway: z.optional(GatewayIdSchema()),
    requires_review: doc(
      z.optional(z.enum(["true", "false"])),
      __CHECKPOST_DOCS__ ? "true: the order, or one of its refunds, needs a person" : "",
    ),
    created_from: doc(z.optional(TimeSchema()), __CHECKPOST_DOCS__ ? "ISO-8601, inclusive" : ""),
    created_to: doc(z.optional(TimeSchema()), __CHECKPOST_DOCS__ ? "ISO-8601, exclusive" : ""),
    q: doc(
      z.optional(z.string().check(z.regex(ORDER_ID_PATTERN, "must be part of an order id"))),
      __CHECKPOST_DOCS__ ? "An order id prefix" : "",
    ),
    limit: z.optional(queryInt(1, 100)),
    cursor: doc(
      z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
      __CHECKPOST_DOCS__ ? "next_cursor of the previous page, with the same filters" : "",
    ),
  }),
);

export const SummaryQuerySchema = once(() =>
  z.object({
    from: doc(z.optional(TimeSchema()), __CHECKPOST_DOCS__ ? "ISO-8601, inclusive (default: `to` minus 24 hours)" : ""),
    to: doc(z.optional(TimeSchema()), __CHECKPOST_DOCS__ ? "ISO-8601, exclusive (default: now)" : ""),
    bucket: z.optional(z.enum(["hour", "day"])),
  }),
);
