/**
 * The simulated Juspay's data: its configuration (the "dashboard"), orders, refunds and mandates, and how its API
 * renders them (juspay.md §4-§6). Amounts are kept in paise internally and rendered in rupees, as JSON numbers,
 * like Juspay's responses. Independent of checkpost's code: nothing here is imported from `src/`.
 */
import { state } from "./state";

/** What the merchant configured in the Juspay dashboard. Defaults are the `.dev.vars.example` values (npm start). */
export interface JuspaySimConfig {
  merchant_id: string;
  api_key: string;
  response_key: string;
  webhook_username: string;
  webhook_password: string;
}

export const config: JuspaySimConfig = {
  merchant_id: "checkpost_demo",
  api_key: "sim_juspay_api_key",
  response_key: "sim_juspay_response_key",
  webhook_username: "juspayhook",
  webhook_password: "sim-juspay-hook-pass",
};

/** The appendix's status ids (juspay.md §4). */
export const STATUS_IDS: Readonly<Record<string, number>> = {
  NEW: 10,
  STARTED: 20,
  CHARGED: 21,
  JUSPAY_DECLINED: 22,
  PENDING_VBV: 23,
  VBV_SUCCESSFUL: 24,
  AUTHORIZED: 25,
  AUTHENTICATION_FAILED: 26,
  AUTHORIZATION_FAILED: 27,
  AUTHORIZING: 28,
  VOIDED: 31,
  VOID_INITIATED: 32,
  CAPTURE_INITIATED: 33,
  CAPTURE_FAILED: 34,
  VOID_FAILED: 35,
  AUTO_REFUNDED: 36,
  NOT_FOUND: 40,
};

const FAILED = new Set([
  "JUSPAY_DECLINED",
  "AUTHENTICATION_FAILED",
  "AUTHORIZATION_FAILED",
  "VOIDED",
  "CAPTURE_FAILED",
]);

export interface SimRefund {
  unique_request_id: string;
  id: string;
  ref: string | null;
  amount: number;
  status: string;
  sent_to_gateway: boolean;
  created: string;
  error_code: string | null;
  error_message: string | null;
  /** Status reads left before a PENDING refund settles to the order's `refund_outcome`. */
  reads_left: number;
}

export interface SimOrder {
  order_id: string;
  id: string;
  customer_id: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  /** Paise. */
  amount: number;
  currency: string;
  status: string;
  return_url: string;
  payment_link: string;
  udf: Record<string, string>;
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  refunds: SimRefund[];
  /** What a PENDING refund becomes (SUCCESS, FAILURE, or MANUAL_REVIEW, §5), and after how many status reads. */
  refund_outcome: string;
  refund_settle_reads: number;
  mandate_id: string | null;
  date_created: string;
  /** Pre-auth (juspay-preauth.ts): what the next capture / void answers with, and the paise captured so far. */
  capture_outcome?: string;
  void_outcome?: string;
  captured?: number;
  capture_keys?: string[];
}

export interface SimMandate {
  mandate_id: string;
  customer_id: string;
  status: string;
  max_amount: number;
  currency: string;
  frequency: string;
  mandate_type: string;
  amount_rule: string;
  start_date: string;
  end_date: string;
}

function store(): Map<string, unknown> {
  return state.data.juspay;
}

export function getOrder(orderId: string): SimOrder | null {
  return (store().get(`order:${orderId}`) as SimOrder | undefined) ?? null;
}

export function putOrder(order: SimOrder): void {
  store().set(`order:${order.order_id}`, order);
}

export function getMandate(mandateId: string): SimMandate | null {
  return (store().get(`mandate:${mandateId}`) as SimMandate | undefined) ?? null;
}

export function putMandate(mandate: SimMandate): void {
  store().set(`mandate:${mandate.mandate_id}`, mandate);
}

export function customerMandates(customerId: string): SimMandate[] {
  const out: SimMandate[] = [];
  for (const [key, value] of store()) {
    if (key.startsWith("mandate:") && (value as SimMandate).customer_id === customerId) out.push(value as SimMandate);
  }
  return out;
}

