/**
 * Refunds (product.md §2, issue 6):
 * - `POST /v1/orders/:gateway/:order_id/refunds` with a required `Idempotency-Key`: the order's Durable Object
 *   claims the key, applies the over-refund guard and records the refund with its deterministic gateway id
 *   ("recorded"); only then is the gateway called; the object stores the outcome ("sent") and the key's answer.
 * - `GET /v1/orders/:gateway/:order_id/refunds/:refund_id[?refresh=true]`.
 */
import * as z from "zod/mini";
import { once } from "../../core/once";
import { proxyError, type ErrorReason, fieldError } from "../../core/errors";
import { IDEMPOTENCY_KEY_PATTERN, requestFingerprint } from "../../core/idempotency";
import { fromMinor } from "../../core/money";
import { deriveGatewayRefundId, refundIdFromKey } from "../../core/refunds";
import { orderStub, type RefundCallOutcome } from "../../storage/order-object";
import { apiKeyFingerprint } from "../auth";
import { readBody } from "../body";
import { parseJsonBody } from "../../core/body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { gatewayIO, requireOrder } from "../gateway-context";
import { json, renderAnswer } from "../respond";
import { CurrencySchema, doc, MinorAmountSchema, RefreshQuerySchema } from "../schemas";
import { parseOrFail } from "../validate";

export const RefundRequestSchema = once(() =>
  z.strictObject({
    amount: MinorAmountSchema(),
    currency: doc(
      z.optional(CurrencySchema()),
      __CHECKPOST_DOCS__ ? "Defaults to the order's currency; must equal it" : "",
    ),
    refund_id: doc(
      z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 _ -"))),
      __CHECKPOST_DOCS__ ? "Your id for this refund; derived from the Idempotency-Key when absent" : "",
    ),
    reason: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  }),
);

/** Gateway errors that prove the refund was not made; anything else (timeouts, 5xx, bad answers) is unknown. */
const DEFINITE_REFUSALS: ReadonlySet<ErrorReason> = new Set([
  "gateway_rejected",
  "gateway_not_found",
  "gateway_auth_failed",
  "not_implemented",
  "validation_failed",
]);

export async function createRefund(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref, client } = requireOrder(request, rc);
  const key = requireIdempotencyKey(request);
  const raw = orThrow(parseJsonBody(orThrow(await readBody(request))));
  const body = orThrow(parseOrFail(RefundRequestSchema(), raw));
  const stub = orderStub(rc.env, ref);
  const order = await stub.get(ref);
  if (!order) throw new HttpError(proxyError("order_not_found"));
  const money = fromMinor(body.amount, body.currency ?? order.currency ?? "");
  if (!money.ok) throw new HttpError(fieldError("amount", "not a valid amount"));

  const refundId = body.refund_id ?? (await refundIdFromKey(key));
  const begun = await stub.beginRefund(ref, {
    idempotencyKey: key,
    fingerprint: await requestFingerprint(`POST /v1/orders/${ref.gateway}/${ref.orderId}/refunds`, raw),
    refundId,
    gatewayRefundId: await deriveGatewayRefundId(ref.gateway, ref.orderId, refundId),
    amount: money.value,
    reason: body.reason ?? null,
    maxRefunds: rc.config.maxRefundsPerOrder,
    requestId: rc.requestId,
  });
  switch (begun.kind) {
    case "answer":
      return renderAnswer(begun.answer, begun.replayed);
    case "in_use":
      throw new HttpError(proxyError("idempotency_key_in_use"));
    case "reused":
      throw new HttpError(proxyError("idempotency_key_reused"));
    case "proceed":
      break;
  }
  const result = await client.refund(
    {
      ...begun.facts,
      orderId: ref.orderId,
      gatewayRefundId: begun.refund.gateway_refund_id,
      amount: money.value,
      reason: body.reason ?? null,
    },
    gatewayIO(rc),
  );
  const outcome: RefundCallOutcome = result.ok
    ? { kind: "accepted", hint: result.value }
    : DEFINITE_REFUSALS.has(result.error.reason)
      ? { kind: "refused", error: result.error }
      : { kind: "unknown", error: result.error };
  if (!result.ok)
    rc.log.warn("gateway refund call failed", {
      gateway: ref.gateway,
      order_id: ref.orderId,
      reason: result.error.reason,
      outcome: outcome.kind,
    });
  return renderAnswer(
    await stub.finishRefund(ref, { idempotencyKey: key, refundId, outcome, requestId: rc.requestId }),
    false,
  );
}

export async function getRefund(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref, client } = requireOrder(request, rc);
  const query = orThrow(parseOrFail(RefreshQuerySchema(), request.query));
  const refundId = request.params["refund_id"] ?? "";
  const stub = orderStub(rc.env, ref);
  const refund = await stub.getRefund(ref, refundId);
  if (!refund) throw new HttpError(proxyError("refund_not_found"));
  if (query.refresh !== "true") return json(refund);
  const order = await stub.get(ref);
  const hint = await client.refundStatus(
    {
      customerId: order?.customer?.id ?? null,
      orderId: ref.orderId,
      gatewayRefundId: refund.gateway_refund_id,
      gatewayRefundRef: refund.gateway_reference,
    },
    gatewayIO(rc),
  );
  if (!hint.ok) {
    // Not (yet) shown by the gateway is not "no such refund": checkpost holds it, reserved (product.md §2, §3).
    if (hint.error.reason !== "gateway_not_found") throw new HttpError(hint.error);
    return json((await stub.refundNotFound(ref, refundId)) ?? refund);
  }
  return json((await stub.observeRefund(ref, hint.value, "api", true)) ?? refund);
}

export const MarkFailedSchema = once(() =>
  z.strictObject({
    note: doc(
      z.string().check(z.minLength(1), z.maxLength(500)),
      __CHECKPOST_DOCS__ ? "What the merchant checked with the gateway, for the audit trail" : "",
    ),
  }),
);

/**
 * `POST /v1/orders/:gateway/:order_id/refunds/:refund_id/mark-failed` with a required `Idempotency-Key`: the
 * merchant's decision, after checking with the gateway, that a refund under review never happened. Releases its
 * reserved amount; audited with a fingerprint of the API key that asked, never the key.
 */
export async function markRefundFailed(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref } = requireOrder(request, rc);
  const key = requireIdempotencyKey(request);
  const raw = orThrow(parseJsonBody(orThrow(await readBody(request))));
  const body = orThrow(parseOrFail(MarkFailedSchema(), raw));
  const refundId = request.params["refund_id"] ?? "";
  const marked = await orderStub(rc.env, ref).markRefundFailed(ref, {
    idempotencyKey: key,
    fingerprint: await requestFingerprint(`POST mark-failed ${ref.gateway}/${ref.orderId}/${refundId}`, raw),
    refundId,
    note: body.note,
    apiKeyFingerprint: await apiKeyFingerprint(request.headers.get("authorization")),
    requestId: rc.requestId,
  });
  if (!marked) throw new HttpError(proxyError("order_not_found"));
  if (marked.kind === "reused") throw new HttpError(proxyError("idempotency_key_reused"));
  if (marked.answer.kind === "refund" && !marked.replayed) {
    rc.log.info("refund marked failed by the merchant", { gateway: ref.gateway, order_id: ref.orderId });
  }
  return renderAnswer(marked.answer, marked.replayed);
}

export function requireIdempotencyKey(request: AppRequest): string {
  const key = request.headers.get("idempotency-key");
  if (key === null) throw new HttpError(proxyError("idempotency_key_missing"));
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw new HttpError(proxyError("idempotency_key_invalid"));
  return key;
}
