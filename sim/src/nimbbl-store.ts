/**
 * The simulated Nimbbl's data: merchants (access key → secret, enrolled on their first token request), tokens,
 * orders with their payment attempts and refunds, and every webhook Nimbbl would have sent, in the order it sent
 * them. Status rules follow nimbbl.md §4 and seed 003.
 */
import { state } from "./state";
import { amount, randomId, rupees, signFields } from "./nimbbl-crypto";

/**
 * `transaction_type`: `payment | full_refund | partial_refund` in the enquiry reference [D7]; the checkout-response
 * guide (seed 003) spells them `partial-refund` / `full-refund`. Both spellings are produced (nimbbl.md §9).
 */
export type TxnType = "payment" | "partial_refund" | "full_refund" | "partial-refund";

export interface SimTxn {
  readonly id: string;
  readonly type: TxnType;
  status: string;
  readonly paise: number;
  readonly currency: string;
  readonly additionalPaise: number;
  readonly offerPaise: number;
  readonly refundRequestId?: string;
  readonly originalTxnId?: string;
}

export interface SimOrder {
  readonly orderId: string;
  readonly invoiceId: string;
  readonly accessKey: string;
  readonly totalPaise: number;
  readonly currency: string;
  readonly callbackUrl: string | null;
  lapsed: boolean;
  readonly transactions: SimTxn[];
  /** Signed webhook events, oldest first (plain JSON with `RawNumber` amounts). */
  readonly events: Record<string, unknown>[];
}

interface SimDb {
  merchants: Map<string, string>;
  tokens: Map<string, { accessKey: string; expiresAt: number }>;
  orders: Map<string, SimOrder>;
  /** Access keys whose tokens the API refuses with 401 (a control fault). */
  refusing: Set<string>;
  /** Access keys that turned on encrypted API responses (nimbbl.md §1.3, an opt-in merchant feature). */
  encrypting: Set<string>;
  /** Order tokens handed out by create-order and get-order → the order's invoice id (the checkout page's key). */
  checkoutTokens: Map<string, string>;
  seq: number;
}

export const MAX_ATTEMPTS = 15;

export function db(): SimDb {
  let d = state.data.nimbbl.get("db") as SimDb | undefined;
  if (!d) {
    d = {
      merchants: new Map(),
      tokens: new Map(),
      orders: new Map(),
      refusing: new Set(),
      encrypting: new Set(),
      checkoutTokens: new Map(),
      seq: 0,
    };
    state.data.nimbbl.set("db", d);
  }
  return d;
}

export function secretOf(order: SimOrder): string {
  return db().merchants.get(order.accessKey) ?? "";
}

export function nextTxnId(order: SimOrder): string {
  const d = db();
  d.seq += 1;
  return `${order.orderId}-${String(d.seq).padStart(12, "0")}`;
}

export function newOrder(fields: Omit<SimOrder, "orderId" | "lapsed" | "transactions" | "events">): SimOrder {
  const order: SimOrder = { ...fields, orderId: randomId("o_"), lapsed: false, transactions: [], events: [] };
  db().orders.set(order.invoiceId, order);
  return order;
}

export function findOrder(by: {
  invoiceId?: string;
  orderId?: string;
  transactionId?: string;
  /** A payment attempt's id only: a refund's own id finds nothing. */
  paymentId?: string;
}): SimOrder | null {
  for (const order of db().orders.values()) {
    if (by.paymentId !== undefined && payments(order).some((t) => t.id === by.paymentId)) return order;
    if (by.invoiceId !== undefined && order.invoiceId === by.invoiceId) return order;
    if (by.orderId !== undefined && order.orderId === by.orderId) return order;
    if (by.transactionId !== undefined && order.transactions.some((t) => t.id === by.transactionId)) return order;
  }
  return null;
}

export const payments = (o: SimOrder) => o.transactions.filter((t) => t.type === "payment");
export const refunds = (o: SimOrder) => o.transactions.filter((t) => t.type !== "payment");

/** `new` → `pending` at the first attempt → `completed` on a success, or `lapsed` (§4). */
export function orderStatus(o: SimOrder): string {
  if (payments(o).some((t) => t.status === "succeeded")) return "completed";
  if (o.lapsed || payments(o).length >= MAX_ATTEMPTS) return "lapsed";
  return payments(o).length ? "pending" : "new";
}

export function refundedPaise(o: SimOrder, statuses: readonly string[]): number {
  return refunds(o)
    .filter((t) => statuses.includes(t.status))
    .reduce((sum, t) => sum + t.paise, 0);
}

/** Sent only when the order is completed (§4). */
export function refundDetails(o: SimOrder): Record<string, unknown> | undefined {
  if (orderStatus(o) !== "completed") return undefined;
  const done = refundedPaise(o, ["succeeded"]);
  const held = refundedPaise(o, ["new", "pending", "succeeded"]);
  return {
    refundable_currency: o.currency,
    total_refundable_amount: amount(o.totalPaise),
    refunded_amount: amount(done),
    available_refundable_amount: amount(o.totalPaise - held),
  };
}

export function orderView(o: SimOrder): Record<string, unknown> {
  return {
    order_id: o.orderId,
    invoice_id: o.invoiceId,
    status: orderStatus(o),
    total_amount: amount(o.totalPaise),
    currency: o.currency,
    attempts: payments(o).length,
    max_retries: MAX_ATTEMPTS,
    refund_details: refundDetails(o),
  };
}