/** Every order the simulated Juspay holds. */
export function allOrders(): SimOrder[] {
  return [...store()].filter(([key]) => key.startsWith("order:")).map(([, value]) => value as SimOrder);
}

/** The order's current transaction id, as Order Status shows it in `txn_uuid` (`eul…`, like Juspay's samples). */
export function txnUuidOf(order: SimOrder): string {
  return `eul${order.id.slice(6, 18)}${order.attempts}`;
}

export function randomId(prefix: string, length = 16): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** Juspay's request amounts: "stringified double or integer values with upto two decimal places" (§4). */
export function paiseFrom(value: unknown): number | null {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string") return null;
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** Paise → the JSON number Juspay answers with (`"amount": 1234.5`). */
export function rupees(paise: number): number {
  return Number(`${Math.floor(paise / 100)}.${String(paise % 100).padStart(2, "0")}`);
}

export function newOrder(fields: {
  order_id: string;
  amount: number;
  currency?: string | undefined;
  customer_id?: string | null | undefined;
  customer_email?: string | null | undefined;
  customer_phone?: string | null | undefined;
  return_url: string;
  origin: string;
  udf?: Record<string, string>;
}): SimOrder {
  return {
    order_id: fields.order_id,
    id: randomId("ordeh_"),
    customer_id: fields.customer_id ?? null,
    customer_email: fields.customer_email ?? null,
    customer_phone: fields.customer_phone ?? null,
    amount: fields.amount,
    currency: fields.currency ?? "INR",
    status: "NEW",
    return_url: fields.return_url,
    payment_link: `${fields.origin}/juspay/pay/${encodeURIComponent(fields.order_id)}`,
    udf: fields.udf ?? {},
    attempts: 0,
    error_code: null,
    error_message: null,
    refunds: [],
    refund_outcome: "SUCCESS",
    refund_settle_reads: 1,
    mandate_id: null,
    date_created: new Date().toISOString(),
  };
}

/** Moves an order to a status the way a payment attempt would: a transaction exists from then on. */
export function setStatus(order: SimOrder, status: string): void {
  order.status = status;
  if (status !== "NEW" && order.attempts === 0) order.attempts = 1;
  if (FAILED.has(status)) {
    order.error_code ??= "JP_101";
    order.error_message ??= "Transaction declined by the issuer";
  } else if (status === "CHARGED") {
    order.error_code = null;
    order.error_message = null;
  }
}

/** On each status read, pending refunds count down and then settle (juspay.md §5: queued up to 15 minutes). */
export function progressRefunds(order: SimOrder): void {
  for (const refund of order.refunds) {
    if (refund.status !== "PENDING" || order.refund_outcome === "PENDING") continue;
    refund.reads_left -= 1;
    if (refund.reads_left > 0) continue;
    refund.status = order.refund_outcome;
    refund.sent_to_gateway = true;
    refund.ref = refund.status === "SUCCESS" ? randomId("ARN", 10) : null;
    if (refund.status === "FAILURE") {
      refund.error_code = "REFUND_FAILED";
      refund.error_message = "Refund rejected by the gateway";
    }
  }
}

export function refundedPaise(order: SimOrder): number {
  return order.refunds.filter((r) => r.status !== "FAILURE").reduce((sum, r) => sum + r.amount, 0);
}

export function renderMandateBlock(mandate: SimMandate): Record<string, unknown> {
  return {
    mandate_id: mandate.mandate_id,
    mandate_status: mandate.status,
    mandate_type: mandate.mandate_type,
    frequency: mandate.frequency,
    start_date: mandate.start_date,
    end_date: mandate.end_date,
    max_amount: rupees(mandate.max_amount),
    amount_rule: mandate.amount_rule,
  };
}

/**
 * The Order Status object (juspay.md §4): only fields of Juspay's samples (juspay-sdk-integration-demo
 * `api-reference/orders/refund-order/response.json`; docs.juspay.io/hypercheckout-mobile-sdk/flutter/resources/
 * order-status--sample-response): identity and customer, status and amounts (JSON numbers, rupees), metadata and
 * `payment_links{web,mobile,iframe}`, `udf1..10`; once a transaction exists, `txn_id` (`<mid>-<order_id>-<attempt>`),
 * `txn_uuid`, `txn_detail{…}` (with `order_id`, as in the demo webhook samples), the payment method, `card{…}` (a
 * subset of the documented keys), the gateway block and `payment_gateway_response{…}`; `refunds[]` with the sample's
 * keys; `maximum_eligible_refund_amount` (shown in webhooks, juspay.in/in/docs/upi-qr-code/docs/scan--pay/
 * webhooks-request); and for mandate orders the `mandate` block (§6, §12).
 */
export function renderOrder(order: SimOrder): Record<string, unknown> {
  const attempted = order.attempts > 0;
  const txnId = `${config.merchant_id}-${order.order_id}-${order.attempts}`;
  const txnUuid = txnUuidOf(order);
  const udfs = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`udf${i + 1}`, order.udf[`udf${i + 1}`] ?? ""]),
  );
  const refunded = refundedPaise(order);
  const mandate = order.mandate_id ? getMandate(order.mandate_id) : null;
  return {
    id: order.id,
    order_id: order.order_id,
    merchant_id: config.merchant_id,
    customer_id: order.customer_id,
    customer_email: order.customer_email,
    customer_phone: order.customer_phone,
    product_id: "",
    status: order.status,
    // PARTIAL_CHARGED has no documented id (juspay.md §4): the key is left out rather than given a made-up value.
    ...(order.status === "PARTIAL_CHARGED" ? {} : { status_id: STATUS_IDS[order.status] ?? 20 }),
    amount: rupees(order.amount),
    // After a partial capture, what was captured (the sim's reading: Juspay documents no field for it).
    effective_amount: rupees(order.captured ?? order.amount),
    currency: order.currency,
    date_created: order.date_created,
    return_url: order.return_url,
    payment_links: { web: order.payment_link, mobile: order.payment_link, iframe: order.payment_link },
    ...udfs,
    refunded: refunded > 0,
    amount_refunded: rupees(refunded),
    ...(attempted
      ? {
          txn_id: txnId,
          txn_uuid: txnUuid,
          payment_method_type: "CARD",
          payment_method: "VISA",
          auth_type: "THREE_DS",
          gateway_id: 23,
          gateway_reference_id: null,
          bank_error_code: order.error_code ?? "",
          bank_error_message: order.error_message ?? "",
          txn_detail: {
            txn_id: txnId,
            txn_uuid: txnUuid,
            order_id: order.order_id,
            status: order.status,
            txn_amount: rupees(order.amount),
            net_amount: rupees(order.amount),
            surcharge_amount: null,
            tax_amount: null,
            gateway: "DUMMY",
            gateway_id: 23,
            currency: order.currency,
            error_code: order.error_code,
            error_message: order.error_message,
            created: order.date_created,
            express_checkout: true,
            redirect: true,
          },
          card: { last_four_digits: "1111", card_isin: "411111", card_brand: "VISA", card_type: "CREDIT" },
          payment_gateway_response: {
            resp_code: order.error_code ?? "SUCCESS",
            resp_message: order.error_message ?? "Transaction successful",
            txn_id: txnId,
            rrn: "000000000001",
            epg_txn_id: txnUuid,
            auth_id_code: "000000",
            created: order.date_created,
          },
        }
      : {}),
    ...(order.refunds.length
      ? {
          refunds: order.refunds.map((r) => ({
            unique_request_id: r.unique_request_id,
            status: r.status,
            sent_to_gateway: r.sent_to_gateway,
            refund_type: "STANDARD",
            refund_source: "DUMMY",
            initiated_by: "API",
            id: r.id,
            ref: r.ref,
            amount: rupees(r.amount),
            created: r.created,
            error_code: r.error_code,
            error_message: r.error_message,
          })),
        }
      : {}),
    maximum_eligible_refund_amount: rupees(order.status === "CHARGED" ? order.amount - refunded : 0),
    ...(mandate ? { mandate: renderMandateBlock(mandate) } : {}),
  };
}
