/**
 * PhonePe callbacks, simulated (phonepe.md §5): `{event, payload}` (plus the deprecated `type` when asked) with
 * `Authorization: <lower-case hex SHA-256 of "username:password">`, the dashboard credentials. The header is
 * computed here with WebCrypto, independently of checkpost's verifier.
 */
import type { SimEnv } from "./index";
import { callbackAuthorizationHeader, config, MERCHANT_ID, orderCallbackJson, type SimOrder } from "./phonepe-store";

export interface CallbackRequest {
  /** The `event` to send; `null` leaves it out (a legacy delivery with `type` only). */
  event?: string | null;
  /** A legacy `type` name to add (`CHECKOUT_ORDER_COMPLETED`, `PG_REFUND_FAILED`, …). */
  type?: string;
  /** Fields merged over the stored payload: a tampered body, or a payload for an object the sim does not hold. */
  payload?: Record<string, unknown>;
  /** Credentials to hash instead of the configured dashboard ones (a wrong-password test). */
  username?: string;
  password?: string;
  /** Also POST it to `CHECKPOST_URL/webhooks/phonepe` (under `npm start`; tests post it themselves). */
  deliver?: boolean;
}

export interface BuiltCallback {
  headers: Record<string, string>;
  body: string;
}

export const REFUND_EVENTS: Record<string, string> = {
  PENDING: "pg.refund.accepted",
  CONFIRMED: "pg.refund.accepted",
  COMPLETED: "pg.refund.completed",
  FAILED: "pg.refund.failed",
};

export async function buildCallback(
  defaultEvent: string,
  payload: Record<string, unknown>,
  req: CallbackRequest,
): Promise<BuiltCallback> {
  const cfg = config();
  const authorization = await callbackAuthorizationHeader(
    req.username ?? cfg.webhookUsername,
    req.password ?? cfg.webhookPassword,
  );
  const event = req.event === null ? undefined : (req.event ?? (req.type ? undefined : defaultEvent));
  const body = {
    ...(req.type ? { type: req.type } : {}),
    ...(event ? { event } : {}),
    payload: { ...payload, ...req.payload },
  };
  return { headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(body) };
}

export function orderCallback(order: SimOrder, req: CallbackRequest): Promise<BuiltCallback> {
  const event = order.state === "FAILED" ? "checkout.order.failed" : "checkout.order.completed";
  return buildCallback(event, orderCallbackJson(order), req);
}

/**
 * A callback of another PhonePe product, for an order id (phonepe.md §5 table "Other products": `paylink.order.*`,
 * `subscription.*`). Payload fields: §11 (java CallbackData: the common ones and the subscription fields); their
 * values are not documented, so they are plausible placeholders. Least convenient: it names a `merchantOrderId`.
 */
export function familyCallback(event: string, merchantOrderId: string, req: CallbackRequest): Promise<BuiltCallback> {
  const common = {
    merchantId: MERCHANT_ID, // §11 merchantId
    merchantOrderId, // §11 merchantOrderId
    orderId: `OMO${merchantOrderId.slice(0, 20)}`, // §11 orderId
    state: "COMPLETED", // §11 state
    amount: 10_000, // §11 amount (paise)
    expireAt: Date.now() + 1_200_000, // §11 expireAt (epoch ms)
  };
  const subscription = event.startsWith("subscription.")
    ? {
        merchantSubscriptionId: `MS${merchantOrderId.slice(0, 20)}`, // §11 merchantSubscriptionId
        subscriptionId: `OMS${merchantOrderId.slice(0, 20)}`, // §11 subscriptionId
        authWorkflowType: "TRANSACTION", // §11 authWorkflowType (value undocumented)
        amountType: "FIXED", // §11 amountType (value undocumented)
        maxAmount: 10_000, // §11 maxAmount
        frequency: "MONTHLY", // §11 frequency (value undocumented)
      }
    : {};
  return buildCallback(event, { ...common, ...subscription }, req);
}

/**
 * POSTs the callback to checkpost. Skipped when `CHECKPOST_URL` is on the reserved `.test` TLD (RFC 2606; the test
 * configuration): such a name never resolves, and tests post callbacks to the Worker themselves.
 */
export async function deliver(env: SimEnv, callback: BuiltCallback): Promise<number | null> {
  if (!env.CHECKPOST_URL || new URL(env.CHECKPOST_URL).hostname.endsWith(".test")) return null;
  try {
    const res = await fetch(new URL("/webhooks/phonepe", env.CHECKPOST_URL), {
      method: "POST",
      headers: callback.headers,
      body: callback.body,
      signal: AbortSignal.timeout(5000),
    });
    return res.status;
  } catch {
    return null;
  }
}
