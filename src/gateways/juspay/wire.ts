/**
 * Juspay's payloads (juspay.md §4-§9), as zod schemas. Only what checkpost decides on is strict (`order_id`,
 * `status`, amounts, refund ids); everything merely surfaced is lenient (`orNull`), because the `version` header
 * changes response shapes and Juspay asks integrators not to validate whole responses strictly.
 * Amounts are rupees: JSON numbers in responses, strings with up to 2 decimals in requests.
 * Each schema is a `once` builder (core/once.ts), built on first use: not at the isolate's start-up (cold start).
 */
import * as z from "zod/mini";
import { once } from "../../core/once";
import { isNumberOrString } from "../wire";

/**
 * `schema`, or null when the value does not fit it: zod's `.catch` with a null fallback. Built from `transform`
 * because `z.catch` alone pulls ~3.5 KiB (gzipped) of zod into the Worker (bundle budget, product.md §6).
 */
export function orNull<S extends z.ZodMiniType>(schema: S) {
  return z.optional(
    z.pipe(
      z.unknown(),
      z.transform((value): z.output<S> | null => {
        const parsed = schema.safeParse(value);
        return parsed.success ? parsed.data : null;
      }),
    ),
  );
}

/**
 * Order ids checkpost accepts for Juspay. Juspay's docs say "alphanumeric, less than 21 characters" yet show
 * `order-id-9876580`; checkpost is looser (ids Juspay refuses are refused by Juspay at creation) so that a return leg
 * or webhook for any id Juspay did accept is never turned away.
 */
export const JUSPAY_ORDER_ID = /^[A-Za-z0-9_-]{1,63}$/;

/** `unique_request_id`: "shorter than 21 characters" and "no special characters" (juspay.md §5). */
export const UNIQUE_REQUEST_ID = /^[A-Za-z0-9]{1,20}$/;

/** A value shown to the merchant but never decided on: any scalar, and anything else is dropped. */
const Shown = once(() =>
  orNull(z.nullish(z.custom<string | number | boolean>((v) => typeof v === "boolean" || isNumberOrString(v)))),
);
/** Rupees: a JSON number in responses (`"amount": 1`); strings are accepted too and parsed exactly. */
const Rupees = once(() => z.custom<number | string>(isNumberOrString));

export const JuspayRefundSchema = once(() =>
  z.looseObject({
    unique_request_id: z.nullish(z.string()),
    id: z.nullish(z.string()),
    ref: Shown(),
    status: z.string(),
    amount: z.nullish(Rupees()),
    sent_to_gateway: Shown(),
    refund_type: Shown(),
    created: Shown(),
    error_code: Shown(),
    error_message: Shown(),
  }),
);
export type JuspayRefund = z.infer<ReturnType<typeof JuspayRefundSchema>>;

/** The block mandate orders carry (§6); surfaced in `details.mandate`. */
export const JuspayMandateBlockSchema = once(() =>
  z.looseObject({
    mandate_id: Shown(),
    mandate_status: Shown(),
    mandate_type: Shown(),
    frequency: Shown(),
    start_date: Shown(),
    end_date: Shown(),
    max_amount: Shown(),
    amount_rule: Shown(),
  }),
);

export const JuspayTxnDetailSchema = once(() =>
  z.looseObject({
    txn_id: Shown(),
    txn_uuid: Shown(),
    status: Shown(),
    gateway: Shown(),
    error_code: Shown(),
    error_message: Shown(),
  }),
);

/** The Order Status object (§4), also the body of refund answers and webhooks' `content.order`. */
export const JuspayOrderSchema = once(() =>
  z.looseObject({
    id: orNull(z.nullish(z.string())),
    order_id: z.string().check(z.minLength(1)),
    customer_id: Shown(),
    status: z.string().check(z.minLength(1)),
    status_id: Shown(),
    amount: z.nullish(Rupees()),
    effective_amount: orNull(z.nullish(Rupees())),
    currency: z.nullish(z.string()),
    txn_id: Shown(),
    txn_uuid: Shown(),
    txn_detail: orNull(z.nullish(JuspayTxnDetailSchema())),
    payment_method_type: Shown(),
    payment_method: Shown(),
    auth_type: Shown(),
    bank_error_code: Shown(),
    bank_error_message: Shown(),
    gateway_id: Shown(),
    gateway_reference_id: Shown(),
    refunded: Shown(),
    amount_refunded: orNull(z.nullish(Rupees())),
    refunds: z.nullish(z.array(JuspayRefundSchema())),
    mandate: orNull(z.nullish(JuspayMandateBlockSchema())),
    date_created: Shown(),
  }),
);
export type JuspayOrder = z.infer<ReturnType<typeof JuspayOrderSchema>>;

