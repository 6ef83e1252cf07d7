/**
 * PhonePe PG v2 wire shapes (phonepe.md). Amounts are paise, times in PG payloads epoch milliseconds, token times
 * epoch seconds. Schemas are loose on purpose: PhonePe adds fields and asks integrators to "avoid strict
 * deserialization" (phonepe.md §5), so only the fields checkpost reads are declared and extra keys pass.
 * Each schema is a `once` builder (core/once.ts), built on first use: not at the isolate's start-up (cold start).
 */
import * as z from "zod/mini";
import { once } from "../../core/once";

/** `merchantOrderId` (and, by the same rule, the `merchantRefundId` checkpost mints): phonepe.md §2, §3. */
export const PHONEPE_ID_PATTERN = /^[A-Za-z0-9_-]{1,63}$/;
export const ID_RULE = "1-63 characters of A-Z a-z 0-9 _ -";

/** `expireAfter` bounds in seconds (phonepe.md §2). */
export const PHONEPE_EXPIRE_AFTER = { min: 300, max: 3600 } as const;

/** The minimum `amount` of a payment, in paise (phonepe.md §2). */
export const PHONEPE_MIN_AMOUNT = 100;

const paise = once(() => z.number().check(z.int(), z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER)));

/** `POST /v1/oauth/token` reply (phonepe.md §1); `issued_at`/`expires_at` are epoch seconds. */
export const PhonePeTokenResponseSchema = once(() =>
  z.looseObject({
    access_token: z.string().check(z.minLength(1)),
    token_type: z.optional(z.string()),
    issued_at: z.optional(z.number()),
    expires_at: z.number(),
  }),
);
export type PhonePeTokenResponse = z.infer<ReturnType<typeof PhonePeTokenResponseSchema>>;

/** What `z.url({ protocol: /^https?$/ })` refused, refused here too: a value that does not start `http(s)://`. */
const isHttpUrl = (value: string): boolean => /^https?:\/\//i.test(value) && URL.canParse(value);

/** `POST /checkout/v2/pay` reply (phonepe.md §2). */
export const PhonePePayResponseSchema = once(() =>
  z.looseObject({
    orderId: z.string().check(z.minLength(1)),
    state: z.string(),
    expireAt: z.optional(z.number()),
    // An http(s) URL; checked with URL itself rather than `z.url()`, which costs ~0.4 KiB of bundle (gzipped).
    redirectUrl: z.string().check(z.refine(isHttpUrl, "must be an http(s) URL")),
  }),
);
export type PhonePePayResponse = z.infer<ReturnType<typeof PhonePePayResponseSchema>>;

/** `POST /checkout/v2/sdk/order` reply (phonepe.md §2, `createSdkOrder`). */
export const PhonePeSdkOrderResponseSchema = once(() =>
  z.looseObject({
    orderId: z.string().check(z.minLength(1)),
    state: z.string(),
    expireAt: z.optional(z.number()),
    token: z.string().check(z.minLength(1)),
  }),
);
export type PhonePeSdkOrderResponse = z.infer<ReturnType<typeof PhonePeSdkOrderResponseSchema>>;

/** One attempt in `paymentDetails[]` (phonepe.md §3). Rails and instruments are not read: they hold VPAs and cards. */
export const PhonePePaymentDetailSchema = once(() =>
  z.looseObject({
    transactionId: z.optional(z.string()),
    paymentMode: z.optional(z.string()),
    timestamp: z.optional(z.number()),
    state: z.optional(z.string()),
    errorCode: z.optional(z.string()),
    detailedErrorCode: z.optional(z.string()),
  }),
);
export type PhonePePaymentDetail = z.infer<ReturnType<typeof PhonePePaymentDetailSchema>>;

/** `GET /checkout/v2/order/{merchantOrderId}/status` reply (phonepe.md §3). */
export const PhonePeOrderStatusSchema = once(() =>
  z.looseObject({
    orderId: z.optional(z.string()),
    merchantOrderId: z.optional(z.string()),
    state: z.string(),
    /** Read by `paiseToMoney`: a value that is not whole paise makes the snapshot `amountUnreadable`, not a 502. */
    amount: z.optional(z.unknown()),
    expireAt: z.optional(z.number()),
    errorCode: z.optional(z.string()),
    detailedErrorCode: z.optional(z.string()),
    paymentDetails: z.optional(z.array(PhonePePaymentDetailSchema())),
  }),
);
export type PhonePeOrderStatus = z.infer<ReturnType<typeof PhonePeOrderStatusSchema>>;

/** `POST /payments/v2/refund` reply (phonepe.md §4). */
export const PhonePeRefundResponseSchema = once(() =>
  z.looseObject({
    refundId: z.optional(z.string()),
    amount: z.optional(paise()),
    state: z.string(),
  }),
);
export type PhonePeRefundResponse = z.infer<ReturnType<typeof PhonePeRefundResponseSchema>>;

/** `GET /payments/v2/refund/{merchantRefundId}/status` reply, and the refund callbacks' `payload` (phonepe.md §4, §5). */
export const PhonePeRefundStatusSchema = once(() =>
  z.looseObject({
    merchantRefundId: z.optional(z.string()),
    originalMerchantOrderId: z.optional(z.string()),
    refundId: z.optional(z.string()),
    amount: z.optional(paise()),
    state: z.string(),
    errorCode: z.optional(z.string()),
    detailedErrorCode: z.optional(z.string()),
  }),
);
export type PhonePeRefundStatus = z.infer<ReturnType<typeof PhonePeRefundStatusSchema>>;

/**
 * A callback body (phonepe.md §5): `event` names it (current), `type` is the deprecated name older deliveries carry.
 * The payload fields are all optional here; which ones an event needs is decided in `map.ts`.
 */
export const PhonePeCallbackSchema = once(() =>
  z.looseObject({
    event: z.optional(z.string()),
    type: z.optional(z.string()),
    payload: z.looseObject({
      orderId: z.optional(z.string()),
      merchantOrderId: z.optional(z.string()),
      originalMerchantOrderId: z.optional(z.string()),
      merchantRefundId: z.optional(z.string()),
      refundId: z.optional(z.string()),
      state: z.optional(z.string()),
      amount: z.optional(z.unknown()),
      errorCode: z.optional(z.string()),
      detailedErrorCode: z.optional(z.string()),
    }),
  }),
);
export type PhonePeCallback = z.infer<ReturnType<typeof PhonePeCallbackSchema>>;

/** PhonePe's error body: `errorCode` (v2), falling back to `code` (v1 and some v2 errors) (phonepe.md §6). */
export function phonepeErrorCode(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const record = body as Record<string, unknown>;
  const code = record["errorCode"] ?? record["code"];
  return typeof code === "string" && code !== "" ? code.slice(0, 64) : null;
}
