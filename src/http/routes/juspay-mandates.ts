/**
 * Juspay mandates as checkpost holds them (product.md §2): `GET /v1/juspay/mandates/:mandate_id[?refresh=true]`,
 * the mandate as its object last confirmed it (storage/order/mandate.ts); 404 when checkpost never saw it.
 */
import { parseJsonBody } from "../../core/body";
import { sha256, toHex } from "../../core/crypto";
import { fieldError, proxyError, type ErrorReason, type ProxyError } from "../../core/errors";
import { requestFingerprint } from "../../core/idempotency";
import { mandateRef, type MandateRecord } from "../../core/mandate";
import type { OrderRef } from "../../core/model";
import { fromMinor, type Money } from "../../core/money";
import { isFinalPayment } from "../../core/status";
import type { JuspaySettings } from "../../gateways/juspay/config";
import { cancelDebit, executeMandate, notifyMandate } from "../../gateways/juspay/mandates";
import { JUSPAY_ORDER_ID } from "../../gateways/juspay/wire";
import { orderStub, type OrderClient } from "../../storage/order-object";
import { readBody } from "../body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { gatewayIO, invalidOrderId } from "../gateway-context";
import { json, problemResponse, renderAnswer } from "../respond";
import { RefreshQuerySchema } from "../schemas";
import { parseOrFail } from "../validate";
import { requireJuspay } from "./juspay";
import { requireIdempotencyKey } from "./refunds";
import {
  JuspayExecuteSchema,
  JuspayMandateIdSchema,
  JuspayNotifySchema,
  type JuspayExecuteBody,
} from "./juspay-schemas";

function mandateId(request: AppRequest): string {
  const parsed = JuspayMandateIdSchema().safeParse(request.params["mandate_id"] ?? "");
  if (parsed.success) return parsed.data;
  throw new HttpError(fieldError("mandate_id", "invalid"));
}

export async function getJuspayMandate(request: AppRequest, rc: RequestContext): Promise<Response> {
  const ref = mandateRef(mandateId(request));
  const query = orThrow(parseOrFail(RefreshQuerySchema(), request.query));
  const stub = orderStub(rc.env, ref);
  let mandate = await stub.mandate(ref);
  if (mandate && query.refresh === "true") mandate = await stub.refreshMandate(ref, rc.requestId);
  if (!mandate) throw new HttpError(proxyError("mandate_not_found"));
  return json(mandate);
}

/** The mandate, known ACTIVE with a customer, and `amount` within its maximum (exactly it for FIXED). */
async function activeMandate(
  stub: OrderClient,
  ref: OrderRef,
  money: { amount: number; currency: string },
): Promise<MandateRecord> {
  const mandate = (await stub.mandate(ref)) as MandateRecord | null;
  if (!mandate) throw new HttpError(proxyError("mandate_not_found"));
  if (mandate.status !== "ACTIVE" || !mandate.customer_id) throw new HttpError(proxyError("mandate_not_active"));
  // The mandate's limits are in its own currency's minor units: another currency would scale the debit.
  if (money.currency !== (mandate.currency ?? "INR"))
    throw new HttpError(fieldError("currency", "must be the mandate's"));
  const { amount } = money;
  const max = mandate.max_amount;
  if (max === null || amount > max || (mandate.amount_rule === "FIXED" && amount !== max))
    throw new HttpError(proxyError("mandate_amount_exceeded"));
  return mandate;
}

/**
 * One answer per `Idempotency-Key` (scoped to the route, kept in `stub`'s object): a repeat replays it, another
 * body is 422, a repeat while the first runs is 409. Every answer is kept, refusals included, so a key never
 * reaches the gateway twice.
 */
async function once(
  o: { request: AppRequest; rc: RequestContext; stub: OrderClient; scope: string; key: string; body: unknown },
  run: () => Promise<Response>,
): Promise<Response> {
  const claim = await o.stub.claimIdempotency(o.scope, o.key, await requestFingerprint(o.scope, o.body));
  if (claim.kind === "replay") return renderAnswer(claim.answer, true);
  if (claim.kind !== "new") throw new HttpError(proxyError(`idempotency_key_${claim.kind}`));
  let response: Response;
  try {
    response = await run();
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    response = problemResponse(error.problem, o.request, o.rc.requestId);
  }
  await o.stub.completeIdempotency(o.scope, o.key, {
    kind: "response",
    status: response.status,
    body: await response.clone().text(),
  });
  return response;
}

