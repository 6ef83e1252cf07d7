/**
 * `POST /webhooks/:gateway`, the same for every gateway (product.md §2): read the raw bytes once (413 over 64 KiB),
 * authenticate them exactly as the gateway specifies (401, nothing stored), record the event durably in the order's
 * Durable Object, then acknowledge. A final transition is applied only after the object confirms it with the gateway.
 */
import { mandateRef } from "../../core/mandate";
import { orderStub } from "../../storage/order-object";
import { readBody } from "../body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { isValidOrderId, requireGateway } from "../gateway-context";
import { json } from "../respond";

/** Juspay mandate ids (`mnd_…`), as `/v1/juspay/mandates/:mandate_id` accepts them. */
const MANDATE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function handleWebhook(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { adapter, client } = requireGateway(request.params["gateway"], rc);
  const bytes = orThrow(await readBody(request));
  const verified = await client.verifyWebhook({ bytes, headers: request.headers }, rc.now());
  if (!verified.ok) {
    rc.log.warn("webhook rejected", { gateway: adapter.id, reason: verified.error.reason, ...verified.error.log });
    throw new HttpError(verified.error);
  }
  const event = verified.value;
  if (event.kind === "ignored") {
    // Authentic, but not about anything checkpost tracks (another product's events): no order, no poll.
    rc.log.info("webhook acknowledged, not recorded", {
      gateway: adapter.id,
      event: event.eventType,
      reason: event.reason,
    });
    return json({ received: true, recorded: false });
  }
  const mandate = event.mandate && MANDATE_ID.test(event.mandate.mandateId) ? event.mandate : null;
  let mandateDuplicate: boolean | null = null;
  if (mandate) {
    // A mandate event goes to the mandate's object first: recorded, and confirmed there before any mandate event.
    const ref = mandateRef(mandate.mandateId);
    const orderId = event.orderId !== null && isValidOrderId(adapter, event.orderId) ? event.orderId : null;
    const hook = {
      mandateId: mandate.mandateId,
      eventType: event.eventType,
      claimed: event.gatewayStatus,
      dedupeKeys: [
        ...event.dedupeKeys,
        `juspay:mandate:${event.eventType}:${event.gatewayStatus}:${mandate.notification ?? ""}`,
      ],
      links: { customerId: mandate.customerId, orderId },
      notification: mandate.notification,
    };
    mandateDuplicate = (await orderStub(rc.env, ref).mandateWebhook(ref, hook)).duplicate;
    rc.log.info("mandate webhook recorded", {
      gateway: adapter.id,
      event: event.eventType,
      duplicate: mandateDuplicate,
    });
  }
  if (event.orderId === null || !isValidOrderId(adapter, event.orderId)) {
    if (mandateDuplicate !== null) return json({ received: true, recorded: true, duplicate: mandateDuplicate });
    // Authentic but not about an order checkpost can address (the same id rules as every other route, so no order
    // is ever recorded that `/v1` could not read): acknowledged so the gateway stops retrying.
    rc.log.warn("webhook without a usable order id", { gateway: adapter.id, event: event.eventType });
    return json({ received: true, recorded: false });
  }
  const ref = { gateway: adapter.id, orderId: event.orderId };
  const recorded = orThrow(await orderStub(rc.env, ref).recordWebhook(ref, event));
  rc.log.info("webhook recorded", {
    gateway: adapter.id,
    order_id: event.orderId,
    event: event.eventType,
    outcome: recorded.outcome,
  });
  if (mandateDuplicate !== null) return json({ received: true, recorded: true, duplicate: mandateDuplicate });
  if (recorded.outcome === "not_recorded") return json({ received: true, recorded: false });
  return json({ received: true, recorded: true, duplicate: recorded.outcome === "duplicate_event" });
}
