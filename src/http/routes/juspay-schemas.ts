/**
 * Request schemas of Juspay's own routes (`routes/juspay.ts`). `/openapi.json` is generated from these same objects
 * (`JUSPAY_OPERATIONS` in `operations.ts`), so the document cannot drift from what is enforced.
 * Each schema is a `once` builder (core/once.ts), built on first use: not at the isolate's start-up (cold start).
 */
import * as z from "zod/mini";
import { once } from "../../core/once";
import type { ProxyError } from "../../core/errors";
import type { Result } from "../../core/result";
import { CurrencySchema, CustomerSchema, doc, MetadataSchema, MinorAmountSchema, OrderIdSchema } from "../schemas";
import { parseOrFail } from "../validate";

const UDF_KEYS = ["udf1", "udf2", "udf3", "udf4", "udf5", "udf6", "udf7", "udf8", "udf9", "udf10"] as const;
const UdfValueSchema = once(() =>
  z.string().check(z.maxLength(255), z.regex(/^[^\u0000-\u001f\u007f]*$/, "no control characters")),
);
const udfShape = () =>
  Object.fromEntries(UDF_KEYS.map((k) => [k, z.optional(UdfValueSchema())])) as Record<
    (typeof UDF_KEYS)[number],
    z.ZodMiniOptional<ReturnType<typeof UdfValueSchema>>
  >;

/** Update Order (juspay.md §5): only the amount and the UDFs; at least one of them. */
export const JuspayUpdateOrderSchema = once(() =>
  z
    .strictObject({
      amount: z.optional(MinorAmountSchema()),
      currency: doc(
        z.optional(CurrencySchema()),
        __CHECKPOST_DOCS__ ? "If given, must be the order's registered currency" : "",
      ),
      ...udfShape(),
    })
    .check(
      z.refine((b) => b.amount !== undefined || UDF_KEYS.some((k) => b[k] !== undefined), {
        message: "give an amount or at least one udf",
      }),
    ),
);
export type JuspayUpdateOrderBody = z.infer<ReturnType<typeof JuspayUpdateOrderSchema>>;
export { UDF_KEYS };

/** Juspay customer ids: "the ID with which merchant refers to a customer object". */
export const JuspayCustomerIdSchema = once(() =>
  z.string().check(z.regex(/^[A-Za-z0-9._@+-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ @ + -")),
);
export const JuspayMandateIdSchema = once(() =>
  z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 _ -")),
);

export const JuspayRevokeMandateSchema = once(() =>
  z.strictObject({
    customer_id: doc(
      z.optional(JuspayCustomerIdSchema()),
      __CHECKPOST_DOCS__ ? "Sent as x-routing-id when given (juspay.md §2)" : "",
    ),
  }),
);

const contact = () => ({
  customer_email: CustomerSchema().shape.email,
  customer_phone: CustomerSchema().shape.phone,
});

/** HyperSDK signed payloads (seeds 001-002: step 2 `initiate`, step 4 `process`; juspay.md §8), but for `type`. */
const initiateShape = () => ({ customer_id: JuspayCustomerIdSchema(), ...contact() });
const processShape = () => ({
  order_id: OrderIdSchema(),
  amount: MinorAmountSchema(),
  currency: CurrencySchema(),
  customer_id: doc(z.optional(JuspayCustomerIdSchema()), __CHECKPOST_DOCS__ ? "Omitted for a guest" : ""),
  description: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  ...contact(),
});

// The OpenAPI document's variants, `type` a literal. Only the document uses them: `@__PURE__` lets esbuild leave them
// (and z.union, z.literal) out of the Worker, which checks the same bodies with the variants below.
const InitiatePayloadSchema = /* @__PURE__ */ once(() =>
  z.strictObject({
    type: doc(z.literal("initiate"), __CHECKPOST_DOCS__ ? "The initiate payload: signaturePayload" : ""),
    ...initiateShape(),
  }),
);
const ProcessPayloadSchema = /* @__PURE__ */ once(() =>
  z.strictObject({
    type: doc(
      z.literal("process"),
      __CHECKPOST_DOCS__ ? "The process payload: orderDetails; registers the order's amount" : "",
    ),
    ...processShape(),
  }),
);
export const JuspaySdkSignedPayloadSchema = /* @__PURE__ */ once(() =>
  z.union([InitiatePayloadSchema(), ProcessPayloadSchema()]),
);
export type JuspaySdkSignedPayloadBody = z.infer<ReturnType<typeof JuspaySdkSignedPayloadSchema>>;

const SignedPayloadTypeSchema = once(() => z.looseObject({ type: z.enum(["initiate", "process"]) }));
/** The variants as the Worker parses them, once `type` is known: the same keys in the same order and rules. */
const InitiateBodySchema = once(() => z.strictObject({ type: z.enum(["initiate"]), ...initiateShape() }));
const ProcessBodySchema = once(() => z.strictObject({ type: z.enum(["process"]), ...processShape() }));

/**
 * The signed-payload body by its `type` first, then by that variant's own rules: what a discriminated union reports
 * (a wrong `type` names the allowed ones; a variant's field names itself), without `z.discriminatedUnion` (~0.6 KiB
 * of bundle, product.md §6).
 */
export function parseSignedPayload(raw: unknown): Result<JuspaySdkSignedPayloadBody, ProxyError> {
  const kind = parseOrFail(SignedPayloadTypeSchema(), raw);
  if (!kind.ok) return kind;
  return parseOrFail(kind.value.type === "initiate" ? InitiateBodySchema() : ProcessBodySchema(), raw);
}

// The OpenAPI document's only (the route reads the body itself): `@__PURE__` keeps it out of the Worker.
export const HandleJuspayResponseSchema = /* @__PURE__ */ once(() =>
  z.object({
    order_id: doc(z.optional(z.string()), __CHECKPOST_DOCS__ ? "Also accepted as orderId, in JSON or a form body" : ""),
  }),
);

/** `POST /v1/juspay/mandates/:mandate_id/execute` (juspay.md §12, mandate execution). */
export const JuspayExecuteSchema = once(() =>
  z.strictObject({
    order_id: doc(
      OrderIdSchema(),
      __CHECKPOST_DOCS__ ? "A new order id for this debit (Juspay: alphanumeric, < 21 characters)" : "",
    ),
    amount: MinorAmountSchema(),
    currency: CurrencySchema(),
    execution_date: z.optional(z.number().check(z.int(), z.gte(1_000_000_000), z.lte(99_999_999_999))),
    notification_id: doc(
      z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/))),
      __CHECKPOST_DOCS__ ? "The pre-debit notification's id; Juspay requires it for UPI mandates" : "",
    ),
    description: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
    metadata: z.optional(MetadataSchema()),
  }),
);
export type JuspayExecuteBody = z.infer<ReturnType<typeof JuspayExecuteSchema>>;

/** `POST /v1/juspay/mandates/:mandate_id/notify` (juspay.md §12, pre-debit notification). */
export const JuspayNotifySchema = once(() =>
  z.strictObject({
    order_id: doc(
      z.optional(OrderIdSchema()),
      __CHECKPOST_DOCS__ ? "The debit this notice announces (kept in checkpost's log)" : "",
    ),
    amount: MinorAmountSchema(),
    currency: CurrencySchema(),
    txn_date: doc(
      z.optional(z.number().check(z.int(), z.gte(1_000_000_000), z.lte(99_999_999_999))),
      __CHECKPOST_DOCS__ ? "Epoch seconds of the debit; default 24 hours from now" : "",
    ),
    description: z.optional(z.string().check(z.minLength(1), z.maxLength(50))),
  }),
);