const EXECUTE_SCOPE = "POST /v1/juspay/mandates/:mandate_id/execute";

/** Juspay refused, or nothing was sent (no Basic key in JOSE mode): the call certainly did nothing. */
const refused = (error: ProxyError): boolean =>
  error.reason === "gateway_rejected" || error.reason === "gateway_not_configured";

/** Juspay's refusals of a debit, as checkpost's codes (juspay.md §12). */
const DEBIT_REFUSALS: Readonly<Record<string, ErrorReason>> = {
  JP_852: "mandate_not_active",
  JP_851: "mandate_notification_failed",
  DUPLICATE_ORDER_ID: "order_conflict",
};

/**
 * `POST /v1/juspay/mandates/:mandate_id/execute`, `Idempotency-Key` required: a debit on a mandate checkpost knows
 * ACTIVE, within its maximum (exactly it for FIXED). The new order is registered with its amount and recorded as
 * attempted BEFORE `/txns` is sent, so it is reconciled like any order; a lost answer leaves it pending and polled,
 * and no retry (any key) sends `/txns` for that order again. `notification_id` is passed through: checkpost does
 * not know reliably whether a mandate is UPI, and Juspay refuses a UPI debit without one.
 */
export async function executeJuspayMandate(request: AppRequest, rc: RequestContext): Promise<Response> {
  const settings = requireJuspay(rc);
  const id = mandateId(request);
  const key = requireIdempotencyKey(request);
  const raw = orThrow(parseJsonBody(orThrow(await readBody(request))));
  const body = orThrow(parseOrFail(JuspayExecuteSchema(), raw));
  if (!JUSPAY_ORDER_ID.test(body.order_id)) throw invalidOrderId();
  const money = fromMinor(body.amount, body.currency);
  if (!money.ok) throw new HttpError(fieldError("amount", "not valid"));
  const mref = mandateRef(id);
  const mandate = await activeMandate(orderStub(rc.env, mref), mref, body);

  const ref: OrderRef = { gateway: "juspay", orderId: body.order_id };
  const stub = orderStub(rc.env, ref);
  // The mandate is part of what a key stands for: the same key and body on another mandate is another request.
  return once({ request, rc, stub, scope: EXECUTE_SCOPE, key, body: { mandate: id, raw } }, async () => {
    orThrow(
      await stub.register(ref, {
        amount: money.value,
        customer: { id: mandate.customer_id ?? "" },
        description: body.description ?? null,
        metadata: body.metadata ?? null,
      }),
    );
    return sendDebit(stub, ref, { settings: settings, rc, mandateId: id, money: money.value, body });
  });
}

async function sendDebit(
  stub: OrderClient,
  ref: OrderRef,
  o: { settings: JuspaySettings; rc: RequestContext; mandateId: string; money: Money; body: JuspayExecuteBody },
): Promise<Response> {
  const answer = async () => json({ order: await stub.get(ref), mandate_id: o.mandateId }, 202);
  // Sent before (another key, or a lost answer): never again; the order's polls tell the result.
  if ((await stub.createState(ref))?.attempted) return answer();
  orThrow(await stub.markExecution(ref, o.mandateId));
  const sent = await executeMandate(o.settings, gatewayIO(o.rc), {
    orderId: ref.orderId,
    amount: o.money,
    customerId: (await stub.get(ref))?.customer?.id ?? "",
    mandateId: o.mandateId,
    executionDate: o.body.execution_date ?? null,
    notificationId: o.body.notification_id ?? null,
  });
  if (sent.ok || !refused(sent.error)) {
    // Sent, or unknown (timeout, 5xx, unreadable answer): the order is pending at worst, and polled.
    if (!sent.ok) o.rc.log.warn("mandate debit unanswered", { order_id: ref.orderId, reason: sent.error.reason });
    return answer();
  }
  const mapped = DEBIT_REFUSALS[sent.error.gatewayCode ?? ""];
  // DUPLICATE_ORDER_ID: an order with this id exists at Juspay; it stays attempted and its polls tell what it is.
  if (mapped !== "order_conflict") await stub.recordCreateRejected(ref, sent.error.gatewayCode ?? "rejected");
  throw new HttpError(mapped ? proxyError(mapped) : sent.error);
}

