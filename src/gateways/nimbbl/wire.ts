/**
 * Nimbbl v3 wire shapes (nimbbl.md §1.3, §2, §3). Objects are `looseObject`: Nimbbl adds fields freely and the key set
 * of webhooks is only approximately known (§2), so unknown keys are kept, never refused. Amounts arrive as JSON
 * numbers (`12.50`) or numeric strings; they are parsed exactly by `core/money.ts`, never as floats.
 * Each schema is a `once` builder (core/once.ts), built on first use: not at the isolate's start-up (cold start).
 */
import * as z from "zod/mini";
import { once } from "../../core/once";
import { isNumberOrString } from "../wire";

export const NimbblAmountSchema = once(() => z.custom<number | string>(isNumberOrString));
export type NimbblAmount = z.infer<ReturnType<typeof NimbblAmountSchema>>;

/** `{error: {nimbbl_error_code, nimbbl_consumer_message, nimbbl_merchant_message}}`, possibly with a 2xx (§5). */
export const NimbblErrorBodySchema = once(() =>
  z.looseObject({
    error: z.looseObject({ nimbbl_error_code: z.optional(z.string()), code: z.optional(z.string()) }),
  }),
);

/** `POST /v3/generate-token` → `{token, expires_at}`; `expires_at` is UTC without a zone suffix (§3). */
export const NimbblTokenResponseSchema = once(() =>
  z.looseObject({
    token: z.string().check(z.minLength(1)),
    expires_at: z.optional(z.string()),
  }),
);
export type NimbblTokenResponse = z.infer<ReturnType<typeof NimbblTokenResponseSchema>>;

const NimbblOrderCoreSchema = once(() =>
  z.looseObject({
    order_id: z.optional(z.string().check(z.minLength(1))),
    invoice_id: z.optional(z.string().check(z.minLength(1))),
    status: z.optional(z.string()),
    token: z.optional(z.string().check(z.minLength(1))),
    total_amount: z.optional(NimbblAmountSchema()),
    currency: z.optional(z.string()),
  }),
);

/** `POST /v3/create-order` and `GET /v3/order`: the order fields at the top level or nested under `order` [S1]. */
export const NimbblOrderResponseSchema = once(() =>
  z.looseObject({
    ...NimbblOrderCoreSchema().shape,
    order: z.optional(NimbblOrderCoreSchema()),
  }),
);
export type NimbblOrderResponse = z.infer<ReturnType<typeof NimbblOrderResponseSchema>>;

export const NimbblRefundDetailsSchema = once(() =>
  z.looseObject({
    refundable_currency: z.nullish(z.string()),
    total_refundable_amount: z.nullish(NimbblAmountSchema()),
    refunded_amount: z.nullish(NimbblAmountSchema()),
    available_refundable_amount: z.nullish(NimbblAmountSchema()),
  }),
);

export const NimbblCurrencyConversionSchema = once(() =>
  z.looseObject({
    original_currency: z.string(),
    converted_currency: z.optional(z.string()),
    exchange_rate: z.optional(NimbblAmountSchema()),
    original_total_amount: NimbblAmountSchema(),
  }),
);

/**
 * One entry of the enquiry's `transaction` list: a payment attempt or a refund (§3, §9, [D7]). A refund is an
 * ordinary entry told apart by `transaction_type`; its status is in `payment_status` (the .NET sample falls back to
 * `status`). The docs show no refund fields in an entry: `refund_request_id` is only tolerated, never relied on.
 * Any field but the id may be `null` (the docs sample has nulls).
 */
export const NimbblEnquiryTransactionSchema = once(() =>
  z.looseObject({
    nimbbl_transaction_id: z.string().check(z.minLength(1)),
    transaction_type: z.nullish(z.string()),
    payment_status: z.nullish(z.string()),
    status: z.nullish(z.string()),
    refund_request_id: z.nullish(z.unknown()),
    transaction_amount: z.nullish(NimbblAmountSchema()),
    transaction_currency: z.nullish(z.string()),
    additional_charges: z.nullish(NimbblAmountSchema()),
    offer_discount: z.nullish(NimbblAmountSchema()),
    payment_mode: z.nullish(z.unknown()),
    failure_reason: z.nullish(
      z.looseObject({ nimbbl_error_code: z.nullish(z.unknown()), nimbbl_merchant_message: z.nullish(z.unknown()) }),
    ),
  }),
);
export type NimbblEnquiryTransaction = z.infer<ReturnType<typeof NimbblEnquiryTransactionSchema>>;

export const NimbblEnquiryOrderSchema = once(() =>
  z.looseObject({
    order_id: z.nullish(z.string()),
    invoice_id: z.string().check(z.minLength(1)),
    status: z.string(),
    total_amount: NimbblAmountSchema(),
    currency: z.string(),
    refund_details: z.nullish(NimbblRefundDetailsSchema()),
    currency_conversion: z.nullish(NimbblCurrencyConversionSchema()),
  }),
);
export type NimbblEnquiryOrder = z.infer<ReturnType<typeof NimbblEnquiryOrderSchema>>;