/**
 * One entry of the transaction enquiry's list, with ONLY the fields the reference shows for an entry (nimbbl.md §3
 * "Each transaction entry has …" and §9, source [D7] nimbbl.biz/docs/api-reference/transaction-enquiry-v-3). A refund
 * is an ordinary entry told apart by `transaction_type`, its status in `payment_status`: the docs show no
 * `refund_status`, `refund_amount` or `refund_request_id` in an entry, so none is sent. Fields the docs sample leaves
 * empty for a refund (partner, mode, failure) are `null`, the least convenient reading.
 */
export function enquiryEntry(o: SimOrder, t: SimTxn): Record<string, unknown> {
  const refund = t.type !== "payment";
  return {
    // [D7] the entry's id, `payment | full_refund | partial_refund`, the status, amounts and currency.
    nimbbl_transaction_id: t.id,
    transaction_type: t.type,
    payment_status: t.status,
    message: t.status === "failed" ? "Transaction failed" : "",
    transaction_amount: amount(t.paise),
    transaction_currency: t.currency,
    // [D7] amounts around the capture; a refund carries no fee or offer of its own.
    additional_charges: refund ? null : amount(t.additionalPaise),
    offer_discount: refund ? null : amount(t.offerPaise),
    offer_id: null,
    // [D7] the docs sample: `nimbbl_signature: null`, `signature_version: "v2"` (nimbbl.md §9).
    nimbbl_signature: null,
    signature_version: "v2",
    // [D7] partner and mode fields.
    payment_partner: refund ? null : "sim",
    psp_transaction_id: refund ? null : `psp_${t.id}`,
    payment_mode: refund ? null : "UPI",
    sub_payment_mode: null,
    payment_arn: null,
    emi: null,
    // [D7] `failure_reason{nimbbl_error_code, nimbbl_consumer_message, nimbbl_merchant_message, retry_allowed}`.
    failure_reason:
      t.status === "failed"
        ? {
            nimbbl_error_code: "PAYMENT_FAILED",
            nimbbl_consumer_message: "The payment failed",
            nimbbl_merchant_message: "Declined by the simulated bank",
            retry_allowed: !refund && orderStatus(o) !== "lapsed",
          }
        : null,
  };
}

const RESPONSE_STATUS: Record<string, string> = { succeeded: "success", pending: "pending", new: "pending" };

/** The signed payment object: the checkout response and, with `event_type`, the payment webhook (§1.1, §1.3). */
export async function signedPayment(o: SimOrder, t: SimTxn, eventType?: string): Promise<Record<string, unknown>> {
  const signature = await signFields(secretOf(o), [o.invoiceId, t.id, rupees(t.paise), t.currency, t.status, t.type]);
  return {
    ...(eventType ? { event_type: eventType } : {}),
    status: RESPONSE_STATUS[t.status] ?? "failed",
    message: t.status === "failed" ? "Payment failed" : "",
    nimbbl_order_id: o.orderId,
    nimbbl_transaction_id: t.id,
    nimbbl_signature: signature,
    transaction: {
      transaction_id: t.id,
      status: t.status,
      transaction_amount: amount(t.paise),
      transaction_type: t.type,
      transaction_currency: t.currency,
      additional_charges: amount(t.additionalPaise),
      offer_discount: amount(t.offerPaise),
      payment_partner: "sim",
      psp_transaction_id: `psp_${t.id}`,
      signature,
      signature_version: "v3",
    },
    order: orderView(o),
  };
}

/** A refund webhook: `invoice|refund txn|amount2dp(refund_amount)|refundable_currency|refund_status|type` (§2). */
export async function signedRefund(o: SimOrder, t: SimTxn, eventType: string): Promise<Record<string, unknown>> {
  const signature = await signFields(secretOf(o), [o.invoiceId, t.id, rupees(t.paise), o.currency, t.status, t.type]);
  return {
    event_type: eventType,
    nimbbl_order_id: o.orderId,
    nimbbl_transaction_id: t.id,
    transaction: {
      transaction_id: t.id,
      refund_status: t.status,
      refund_amount: amount(t.paise),
      transaction_type: t.type,
      transaction_currency: t.currency,
      // §2 lists no `refund_request_id` in a refund event's transaction, so none is sent.
      original_payment_transaction_id: t.originalTxnId,
      signature,
      signature_version: "v3",
    },
    order: { ...orderView(o), refund_details: refundDetails(o) ?? { refundable_currency: o.currency } },
  };
}

/** [S2 `WebhookEvents`]: payment events, and `payment_authorized` for a pre-auth hold. */
const PAYMENT_EVENT: Record<string, string> = {
  authorized: "payment_authorized",
  succeeded: "payment_success",
  failed: "payment_failed",
  reversing: "payment_reversing",
  reversed: "payment_reversed",
};
const REFUND_EVENT: Record<string, string> = {
  pending: "refund_pending",
  succeeded: "refund_success",
  failed: "refund_failed",
};

/** Moves a transaction to `status` and records the webhook Nimbbl sends for it, if any. */
export async function setStatus(o: SimOrder, t: SimTxn, status: string): Promise<void> {
  t.status = status;
  if (t.type === "payment") {
    const eventType = PAYMENT_EVENT[status];
    if (eventType) o.events.push(await signedPayment(o, t, eventType));
  } else {
    const eventType = REFUND_EVENT[status];
    if (eventType) o.events.push(await signedRefund(o, t, eventType));
  }
}
