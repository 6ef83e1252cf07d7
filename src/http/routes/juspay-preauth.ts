/**
 * `POST /v1/orders/juspay/:order_id/capture` and `…/void` (product.md §2, juspay.md §12): capture (all, or a
 * partial `amount` in minor units) or release the money Juspay holds for a pre-authorised (AUTHORIZED) order, with a
 * required `Idempotency-Key` handled like refunds' (`storage/order/preauth.ts`). Steps:
 * 1. the key claimed in the order object (a replay answers from it; one capture or void per order at a time);
 * 2. input checked against checkpost's order (unknown: 404; final: 409 `order_not_held`; an amount over the
 *    registered one: 422 `capture_exceeds_authorized`; another currency: 400): the key is released, nothing stored;
 * 3. a confirmed look through the object (status folded like any other): it must say AUTHORIZED, and it gives the
 *    `txn_uuid` (the docs: "txn_uuid available in Order Status API response"). checkpost refreshes rather than trust
 *    its last state, which may be minutes old, and never keeps a `txn_uuid` of its own;
 * 4. the call; its answer folded in the object, the only writer, as a confirmed observation. A timeout or lost
 *    answer is unknown: the order stays as it was (held), is polled, and the key answers 202 and re-reads on replay.
 *    A refusal (a 4xx, e.g. "Cannot Void CHARGED Transaction") is followed by a look, and is 409 `order_not_held`
 *    when Juspay no longer holds the money.
 */
import * as z from "zod/mini";
import { once } from "../../core/once";
import { parseJsonBody } from "../../core/body";
import { proxyError, type ErrorReason, type ProxyError, fieldError } from "../../core/errors";
import { requestFingerprint } from "../../core/idempotency";
import type { OrderRef } from "../../core/model";
import { fromMinor, type Money } from "../../core/money";
import type { PublicOrder } from "../../core/order";
import { isFinalPayment } from "../../core/status";
import { confirmedObservation } from "../../gateways/look";
import { isHeldStatus, publicJuspayStatus } from "../../gateways/juspay/map";
import { juspayPreauth, partialCaptureKey, txnUuidOf } from "../../gateways/juspay/preauth";
import { orderStub, type OrderClient, type PreauthAction, type PreauthOutcome } from "../../storage/order-object";
import { PREAUTH_SCOPES } from "../../storage/order/preauth";
import { readBody } from "../body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { gatewayIO } from "../gateway-context";
import { json, renderAnswer } from "../respond";
import { CurrencySchema, doc, MinorAmountSchema } from "../schemas";
import { parseOrFail } from "../validate";
import { juspayRef, requireJuspay } from "./juspay";
import { requireIdempotencyKey } from "./refunds";

export const CaptureRequestSchema = once(() =>
  z.strictObject({
    amount: doc(
      z.optional(MinorAmountSchema()),
      __CHECKPOST_DOCS__ ? "Minor units, at most the authorised amount; absent: the whole authorised amount" : "",
    ),
    currency: doc(
      z.optional(CurrencySchema()),
      __CHECKPOST_DOCS__ ? "Defaults to the order's currency; must equal it" : "",
    ),
  }),
);
export const VoidRequestSchema = once(() => z.strictObject({}));

/**
 * Gateway errors that prove the call did nothing (`gateway_not_configured`: JOSE mode without a Basic key, refused
 * before sending); anything else (timeouts, 5xx, bad answers) is unknown.
 */
const DEFINITE: ReadonlySet<ErrorReason> = new Set([
  "gateway_rejected",
  "gateway_not_found",
  "gateway_auth_failed",
  "gateway_not_configured",
]);

const notHeld = (detail: string) => proxyError("order_not_held", { detail });

/** The partial capture amount, or null for the whole authorised amount; throws on bad input. */
function partialAmount(order: PublicOrder, body: z.infer<ReturnType<typeof CaptureRequestSchema>>): Money | null {
  if (order.amount === null || order.currency === null) throw new HttpError(notHeld("checkpost holds no amount"));
  if (body.currency !== undefined && body.currency !== order.currency) {
    throw new HttpError(fieldError("currency", "must be the order's currency"));
  }
  if (body.amount === undefined || body.amount === order.amount) return null;
  if (body.amount > order.amount) throw new HttpError(proxyError("capture_exceeds_authorized"));
  const money = fromMinor(body.amount, order.currency);
  if (money.ok) return money.value;
  throw new HttpError(fieldError("amount", "not valid"));
}

/** A trusted look (the merchant's own call) through the order object: the folded order, or the gateway's error. */
async function refreshed(stub: OrderClient, ref: OrderRef, rc: RequestContext, note: string) {
  const look = { source: "api", trusted: true, note, timeoutMs: rc.config.gatewayTimeoutMs ?? undefined } as const;
  const answer = await stub.look(ref, look, rc.requestId);
  if (answer.kind === "observed") return { order: answer.result.order };
  if (answer.kind === "held") return { order: answer.order };
  return { error: answer.kind === "failed" ? answer.failure.error : proxyError("gateway_unavailable") };
}

