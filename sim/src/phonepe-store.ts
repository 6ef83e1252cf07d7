/**
 * The PhonePe simulator's records (clients, tokens, orders, refunds) and the JSON shapes built from them, after
 * shared/spec/gateways/phonepe.md. Written from the spec, independently of checkpost's `src/` (never imported).
 */
import { state } from "./state";

export interface SimClient {
  readonly secret: string;
  readonly version: string;
}

export interface SimToken {
  readonly clientId: string;
  readonly issuedAt: number;
  expiresAt: number;
}

export interface SimAttempt {
  readonly transactionId: string;
  readonly paymentMode: string;
  readonly timestamp: number;
  readonly amount: number;
  readonly state: string;
  readonly errorCode?: string | undefined;
  readonly detailedErrorCode?: string | undefined;
}

export interface SimOrder {
  readonly merchantOrderId: string;
  readonly orderId: string;
  readonly amount: number;
  /** What the status API reports as `amount` (tests set another value to simulate a mismatch). */
  reportedAmount: number;
  state: string;
  readonly expireAt: number;
  readonly metaInfo: Record<string, string> | null;
  readonly redirectUrl: string | null;
  errorCode?: string | undefined;
  detailedErrorCode?: string | undefined;
  readonly attempts: SimAttempt[];
}

export interface SimRefund {
  readonly merchantRefundId: string;
  readonly originalMerchantOrderId: string;
  readonly refundId: string;
  readonly amount: number;
  state: string;
  timestamp: number;
  errorCode?: string | undefined;
  detailedErrorCode?: string | undefined;
}

export interface SimConfig {
  tokenTtlSeconds: number;
  webhookUsername: string;
  webhookPassword: string;
}

export const MERCHANT_ID = "SIMMERCHANT";
/** PhonePe's default order lifetime is not documented; the simulator uses the SDK sample's 1200 s. */
export const DEFAULT_EXPIRE_AFTER_SECONDS = 1200;

const data = () => state.data.phonepe;

export function config(): SimConfig {
  let cfg = data().get("config") as SimConfig | undefined;
  if (!cfg) {
    // The webhook credentials of .dev.vars.example, so `npm start` works without a control call.
    cfg = { tokenTtlSeconds: 3600, webhookUsername: "phonepe_hook", webhookPassword: "simpass123" };
    data().set("config", cfg);
  }
  return cfg;
}

export function getRecord<T>(kind: "client" | "token" | "order" | "refund", id: string): T | undefined {
  return data().get(`${kind}:${id}`) as T | undefined;
}

export function putRecord(kind: "client" | "token" | "order" | "refund", id: string, value: unknown): void {
  data().set(`${kind}:${id}`, value);
}

export function allTokens(): SimToken[] {
  return [...data().entries()].filter(([k]) => k.startsWith("token:")).map(([, v]) => v as SimToken);
}

export function refundsOf(merchantOrderId: string): SimRefund[] {
  return [...data().entries()]
    .filter(([k]) => k.startsWith("refund:"))
    .map(([, v]) => v as SimRefund)
    .filter((r) => r.originalMerchantOrderId === merchantOrderId);
}

/** A new PENDING order, as pay / SDK order (or the control API, for orders created outside checkpost) make it. */
export function newOrder(
  merchantOrderId: string,
  amount: number,
  extra: { expireAfterSeconds?: number; metaInfo?: Record<string, string>; redirectUrl?: string } = {},
): SimOrder {
  const order: SimOrder = {
    merchantOrderId,
    orderId: randomId("OMO"),
    amount,
    reportedAmount: amount,
    state: "PENDING",
    expireAt: Date.now() + (extra.expireAfterSeconds ?? DEFAULT_EXPIRE_AFTER_SECONDS) * 1000,
    metaInfo: extra.metaInfo ?? null,
    redirectUrl: extra.redirectUrl ?? null,
    attempts: [],
  };
  putRecord("order", merchantOrderId, order);
  return order;
}

export interface OrderOutcome {
  /**
   * `EXPIRED`: not in the order-status pages' three states (phonepe.md §3), but reported for an order left unpaid
   * past its `expireAt` by the issue #15 review's stand-in; produced here as the least convenient answer: a fourth
   * state a client keyed on the documented three would not expect. The order has no attempt.
   */
  state?: "COMPLETED" | "FAILED" | "PENDING" | "EXPIRED";
  paymentMode?: string;
  errorCode?: string;
  detailedErrorCode?: string;
  /** The amount Order Status reports from now on (a mismatch test). */
  reportedAmount?: number;
}