/**
 * `POST /v3/transaction-enquiry` → `{transaction: [...], order: {...}}` (§3); `transaction` may also be a single
 * object (the .NET sample reads both, §9).
 */
export const NimbblEnquiryResponseSchema = once(() =>
  z.looseObject({
    // An entry or a list of them; each entry parses to itself (loose, no transforms), so the value is kept as it came.
    transaction: z.nullish(
      z.custom<NimbblEnquiryTransaction | NimbblEnquiryTransaction[]>((v) =>
        (Array.isArray(v) ? v : [v]).every((entry) => NimbblEnquiryTransactionSchema().safeParse(entry).success),
      ),
    ),
    order: NimbblEnquiryOrderSchema(),
  }),
);
export type NimbblEnquiryResponse = z.infer<ReturnType<typeof NimbblEnquiryResponseSchema>>;

/**
 * `POST /v3/refund` (§3, §9): `transaction_id` is the refund's own id, kept to find it among the order's enquiry
 * entries; `refund_status`, falling back to `status`. No amount is documented in the answer.
 */
export const NimbblRefundResponseSchema = once(() =>
  z.looseObject({
    transaction_id: z.string().check(z.minLength(1)),
    refund_status: z.nullish(z.string()),
    status: z.nullish(z.string()),
  }),
);
export type NimbblRefundResponse = z.infer<ReturnType<typeof NimbblRefundResponseSchema>>;

/** A value the per-field signature concatenates: a non-empty string, or an integer id written in decimal. */
const SignedTextSchema = once(() =>
  z.pipe(
    z.custom<string | number>((v) => (typeof v === "string" && v !== "") || Number.isSafeInteger(v)),
    z.transform(String),
  ),
);

/** The `transaction` object a v3 per-field signature covers (§1.1; refund fields per §2). */
export const NimbblSignedTransactionSchema = once(() =>
  z.looseObject({
    transaction_id: SignedTextSchema(),
    status: z.optional(SignedTextSchema()),
    refund_status: z.optional(SignedTextSchema()),
    transaction_amount: z.optional(NimbblAmountSchema()),
    refund_amount: z.optional(NimbblAmountSchema()),
    transaction_currency: z.optional(SignedTextSchema()),
    transaction_type: SignedTextSchema(),
    signature: z.optional(z.string()),
    signature_version: z.optional(z.string()),
  }),
);
export type NimbblSignedTransaction = z.infer<ReturnType<typeof NimbblSignedTransactionSchema>>;

/** The signed checkout response, a payment webhook or a refund webhook (they share the shape, §1.3, §2). */
export const NimbblSignedEventSchema = once(() =>
  z.looseObject({
    event_type: z.optional(z.string()),
    status: z.optional(z.string()),
    nimbbl_transaction_id: z.optional(z.string()),
    nimbbl_signature: z.optional(z.string()),
    transaction: NimbblSignedTransactionSchema(),
    order: z.looseObject({
      invoice_id: SignedTextSchema(),
      status: z.optional(z.string()),
      total_amount: z.optional(NimbblAmountSchema()),
      currency: z.optional(z.string()),
      refund_details: z.nullish(NimbblRefundDetailsSchema()),
    }),
  }),
);
export type NimbblSignedEvent = z.infer<ReturnType<typeof NimbblSignedEventSchema>>;

/** The v4 envelope: base64 of the compact JSON event, signed over the decoded bytes (§1.3, §2). */
export const NimbblV4EnvelopeSchema = once(() =>
  z.looseObject({
    version: z.enum(["v4"]),
    payload: z.string().check(z.minLength(1)),
    /** Webhooks name it `signature`, callbacks `nimbbl_signature`. */
    signature: z.optional(z.string()),
    nimbbl_signature: z.optional(z.string()),
    sub_merchant_id: z.optional(z.unknown()),
  }),
);
export type NimbblV4Envelope = z.infer<ReturnType<typeof NimbblV4EnvelopeSchema>>;

/** Payment-link webhooks: `invoice_id|status|currency|amount2dp(amount_paid)|payment_link_hash` (§2). */
export const NimbblPaymentLinkSchema = once(() =>
  z.looseObject({
    invoice_id: SignedTextSchema(),
    status: SignedTextSchema(),
    currency: SignedTextSchema(),
    amount_paid: NimbblAmountSchema(),
    payment_link_hash: z.optional(SignedTextSchema()),
    hash: z.optional(SignedTextSchema()),
    signature: z.optional(z.string()),
    nimbbl_signature: z.optional(z.string()),
  }),
);

/** The six signed values, in signing order; `amount` is already formatted with two decimals. */
export interface SignedTuple {
  readonly invoiceId: string;
  readonly transactionId: string;
  readonly amount: string;
  readonly currency: string;
  readonly status: string;
  readonly type: string;
}
