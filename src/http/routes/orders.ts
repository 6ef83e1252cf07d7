/**
 * Merchant API for orders (product.md §2, `/v1`):
 * - `POST /v1/orders` registers the expected amount, then creates the order at the gateway (unless `register_only`).
 * - `GET /v1/orders/:gateway/:order_id[?refresh=true]` the unified order.
 * - `GET /v1/orders/:gateway/:order_id/events` the audit trail.
 */
import { errorStatus, proxyError, fieldError } from "../../core/errors";
import { IDEMPOTENCY_KEY_PATTERN, requestFingerprint } from "../../core/idempotency";
import { mandateProblems } from "../../core/mandate";
import { fromMinor } from "../../core/money";
import { orderToken } from "../../core/signing";
import { orderStub } from "../../storage/order-object";
import { type OrderRef } from "../../core/model";
import { readBody } from "../body";
import { parseJsonBody } from "../../core/body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import {
  gatewayIO,
  invalidOrderId,
  isValidOrderId,
  requireGateway,
  requireOrder,
  type ResolvedGateway,
} from "../gateway-context";
import { json, problemResponse, renderAnswer } from "../respond";
import { CreateOrderSchema, EventsQuerySchema, RefreshQuerySchema, type CreateOrderBody } from "../schemas";
import { parseOrFail } from "../validate";

/** Create failures after which no order can exist at the gateway: its 4xx, or the adapter's checks before sending. */
const NOTHING_CREATED: ReadonlySet<string> = new Set(["gateway_rejected", "validation_failed", "currency_unsupported"]);

/** Gateway failures a later try may not have: timeouts, outages, unusable answers. */
const TRANSIENT: ReadonlySet<string> = new Set(["gateway_unavailable", "gateway_timeout", "gateway_bad_response"]);

const CREATE_SCOPE = "POST /v1/orders";

/**
 * `POST /v1/orders`. With an `Idempotency-Key` (optional here, product.md §2) the order's Durable Object claims the
 * key first: a repeat with the same body replays the stored answer (`Idempotent-Replayed: true`), another body is
 * `422 idempotency_key_reused`, a repeat while the first runs is `409 idempotency_key_in_use`. A gateway outage is
 * not stored, so a retry with the same key runs again (the create path below is itself safe to repeat).
 */
export async function createOrder(request: AppRequest, rc: RequestContext): Promise<Response> {
  const key = request.headers.get("idempotency-key");
  if (key !== null && !IDEMPOTENCY_KEY_PATTERN.test(key)) throw new HttpError(proxyError("idempotency_key_invalid"));
  const raw = orThrow(parseJsonBody(orThrow(await readBody(request))));
  const body = orThrow(parseOrFail(CreateOrderSchema(), raw));
  if (rc.facts) rc.facts.gateway = body.gateway;
  const resolved = requireGateway(body.gateway, rc);
  if (!isValidOrderId(resolved.adapter, body.order_id)) throw invalidOrderId();
  const ref: OrderRef = { gateway: resolved.adapter.id, orderId: body.order_id };
  if (key === null) return createOrRegister(resolved, ref, body, rc);

  const stub = orderStub(rc.env, ref);
  const claim = await stub.claimIdempotency(CREATE_SCOPE, key, await requestFingerprint(CREATE_SCOPE, raw));
  switch (claim.kind) {
    case "replay":
      return renderAnswer(claim.answer, true);
    case "in_use":
      throw new HttpError(proxyError("idempotency_key_in_use"));
    case "reused":
      throw new HttpError(proxyError("idempotency_key_reused"));
    case "new":
      break;
  }
  let response: Response;
  try {
    response = await createOrRegister(resolved, ref, body, rc);
  } catch (error) {
    if (!(error instanceof HttpError) || errorStatus(error.problem) >= 500) {
      await stub.releaseIdempotency(CREATE_SCOPE, key);
      throw error;
    }
    response = problemResponse(error.problem, request, rc.requestId);
  }
  await stub.completeIdempotency(CREATE_SCOPE, key, {
    kind: "response",
    status: response.status,
    body: await response.clone().text(),
  });
  return response;
}