export function settleOrder(order: SimOrder, outcome: OrderOutcome): void {
  const state = outcome.state ?? "COMPLETED";
  if (state === "EXPIRED") {
    order.state = state;
    return;
  }
  const failed = state === "FAILED";
  const attempt: SimAttempt = {
    transactionId: randomId("OM"),
    paymentMode: outcome.paymentMode ?? "UPI_COLLECT",
    timestamp: Date.now(),
    amount: order.amount,
    state,
    errorCode: failed ? (outcome.errorCode ?? "TXN_FAILED") : undefined,
    detailedErrorCode: failed ? (outcome.detailedErrorCode ?? "ZM") : undefined,
  };
  order.attempts.push(attempt);
  order.state = state;
  order.errorCode = attempt.errorCode;
  order.detailedErrorCode = attempt.detailedErrorCode;
  if (outcome.reportedAmount !== undefined) order.reportedAmount = outcome.reportedAmount;
}

/** The latest attempt (a pending one, or a declined one the bank later confirmed) ends in `state` instead. */
export function settleLatest(order: SimOrder, state: "COMPLETED" | "FAILED"): void {
  const latest = order.attempts.at(-1);
  if (!latest) return settleOrder(order, { state });
  order.attempts[order.attempts.length - 1] = {
    ...latest,
    state,
    timestamp: Date.now(),
    errorCode: undefined,
    detailedErrorCode: undefined,
  };
  order.state = state;
  order.errorCode = undefined;
  order.detailedErrorCode = undefined;
}

