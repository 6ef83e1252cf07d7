/**
 * Nimbbl v3 wire shapes (nimbbl.md §1.3, §2, §3). Objects are `looseObject`: Nimbbl adds fields freely and the key set
 * of webhooks is only approximately known (§2), so unknown keys are kept, never refused. Amounts arrive as JSON
 * numbers (`12.50`) or numeric strings; they are parsed exactly by `core/money.ts`, never as floats.
 */
import * as z from "zod";

export const NimbblAmountSchema = z.union([z.number(), z.string()]);
export type NimbblAmount = z.infer<typeof NimbblAmountSchema>;

/** `{error: {nimbbl_error_code, nimbbl_consumer_message, nimbbl_merchant_message}}`, possibly with a 2xx (§5). */
export const NimbblErrorBodySchema = z.looseObject({
  error: z.looseObject({ nimbbl_error_code: z.string().optional(), code: z.string().optional() }),
});

/** `POST /v3/generate-token` → `{token, expires_at}`; `expires_at` is UTC without a zone suffix (§3). */
export const NimbblTokenResponseSchema = z.looseObject({
  token: z.string().min(1),
  expires_at: z.string().optional(),
});
export type NimbblTokenResponse = z.infer<typeof NimbblTokenResponseSchema>;

const NimbblOrderCoreSchema = z.looseObject({
  order_id: z.string().min(1).optional(),
  invoice_id: z.string().min(1).optional(),
  status: z.string().optional(),
  token: z.string().min(1).optional(),
  total_amount: NimbblAmountSchema.optional(),
  currency: z.string().optional(),
});

/** `POST /v3/create-order` and `GET /v3/order`: the order fields at the top level or nested under `order` [S1]. */
export const NimbblOrderResponseSchema = NimbblOrderCoreSchema.extend({
  order: NimbblOrderCoreSchema.optional(),
});
export type NimbblOrderResponse = z.infer<typeof NimbblOrderResponseSchema>;

export const NimbblRefundDetailsSchema = z.looseObject({
  refundable_currency: z.string().optional(),
  total_refundable_amount: NimbblAmountSchema.optional(),
  refunded_amount: NimbblAmountSchema.optional(),
  available_refundable_amount: NimbblAmountSchema.optional(),
});

export const NimbblCurrencyConversionSchema = z.looseObject({
  original_currency: z.string(),
  converted_currency: z.string().optional(),
  exchange_rate: NimbblAmountSchema.optional(),
  original_total_amount: NimbblAmountSchema,
});

/** One entry of the enquiry's `transaction` array: a payment attempt or a refund (§3, [D7]). */
export const NimbblEnquiryTransactionSchema = z.looseObject({
  nimbbl_transaction_id: z.string().min(1),
  transaction_type: z.string().optional(),
  payment_status: z.string().optional(),
  refund_status: z.string().optional(),
  refund_request_id: z.string().optional(),
  transaction_amount: NimbblAmountSchema.optional(),
  refund_amount: NimbblAmountSchema.optional(),
  transaction_currency: z.string().optional(),
  additional_charges: NimbblAmountSchema.optional(),
  offer_discount: NimbblAmountSchema.optional(),
  payment_mode: z.string().optional(),
  payment_partner: z.string().optional(),
  failure_reason: z
    .looseObject({
      nimbbl_error_code: z.string().optional(),
      nimbbl_merchant_message: z.string().optional(),
      retry_allowed: z.boolean().optional(),
    })
    .nullish(),
});
export type NimbblEnquiryTransaction = z.infer<typeof NimbblEnquiryTransactionSchema>;

export const NimbblEnquiryOrderSchema = z.looseObject({
  order_id: z.string().optional(),
  invoice_id: z.string().min(1),
  status: z.string(),
  total_amount: NimbblAmountSchema,
  currency: z.string(),
  refund_details: NimbblRefundDetailsSchema.nullish(),
  currency_conversion: NimbblCurrencyConversionSchema.nullish(),
});
export type NimbblEnquiryOrder = z.infer<typeof NimbblEnquiryOrderSchema>;

/** `POST /v3/transaction-enquiry` → `{transaction: [...], order: {...}}` (§3). */
export const NimbblEnquiryResponseSchema = z.looseObject({
  transaction: z.array(NimbblEnquiryTransactionSchema).nullish(),
  order: NimbblEnquiryOrderSchema,
});
export type NimbblEnquiryResponse = z.infer<typeof NimbblEnquiryResponseSchema>;

/** `POST /v3/refund` (§3; `orignal_payment_transaction_id` is misspelt like this in the docs). */
export const NimbblRefundResponseSchema = z.looseObject({
  transaction_id: z.string().min(1),
  refund_request_id: z.string().optional(),
  refund_status: z.string().min(1),
  refund_amount: NimbblAmountSchema.optional(),
  orignal_payment_transaction_id: z.string().optional(),
});
export type NimbblRefundResponse = z.infer<typeof NimbblRefundResponseSchema>;

/** A value the per-field signature concatenates: a non-empty string, or an integer id written in decimal. */
const SignedTextSchema = z.union([z.string().min(1), z.number().int()]).transform(String);

/** The `transaction` object a v3 per-field signature covers (§1.1; refund fields per §2). */
export const NimbblSignedTransactionSchema = z.looseObject({
  transaction_id: SignedTextSchema,
  status: SignedTextSchema.optional(),
  refund_status: SignedTextSchema.optional(),
  transaction_amount: NimbblAmountSchema.optional(),
  refund_amount: NimbblAmountSchema.optional(),
  transaction_currency: SignedTextSchema.optional(),
  transaction_type: SignedTextSchema,
  signature: z.string().optional(),
  signature_version: z.string().optional(),
});
export type NimbblSignedTransaction = z.infer<typeof NimbblSignedTransactionSchema>;

/** The signed checkout response, a payment webhook or a refund webhook (they share the shape, §1.3, §2). */
export const NimbblSignedEventSchema = z.looseObject({
  event_type: z.string().optional(),
  status: z.string().optional(),
  nimbbl_transaction_id: z.string().optional(),
  nimbbl_signature: z.string().optional(),
  transaction: NimbblSignedTransactionSchema,
  order: z.looseObject({
    invoice_id: SignedTextSchema,
    status: z.string().optional(),
    total_amount: NimbblAmountSchema.optional(),
    currency: z.string().optional(),
    refund_details: NimbblRefundDetailsSchema.nullish(),
  }),
});
export type NimbblSignedEvent = z.infer<typeof NimbblSignedEventSchema>;

/** The v4 envelope: base64 of the compact JSON event, signed over the decoded bytes (§1.3, §2). */
export const NimbblV4EnvelopeSchema = z.looseObject({
  version: z.literal("v4"),
  payload: z.string().min(1),
  /** Webhooks name it `signature`, callbacks `nimbbl_signature`. */
  signature: z.string().optional(),
  nimbbl_signature: z.string().optional(),
  sub_merchant_id: z.unknown().optional(),
});
export type NimbblV4Envelope = z.infer<typeof NimbblV4EnvelopeSchema>;

/** Payment-link webhooks: `invoice_id|status|currency|amount2dp(amount_paid)|payment_link_hash` (§2). */
export const NimbblPaymentLinkSchema = z.looseObject({
  invoice_id: SignedTextSchema,
  status: SignedTextSchema,
  currency: SignedTextSchema,
  amount_paid: NimbblAmountSchema,
  payment_link_hash: SignedTextSchema.optional(),
  hash: SignedTextSchema.optional(),
  signature: z.string().optional(),
  nimbbl_signature: z.string().optional(),
});
