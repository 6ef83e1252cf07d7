/**
 * Merchant API for orders (product.md §2, `/v1`):
 * - `POST /v1/orders` registers the expected amount, then creates the order at the gateway (unless `register_only`).
 * - `GET /v1/orders/:gateway/:order_id[?refresh=true]` the unified order.
 * - `GET /v1/orders/:gateway/:order_id/events` the audit trail.
 */
import { proxyError } from "../../core/errors";
import { fromMinor, type Money } from "../../core/money";
import { orderToken } from "../../core/signing";
import type { CreatedOrder } from "../../gateways/types";
import { orderStub, type OrderRef } from "../../storage/order-object";
import { parseJsonBody, readBody } from "../body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import {
  gatewayIO,
  invalidOrderId,
  isValidOrderId,
  requireGateway,
  requireOrder,
  type ResolvedGateway,
} from "../gateway-context";
import { json } from "../respond";
import { CreateOrderSchema, EventsQuerySchema, RefreshQuerySchema, type CreateOrderBody } from "../schemas";
import { parseOrFail } from "../validate";

export async function createOrder(request: AppRequest, rc: RequestContext): Promise<Response> {
  const body = orThrow(parseOrFail(CreateOrderSchema, orThrow(parseJsonBody(orThrow(await readBody(request))))));
  const resolved = requireGateway(body.gateway, rc);
  if (!isValidOrderId(resolved.adapter, body.order_id)) throw invalidOrderId();
  const money = fromMinor(body.amount, body.currency);
  if (!money.ok)
    throw new HttpError(
      proxyError("validation_failed", { fields: [{ path: "amount", message: "not a valid amount" }] }),
    );
  const amount = money.value;
  const ref: OrderRef = { gateway: resolved.adapter.id, orderId: body.order_id };
  const stub = orderStub(rc.env, ref);
  const registered = orThrow(
    await stub.register(ref, {
      amount,
      customer: body.customer ?? null,
      description: body.description ?? null,
      metadata: body.metadata ?? null,
    }),
  );
  if (body.register_only) return json({ order: registered.order, next_action: null }, registered.created ? 201 : 200);

  // A repeat of a create that already reached the gateway answers from the stored result: no second gateway order.
  const existing = await stub.nextAction(ref);
  if (existing) return json({ order: await stub.get(ref), next_action: existing }, 200);

  const created = await createAtGateway(resolved, ref, amount, body, rc);
  return json({ order: created.order, next_action: created.nextAction }, 201);
}

async function createAtGateway(
  resolved: ResolvedGateway,
  ref: OrderRef,
  amount: Money,
  body: CreateOrderBody,
  rc: RequestContext,
): Promise<{ order: unknown; nextAction: CreatedOrder["nextAction"] }> {
  const base = rc.config.publicBaseUrl;
  if (!base) throw new HttpError(proxyError("gateway_not_configured", { detail: "PUBLIC_BASE_URL is not set" }));
  const token = await orderToken(rc.config.merchantSecrets, "return", ref.gateway, ref.orderId);
  if (!token)
    throw new HttpError(proxyError("gateway_not_configured", { detail: "MERCHANT_WEBHOOK_SECRET is not set" }));
  const stub = orderStub(rc.env, ref);
  // Recorded before the call: from here on the order may exist at the gateway even if the call times out.
  orThrow(await stub.markAttempt(ref));
  const result = await resolved.client.createOrder(
    {
      orderId: ref.orderId,
      amount,
      customer: body.customer ?? null,
      description: body.description ?? null,
      metadata: body.metadata ?? null,
      returnUrl: new URL(`/return/${ref.gateway}`, base),
      returnToken: token,
      sdk: body.sdk ?? false,
      expireAfterSeconds: body.expire_after_seconds ?? null,
    },
    gatewayIO(rc),
  );
  if (!result.ok) {
    // A definite refusal means nothing exists at the gateway; an ambiguous failure is left to reconciliation.
    if (result.error.reason === "gateway_rejected") await stub.recordCreateRejected(ref, result.error.reason);
    rc.log.warn("gateway create failed", { gateway: ref.gateway, order_id: ref.orderId, reason: result.error.reason });
    throw new HttpError(result.error);
  }
  const order = orThrow(await stub.recordCreated(ref, result.value));
  return { order, nextAction: result.value.nextAction };
}

export async function getOrder(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref, client } = requireOrder(request, rc);
  const query = orThrow(parseOrFail(RefreshQuerySchema, request.query));
  const stub = orderStub(rc.env, ref);
  if (query.refresh === "true") {
    const snapshot = await client.fetchStatus(ref.orderId, gatewayIO(rc));
    if (!snapshot.ok) {
      if (snapshot.error.reason === "gateway_not_found" && !(await stub.get(ref)))
        throw new HttpError(proxyError("order_not_found"));
      throw new HttpError(snapshot.error);
    }
    if (snapshot.value.orderId !== ref.orderId) throw new HttpError(proxyError("order_mismatch"));
    const observed = orThrow(
      await stub.observe(ref, {
        source: "api",
        confirmed: true,
        gatewayStatus: snapshot.value.gatewayStatus,
        status: snapshot.value.status,
        amount: snapshot.value.amount,
        gatewayOrderRef: snapshot.value.gatewayOrderRef,
        details: snapshot.value.details,
      }),
    );
    return json({ ...observed.order, refunds: await stub.refunds(ref) });
  }
  const [order, refunds] = await Promise.all([stub.get(ref), stub.refunds(ref)]);
  if (!order) throw new HttpError(proxyError("order_not_found"));
  return json({ ...order, refunds });
}

export async function getOrderEvents(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref } = requireOrder(request, rc);
  const query = orThrow(parseOrFail(EventsQuerySchema, request.query));
  const stub = orderStub(rc.env, ref);
  const page = await stub.audit(ref, query.after ?? 0, query.limit ?? 100);
  if (!page) throw new HttpError(proxyError("order_not_found"));
  return json(page);
}
