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
  state?: "COMPLETED" | "FAILED" | "PENDING";
  paymentMode?: string;
  errorCode?: string;
  detailedErrorCode?: string;
  /** The amount Order Status reports from now on (a mismatch test). */
  reportedAmount?: number;
}

export function settleOrder(order: SimOrder, outcome: OrderOutcome): void {
  const state = outcome.state ?? "COMPLETED";
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

/** Rail and instrument of an attempt: they carry a VPA, masked account and UTR, which checkpost must never surface. */
function instrumentCombo(attempt: SimAttempt): Record<string, unknown> {
  if (attempt.paymentMode === "CARD") {
    return {
      amount: attempt.amount,
      rail: { type: "PG", transactionId: `PG${attempt.transactionId}`, authorizationCode: "123456" },
      instrument: { type: "CREDIT_CARD", bankTransactionId: "BTX123", bankId: "SIMB", arn: "ARN123", brn: "BRN123" },
    };
  }
  return {
    amount: attempt.amount,
    rail: { type: "UPI", utr: "412345678901", upiTransactionId: `YBL${attempt.transactionId}`, vpa: "customer@ybl" },
    instrument: {
      type: "ACCOUNT",
      maskedAccountNumber: "XXXXXXXX1234",
      ifsc: "SIMB0000001",
      accountHolderName: "Sim Customer",
      accountType: "SAVINGS",
    },
  };
}

export function attemptJson(attempt: SimAttempt): Record<string, unknown> {
  const combo = instrumentCombo(attempt);
  return {
    transactionId: attempt.transactionId,
    paymentMode: attempt.paymentMode,
    timestamp: attempt.timestamp,
    amount: attempt.amount,
    payableAmount: attempt.amount,
    feeAmount: 0,
    state: attempt.state,
    ...(attempt.errorCode ? { errorCode: attempt.errorCode } : {}),
    ...(attempt.detailedErrorCode ? { detailedErrorCode: attempt.detailedErrorCode } : {}),
    instrument: combo["instrument"],
    rail: combo["rail"],
    splitInstruments: [combo],
  };
}

/** Order Status body (phonepe.md §3); `details=false` lists only the latest attempt. Also the order callbacks' payload. */
export function orderJson(order: SimOrder, allAttempts: boolean): Record<string, unknown> {
  const attempts = allAttempts ? order.attempts : order.attempts.slice(-1);
  return {
    merchantId: MERCHANT_ID,
    merchantOrderId: order.merchantOrderId,
    orderId: order.orderId,
    state: order.state,
    amount: order.reportedAmount,
    payableAmount: order.reportedAmount,
    feeAmount: 0,
    expireAt: order.expireAt,
    metaInfo: order.metaInfo ?? {},
    ...(order.errorCode ? { errorCode: order.errorCode } : {}),
    ...(order.detailedErrorCode ? { detailedErrorCode: order.detailedErrorCode } : {}),
    paymentDetails: attempts.map(attemptJson),
  };
}

/** Refund Status body (phonepe.md §4), also the refund callbacks' payload. */
export function refundJson(refund: SimRefund): Record<string, unknown> {
  return {
    merchantId: MERCHANT_ID,
    merchantRefundId: refund.merchantRefundId,
    originalMerchantOrderId: refund.originalMerchantOrderId,
    refundId: refund.refundId,
    amount: refund.amount,
    state: refund.state,
    timestamp: refund.timestamp,
    ...(refund.errorCode ? { errorCode: refund.errorCode } : {}),
    ...(refund.detailedErrorCode ? { detailedErrorCode: refund.detailedErrorCode } : {}),
    splitInstruments: [
      {
        amount: refund.amount,
        rail: { type: "PG", transactionId: `PGR${refund.refundId}`, serviceTransactionId: "STX1" },
        instrument: { type: "ACCOUNT", maskedAccountNumber: "XXXXXXXX1234", accountType: "SAVINGS" },
      },
    ],
  };
}

/** `Authorization` on PhonePe callbacks: lower-case hex SHA-256 of `username:password` (phonepe.md §5). */
export async function callbackAuthorizationHeader(username: string, password: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${username}:${password}`));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