/** `POST /session` (§5): also creates the order. */
export const JuspaySessionResponseSchema = once(() =>
  z.looseObject({
    status: z.nullish(z.string()),
    id: z.nullish(z.string()),
    order_id: z.string().check(z.minLength(1)),
    payment_links: z.nullish(z.looseObject({ web: z.nullish(z.string()), expiry: z.nullish(z.string()) })),
    // Any object, passed on as it came (parsed from JSON, so JSON): `z.record(…, z.json())` would re-check every value
    // at ~2.3 KiB of bundle (gzipped).
    sdk_payload: z.nullish(z.looseObject({})),
  }),
);
export type JuspaySessionResponse = z.infer<ReturnType<typeof JuspaySessionResponseSchema>>;

/** `POST /orders/{id}` (Update Order, §5): "the response looks like order create". */
export const JuspayUpdateResponseSchema = once(() =>
  z.looseObject({
    order_id: z.nullish(z.string()),
    status: z.nullish(z.string()),
    amount: z.nullish(Rupees()),
  }),
);

/** One mandate of `GET /customers/{id}/mandates` (§6; developer.juspay.in list-mandate-api: `{object, list, …}`). */
export const JuspayListedMandateSchema = once(() =>
  z.looseObject({
    mandate_id: z.string().check(z.minLength(1)),
    status: Shown(),
    mandate_status: Shown(),
    mandate_type: Shown(),
    frequency: Shown(),
    start_date: Shown(),
    end_date: Shown(),
    amount_rule: Shown(),
    max_amount: orNull(z.nullish(Rupees())),
    currency: orNull(z.nullish(z.string())),
    payment_info: orNull(z.nullish(z.looseObject({ payment_method_type: Shown(), payment_method: Shown() }))),
  }),
);
export type JuspayListedMandate = z.infer<ReturnType<typeof JuspayListedMandateSchema>>;

/** `{list: [...], total}`, or the bare array: read by which it is (a union of the two, without `z.union`). */
export const JuspayMandateListSchema = once(() => {
  const listed = z.array(JuspayListedMandateSchema());
  const wrapped = z.looseObject({ list: listed, total: Shown() });
  return z.pipe(
    z.unknown(),
    z.transform((value, ctx): z.output<typeof wrapped> | z.output<typeof listed> => {
      const parsed = Array.isArray(value) ? listed.safeParse(value) : wrapped.safeParse(value);
      // As z.union reports it: one issue for the whole answer.
      if (!parsed.success) ctx.issues.push({ code: "custom", input: value, message: "matches no allowed shape" });
      return parsed.data ?? [];
    }),
  );
});

/** `POST /mandates/{id}` with `command=revoke` → `{"mandate_status":"REVOKED","mandate_id":"…"}` (§6). */
export const JuspayRevokeResponseSchema = once(() =>
  z.looseObject({
    mandate_id: z.nullish(z.string()),
    mandate_status: z.string().check(z.minLength(1)),
  }),
);

/** `{status, error_code, error_message, …}` (§9). */
export const JuspayErrorSchema = once(() => z.looseObject({ error_code: z.nullish(z.string()) }));

/**
 * `{id?: "evt_V2_…", event_name, date_created?, content: {order | mandate | notification}}` (§7). `id` is optional:
 * some documented samples have none (docs.juspay.io/upi-autopay/docs/how-to-integrate/webhooks). Mandate events
 * carry `content.mandate.status` (demo `payv3-forms/webhook/response-mandatecreated.txt`); `mandate_status` too.
 */
export const JuspayWebhookSchema = once(() =>
  z.looseObject({
    id: orNull(z.nullish(z.string())),
    event_name: z.string().check(z.minLength(1)),
    date_created: Shown(),
    content: z.nullish(
      z.looseObject({
        order: z.nullish(JuspayOrderSchema()),
        mandate: orNull(
          z.nullish(
            z.looseObject({
              mandate_id: Shown(),
              mandate_status: Shown(),
              status: Shown(),
              order_id: Shown(),
              customer_id: Shown(),
            }),
          ),
        ),
        // NOTIFICATION_*: `content.notification{id, status, object_reference_id, mandate{mandate_id}}` (§12).
        notification: orNull(
          z.nullish(
            z.looseObject({
              id: Shown(),
              status: Shown(),
              object_reference_id: Shown(),
              mandate: orNull(z.nullish(z.looseObject({ mandate_id: Shown() }))),
            }),
          ),
        ),
      }),
    ),
  }),
);
export type JuspayWebhook = z.infer<ReturnType<typeof JuspayWebhookSchema>>;
