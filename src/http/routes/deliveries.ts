/**
 * Outbound event deliveries (product.md §2 and §4), for the merchant's operators:
 * - `GET /v1/deliveries?status=failed|pending|delivered` lists deliveries across orders from the KV index, newest
 *   first, a page at a time (`cursor`). KV is eventually consistent: a delivery can take a moment to appear under its
 *   new status. Each order's Durable Object stays the source of truth, and the two routes below read it.
 * - `GET /v1/deliveries/:id` one delivery with its latest attempts (status, latency, start of the answer).
 * - `POST /v1/deliveries/:id/retry` re-queues a failed, undeliverable or delivered (replay) event in its order's
 *   object, ahead of that order's later events, and lifts a 410 stop on the endpoint.
 */
import { proxyError } from "../../core/errors";
import { parseDeliveryId, type DeliveryKey } from "../../core/delivery";
import { clearEndpointGone, listDeliveries as listIndex } from "../../delivery/kv-index";
import { eventsEndpoint } from "../../delivery/run";
import { orderStub } from "../../storage/order-object";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { json } from "../respond";
import { DeliveriesQuerySchema, ORDER_ID_PATTERN } from "../schemas";
import { parseOrFail } from "../validate";

export async function listDeliveries(request: AppRequest, rc: RequestContext): Promise<Response> {
  const query = orThrow(parseOrFail(DeliveriesQuerySchema(), request.query));
  const page = await listIndex(rc.env.KV, query.status ?? "failed", query.limit ?? 50, query.cursor ?? null);
  return json(page);
}

export async function getDelivery(request: AppRequest, rc: RequestContext): Promise<Response> {
  const key = requireDeliveryKey(request);
  const ref = { gateway: key.gateway, orderId: key.orderId };
  const detail = await orderStub(rc.env, ref).delivery(ref, key.sequence);
  if (!detail) throw new HttpError(proxyError("delivery_not_found"));
  return json(detail);
}

export async function retryDelivery(request: AppRequest, rc: RequestContext): Promise<Response> {
  const key = requireDeliveryKey(request);
  const endpoint = eventsEndpoint(rc.config);
  if (!endpoint) throw new HttpError(proxyError("events_not_configured"));
  const ref = { gateway: key.gateway, orderId: key.orderId };
  const detail = orThrow(await orderStub(rc.env, ref).retryDelivery(ref, key.sequence));
  // The operator is asking for deliveries to resume: lift a 410 stop on the endpoint for every order.
  await clearEndpointGone(rc.env.KV, endpoint);
  rc.log.info("delivery re-queued", { gateway: key.gateway, order_id: key.orderId, sequence: key.sequence });
  return json(detail, 202);
}

function requireDeliveryKey(request: AppRequest): DeliveryKey {
  const key = parseDeliveryId(request.params["id"] ?? "");
  if (!key || !ORDER_ID_PATTERN.test(key.orderId)) throw new HttpError(proxyError("delivery_not_found"));
  return key;
}