export function randomId(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 20).toUpperCase()}`;
}

// Sources (shared/spec/gateways/phonepe.md, which cites each): ORDER = §3, Order Status docs
// (developer.phonepe.com/v1/reference/order-status-standard-checkout) and SDK OrderStatusResponse.d.ts /
// PaymentDetail.d.ts / rails/*.d.ts / paymentinstruments/*.d.ts; REFUND = §4, refund status docs
// (developer.phonepe.com/v1/reference/subscription-v2-refund-status) and SDK RefundStatusResponse.d.ts;
// CALLBACK = §5 "Payload shapes" (docs samples) and §11 (java CallbackData.java).

/** Rail and instrument of an attempt: they carry a VPA, masked account and UTR, which checkpost must never surface. */
function instrumentCombo(attempt: SimAttempt): Record<string, unknown> {
  if (attempt.paymentMode === "CARD") {
    return {
      amount: attempt.amount, // ORDER splitInstruments[].amount
      // ORDER rail.type PG: transactionId, authorizationCode (serviceTransactionId optional, left out)
      rail: { type: "PG", transactionId: `PG${attempt.transactionId}`, authorizationCode: "123456" },
      // ORDER instrument.type CREDIT_CARD: bankTransactionId, bankId, arn, brn
      instrument: { type: "CREDIT_CARD", bankTransactionId: "BTX123", bankId: "SIMB", arn: "ARN123", brn: "BRN123" },
    };
  }
  return {
    amount: attempt.amount, // ORDER splitInstruments[].amount
    // ORDER rail.type UPI: utr, upiTransactionId, vpa
    rail: { type: "UPI", utr: "412345678901", upiTransactionId: `YBL${attempt.transactionId}`, vpa: "customer@ybl" },
    // ORDER instrument.type ACCOUNT: maskedAccountNumber, ifsc, accountHolderName, accountType
    instrument: {
      type: "ACCOUNT",
      maskedAccountNumber: "XXXXXXXX1234",
      ifsc: "SIMB0000001",
      accountHolderName: "Sim Customer",
      accountType: "SAVINGS",
    },
  };
}

/** One `paymentDetails[]` item (ORDER; the same PaymentDetail in CALLBACK payloads). */
export function attemptJson(attempt: SimAttempt): Record<string, unknown> {
  const combo = instrumentCombo(attempt);
  return {
    transactionId: attempt.transactionId, // ORDER paymentDetails[].transactionId (`OM…`)
    paymentMode: attempt.paymentMode, // ORDER paymentDetails[].paymentMode
    timestamp: attempt.timestamp, // ORDER paymentDetails[].timestamp (epoch ms)
    amount: attempt.amount, // ORDER paymentDetails[].amount
    payableAmount: attempt.amount, // ORDER paymentDetails[].payableAmount
    feeAmount: 0, // ORDER paymentDetails[].feeAmount
    state: attempt.state, // ORDER paymentDetails[].state
    ...(attempt.errorCode ? { errorCode: attempt.errorCode } : {}), // ORDER, on a failed attempt
    ...(attempt.detailedErrorCode ? { detailedErrorCode: attempt.detailedErrorCode } : {}), // ORDER, idem
    instrument: combo["instrument"], // ORDER paymentDetails[].instrument
    rail: combo["rail"], // ORDER paymentDetails[].rail
    splitInstruments: [combo], // ORDER paymentDetails[].splitInstruments[]
  };
}

/** The order fields Order Status and the order callbacks share (ORDER order level; CALLBACK order events). */
function orderCore(order: SimOrder, attempts: readonly SimAttempt[]): Record<string, unknown> {
  return {
    orderId: order.orderId, // ORDER orderId (PhonePe's `OMO…`); CALLBACK orderId
    merchantId: MERCHANT_ID, // ORDER merchantId (SDK-declared); CALLBACK merchantId
    merchantOrderId: order.merchantOrderId, // ORDER merchantOrderId (SDK-declared); CALLBACK merchantOrderId
    state: order.state, // ORDER state PENDING | COMPLETED | FAILED; CALLBACK state
    amount: order.reportedAmount, // ORDER amount (paise); CALLBACK amount
    expireAt: order.expireAt, // ORDER expireAt (epoch ms); CALLBACK expireAt
    metaInfo: order.metaInfo ?? {}, // ORDER metaInfo (the udfs echoed); CALLBACK metaInfo
    ...(order.errorCode ? { errorCode: order.errorCode } : {}), // ORDER/CALLBACK errorCode, on failure
    ...(order.detailedErrorCode ? { detailedErrorCode: order.detailedErrorCode } : {}), // idem detailedErrorCode
    paymentDetails: attempts.map(attemptJson), // ORDER/CALLBACK paymentDetails[]
  };
}

/** Order Status body (ORDER); `details=false` lists only the latest attempt (§3 "details"). */
export function orderJson(order: SimOrder, allAttempts: boolean): Record<string, unknown> {
  return {
    ...orderCore(order, allAttempts ? order.attempts : order.attempts.slice(-1)),
    payableAmount: order.reportedAmount, // ORDER optional payableAmount (not in the CALLBACK samples)
    feeAmount: 0, // ORDER optional feeAmount (idem)
  };
}

/** An order callback's `payload` (CALLBACK "Order events"): no payableAmount/feeAmount in the documented samples. */
export function orderCallbackJson(order: SimOrder): Record<string, unknown> {
  return orderCore(order, order.attempts.slice(-1));
}

function refundInstruments(refund: SimRefund): Record<string, unknown>[] {
  return [
    {
      amount: refund.amount, // REFUND splitInstruments[].amount
      // REFUND rail as in §3: PG rail transactionId, serviceTransactionId
      rail: { type: "PG", transactionId: `PGR${refund.refundId}`, serviceTransactionId: "STX1" },
      // REFUND instrument as in §3: ACCOUNT maskedAccountNumber, accountType
      instrument: { type: "ACCOUNT", maskedAccountNumber: "XXXXXXXX1234", accountType: "SAVINGS" },
    },
  ];
}

/** Refund Status body (REFUND), also the payload of the accepted/completed refund callbacks (CALLBACK "Refund events"). */
export function refundJson(refund: SimRefund): Record<string, unknown> {
  return {
    merchantId: MERCHANT_ID, // REFUND merchantId
    merchantRefundId: refund.merchantRefundId, // REFUND merchantRefundId
    originalMerchantOrderId: refund.originalMerchantOrderId, // REFUND originalMerchantOrderId (§11: names the order)
    refundId: refund.refundId, // REFUND refundId (PhonePe's `OMR…`)
    amount: refund.amount, // REFUND amount (paise)
    state: refund.state, // REFUND state PENDING | CONFIRMED | COMPLETED | FAILED
    timestamp: refund.timestamp, // REFUND timestamp (epoch ms)
    ...(refund.errorCode ? { errorCode: refund.errorCode } : {}), // REFUND errorCode, only on error
    ...(refund.detailedErrorCode ? { detailedErrorCode: refund.detailedErrorCode } : {}), // idem
    splitInstruments: refundInstruments(refund), // REFUND paymentDetails[] and/or splitInstruments[]
  };
}

/**
 * A refund callback's `payload` (CALLBACK "Refund events"). The documented `pg.refund.failed` samples have an empty
 * `originalMerchantOrderId` and no `merchantRefundId` (§5, open question 6): that variant, for every failed refund.
 */
export function refundCallbackJson(refund: SimRefund): Record<string, unknown> {
  const body = refundJson(refund);
  if (refund.state !== "FAILED") return body;
  const { merchantRefundId: _dropped, ...rest } = body;
  return { ...rest, originalMerchantOrderId: "" };
}

/**
 * A refund made outside the API (the Business Dashboard). The docs are silent on its ids; the least convenient
 * plausible answer: PhonePe mints a `merchantRefundId` the merchant never sent, and Refund Status by it works.
 */
export function dashboardRefund(order: SimOrder, amount: number, state: string): SimRefund {
  const refund: SimRefund = {
    merchantRefundId: `dashboard${crypto.randomUUID().replace(/-/g, "")}`,
    originalMerchantOrderId: order.merchantOrderId,
    refundId: randomId("OMR"),
    amount,
    state,
    timestamp: Date.now(),
  };
  putRecord("refund", refund.merchantRefundId, refund);
  return refund;
}

/** `Authorization` on PhonePe callbacks: lower-case hex SHA-256 of `username:password` (phonepe.md §5). */
export async function callbackAuthorizationHeader(username: string, password: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${username}:${password}`));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