const NOTIFY_SCOPE = "POST /v1/juspay/mandates/:mandate_id/notify";

/**
 * `POST /v1/juspay/mandates/:mandate_id/notify`, `Idempotency-Key` required: the pre-debit notification
 * (`command=pre_debit_notify`). `object_reference_id` is derived from the mandate and the key (`N` + 24 hex of
 * SHA-256), so a retry of one key can only ever name the same notification; the key's answer is kept in the
 * mandate's object. A lost answer is kept as `UNKNOWN` (202) and never re-sent for that key; the notification
 * webhook then tells its status (confirmed by `GET /notifications/{id}` when its id is known).
 */
export async function notifyJuspayMandate(request: AppRequest, rc: RequestContext): Promise<Response> {
  const settings = requireJuspay(rc);
  const id = mandateId(request);
  const key = requireIdempotencyKey(request);
  const raw = orThrow(parseJsonBody(orThrow(await readBody(request))));
  const body = orThrow(parseOrFail(JuspayNotifySchema(), raw));
  const money = fromMinor(body.amount, body.currency);
  if (!money.ok) throw new HttpError(fieldError("amount", "not valid"));
  const ref = mandateRef(id);
  const stub = orderStub(rc.env, ref);
  const mandate = await activeMandate(stub, ref, body);
  return once({ request, rc, stub, scope: NOTIFY_SCOPE, key, body: raw }, async () => {
    const reference = `N${toHex(await sha256(`${id}:${key}`)).slice(0, 24)}`;
    const txnDate = body.txn_date ?? Math.floor(rc.now() / 1000) + 86_400;
    const sent = await notifyMandate(settings, gatewayIO(rc), {
      mandateId: id,
      customerId: mandate.customer_id ?? "",
      reference,
      amount: money.value,
      txnDate,
      description: body.description ?? null,
    });
    if (!sent.ok && refused(sent.error)) throw new HttpError(sent.error);
    const note = { ref: reference, id: sent.ok ? sent.value.id : null, amount: body.amount, txn_date: txnDate };
    const kept = await stub.applyMandateNote(ref, { ...note, status: sent.ok ? sent.value.status : "UNKNOWN" });
    return json({ mandate_id: id, notification: { object_reference_id: reference, ...kept } }, sent.ok ? 201 : 202);
  });
}

const CANCEL_SCOPE = "POST /v1/orders/juspay/:order_id/cancel-execution";

/**
 * `POST /v1/orders/juspay/:order_id/cancel-execution`, `Idempotency-Key` required: stops a debit checkpost sent
 * (`execute`) with `command=cancel_recurring_transaction`. Juspay's answer (`txn_status: "JUSPAY_DECLINED"`) is not
 * applied by itself: an Order Status look right after folds what Juspay says the order is, so a debit that was
 * charged meanwhile stays succeeded. A lost cancel answer still gets that look; the order's polls do the rest (202).
 */
export async function cancelJuspayExecution(request: AppRequest, rc: RequestContext): Promise<Response> {
  const settings = requireJuspay(rc);
  const orderId = request.params["order_id"] ?? "";
  if (!JUSPAY_ORDER_ID.test(orderId)) throw invalidOrderId();
  const key = requireIdempotencyKey(request);
  const ref: OrderRef = { gateway: "juspay", orderId };
  const stub = orderStub(rc.env, ref);
  const order = await stub.get(ref);
  if (!order) throw new HttpError(proxyError("order_not_found"));
  const mandate = await stub.executionOf(ref);
  if (!mandate) {
    throw new HttpError(proxyError("order_not_updatable", { detail: "not a mandate debit sent through checkpost" }));
  }
  return once({ request, rc, stub, scope: CANCEL_SCOPE, key, body: orderId }, async () => {
    if (isFinalPayment(order.status)) throw new HttpError(proxyError("order_not_updatable", { detail: "final" }));
    const sent = await cancelDebit(settings, gatewayIO(rc), mandate, orderId, order.customer?.id ?? null);
    if (!sent.ok && refused(sent.error)) throw new HttpError(sent.error);
    const look = await stub.look(ref, { source: "api", trusted: true, note: "cancel-execution" }, rc.requestId);
    const seen = look.kind === "observed" ? look.result.order : await stub.get(ref);
    return json({ order: seen, mandate_id: mandate }, look.kind === "observed" ? 200 : 202);
  });
}