const heldStatus = (order: PublicOrder) => (isHeldStatus(order.gateway_status) ? 202 : 200);

async function preauth(request: AppRequest, rc: RequestContext, action: PreauthAction): Promise<Response> {
  const settings = requireJuspay(rc);
  const ref = juspayRef(request.params["order_id"]);
  const key = requireIdempotencyKey(request);
  const bytes = orThrow(await readBody(request));
  const raw = bytes.byteLength ? orThrow(parseJsonBody(bytes)) : {};
  const body = orThrow(parseOrFail(action === "capture" ? CaptureRequestSchema() : VoidRequestSchema(), raw));
  const stub = orderStub(rc.env, ref);
  const begun = await stub.beginPreauth(ref, {
    action,
    idempotencyKey: key,
    fingerprint: await requestFingerprint(`POST /v1/orders/juspay/${ref.orderId}/${action}`, raw),
  });
  switch (begun.kind) {
    case "unknown_order":
      throw new HttpError(proxyError("order_not_found"));
    case "answer":
      return renderAnswer(begun.answer, true);
    case "reread": {
      // The first request's outcome was unknown: read what became of the money, never send the call again.
      const now = await refreshed(stub, ref, rc, `${action}_replay`);
      const order = now.order ?? (await stub.get(ref)) ?? begun.order;
      return json(order, heldStatus(order), { "idempotent-replayed": "true" });
    }
    case "in_use":
      throw new HttpError(proxyError("idempotency_key_in_use"));
    case "reused":
      throw new HttpError(proxyError("idempotency_key_reused"));
    case "busy":
      throw new HttpError(proxyError("preauth_in_progress"));
    case "proceed":
      break;
  }
  const current = begun.order;
  const finish = async (outcome: PreauthOutcome) =>
    renderAnswer(
      await stub.finishPreauth(ref, { action, idempotencyKey: key, outcome, requestId: rc.requestId }),
      false,
    );
  const release = async (error: ProxyError): Promise<never> => {
    await stub.releaseIdempotency(PREAUTH_SCOPES[action], key);
    throw new HttpError(error);
  };

  // Checked once the key is known not to be a replay (whose answer stands whatever the order became since), and
  // released on a refusal: bad input stores nothing.
  let partial: Money | null;
  try {
    if (isFinalPayment(current.status)) throw new HttpError(notHeld(`the order is ${current.status}`));
    partial = action === "capture" ? partialAmount(current, body) : null;
  } catch (refusal) {
    await stub.releaseIdempotency(PREAUTH_SCOPES[action], key);
    throw refusal;
  }
  const before = await refreshed(stub, ref, rc, action);
  if (!before.order) return release(before.error);
  const status = before.order.gateway_status;
  if (status !== "AUTHORIZED") {
    return finish({ kind: "refused", error: notHeld(`Juspay reports ${publicJuspayStatus(status ?? "NEW")}`) });
  }
  const txnUuid = txnUuidOf(before.order.details);
  if (!txnUuid) return release(proxyError("gateway_bad_response", { log: { field: "txn_uuid" } }));

  await stub.preauthSent(ref, action, partial?.minor ?? null);
  const answer = await juspayPreauth(settings, gatewayIO(rc), {
    action,
    orderId: ref.orderId,
    customerId: before.order.customer?.id ?? null,
    txnUuid,
    partial: partial ? { amount: partial, key: await partialCaptureKey(ref.orderId, key) } : undefined,
  });
  if (answer.ok && answer.value.orderId === ref.orderId) {
    const snapshot = answer.value;
    const observation = confirmedObservation(snapshot, "api", action);
    return finish({ kind: "answered", observation, held: snapshot.held === true, partial });
  }
  const error = answer.ok ? proxyError("order_mismatch") : answer.error;
  rc.log.warn(`Juspay ${action} call failed`, { gateway: "juspay", order_id: ref.orderId, reason: error.reason });
  if (!DEFINITE.has(error.reason)) return finish({ kind: "unknown", error });
  // Refused: Juspay's state differs from what checkpost last saw (e.g. "Cannot Void CHARGED Transaction"). Look.
  const after = await refreshed(stub, ref, rc, `${action}_refused`);
  const moved = after.order && after.order.gateway_status !== "AUTHORIZED";
  const reported = publicJuspayStatus(after.order?.gateway_status ?? "NEW");
  return finish({ kind: "refused", error: moved ? notHeld(`Juspay reports ${reported}`) : error });
}

export const captureJuspayOrder = (request: AppRequest, rc: RequestContext) => preauth(request, rc, "capture");
export const voidJuspayOrder = (request: AppRequest, rc: RequestContext) => preauth(request, rc, "void");