async function createOrRegister(
  resolved: ResolvedGateway,
  ref: OrderRef,
  body: CreateOrderBody,
  rc: RequestContext,
): Promise<Response> {
  const money = fromMinor(body.amount, body.currency);
  if (!money.ok) {
    throw new HttpError(fieldError("amount", "not a valid amount"));
  }
  if (body.mandate) {
    const fields = mandateProblems({
      mandate: body.mandate,
      gateway: body.gateway,
      amount: body.amount,
      registerOnly: body.register_only === true,
      customerId: body.customer?.id ?? null,
    });
    if (fields.length) throw new HttpError(proxyError("validation_failed", { fields }));
  }
  const input = {
    amount: money.value,
    customer: body.customer ?? null,
    description: body.description ?? null,
    metadata: body.metadata ?? null,
  };
  if (!body.register_only) {
    // What the gateway would refuse is refused here, before anything is stored (nimbbl.md §9: its `user` fields).
    const refused = resolved.client.checkCreate(input);
    if (refused) throw new HttpError(refused);
  }
  const stub = orderStub(rc.env, ref);
  if (body.register_only) {
    const registered = orThrow(await stub.register(ref, input));
    return json({ order: registered.order, next_action: null }, registered.created ? 201 : 200);
  }
  const base = rc.config.publicBaseUrl;
  if (!base) throw new HttpError(proxyError("gateway_not_configured", { detail: "PUBLIC_BASE_URL is not set" }));
  const token = await orderToken(rc.config.tokenSecrets, "return", ref.gateway, ref.orderId);
  if (!token && resolved.adapter.needsReturnToken)
    throw new HttpError(proxyError("gateway_not_configured", { detail: "CHECKPOST_SECRET is not set" }));
  // Registered and recorded as sent in one call, before the gateway call: from here on the order may exist at the
  // gateway even if the call times out. A repeat of a create the gateway answered answers from the stored result.
  const registered = orThrow(await stub.registerForCreate(ref, input));
  const { before } = registered;
  if (before.nextAction) return json({ order: registered.order, next_action: before.nextAction }, 200);

  const result = await resolved.client.createOrder(
    {
      ...input,
      orderId: ref.orderId,
      returnUrl: new URL(`/return/${ref.gateway}`, base),
      returnToken: token,
      sdk: body.sdk ?? false,
      expireAfterSeconds: body.expire_after_seconds ?? null,
      mandate: body.mandate ?? null,
    },
    gatewayIO(rc),
  );
  if (!result.ok) {
    rc.log.warn("gateway create failed", { gateway: ref.gateway, order_id: ref.orderId, reason: result.error.reason });
    if (NOTHING_CREATED.has(result.error.reason)) {
      if (before.attempted && result.error.reason === "gateway_rejected") {
        // An earlier create went unanswered (a timeout), so this refusal may only mean "that order already exists":
        // the order stays attempted and reconciliation confirms it, rather than it being forgotten (phonepe.md §4).
        await stub.requestReconcile(ref, "create refused after an unanswered create");
        throw new HttpError(
          proxyError("order_conflict", {
            detail: "an earlier create of this order may have reached the gateway; its status is being confirmed",
          }),
        );
      }
      // A definite refusal (by the gateway, or by the adapter before sending): nothing exists at the gateway.
      await stub.recordCreateRejected(ref, result.error.reason);
    }
    // An ambiguous failure is left to reconciliation.
    throw new HttpError(result.error);
  }
  const order = orThrow(await stub.recordCreated(ref, result.value));
  return json({ order, next_action: result.value.nextAction }, 201);
}

export async function getOrder(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref } = requireOrder(request, rc);
  const query = orThrow(parseOrFail(RefreshQuerySchema(), request.query));
  const stub = orderStub(rc.env, ref);
  if (query.refresh === "true") {
    // The merchant's own call: it joins a look in flight but is not held back by the look budget's gap.
    const { answer, refunds } = await stub.lookWithRefunds(
      ref,
      {
        source: "api",
        trusted: true,
        timeoutMs: rc.config.gatewayTimeoutMs ?? undefined,
      },
      rc.requestId,
    );
    if (answer.kind === "failed") {
      const { stage, error } = answer.failure;
      if (stage === "unanswered") {
        const known = await stub.get(ref);
        if (error.reason === "gateway_not_found" && !known) throw new HttpError(proxyError("order_not_found"));
        // The gateway could not answer now: nothing changes, and the alarm asks again until it does (product.md §7).
        if (known && TRANSIENT.has(error.reason)) await stub.requestReconcile(ref, `refresh: ${error.reason}`);
      }
      // An answer about another order (`other_order`) is `order_mismatch`, and nothing is recorded.
      throw new HttpError(error);
    }
    if (answer.kind !== "observed") throw new HttpError(proxyError("internal"));
    return json({ ...answer.result.order, refunds });
  }
  const [order, refunds] = await Promise.all([stub.get(ref), stub.refunds(ref)]);
  if (!order) throw new HttpError(proxyError("order_not_found"));
  return json({ ...order, refunds });
}

export async function getOrderEvents(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { ref } = requireOrder(request, rc);
  const query = orThrow(parseOrFail(EventsQuerySchema(), request.query));
  const stub = orderStub(rc.env, ref);
  const page = await stub.audit(ref, query.after ?? 0, query.limit ?? 100);
  if (!page) throw new HttpError(proxyError("order_not_found"));
  return json(page);
}
