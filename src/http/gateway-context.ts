/** Helpers routes use to reach a gateway and an order. */
import { proxyError } from "../core/errors";
import { GATEWAYS, gatewaySetup } from "../gateways";
import { fetchWithRequestId } from "../gateways/http";
import { type ConfiguredGateway, type GatewayAdapter, type GatewayIO } from "../gateways/types";
import { isGatewayId } from "../core/model";
import type { OrderRef } from "../core/model";
import { HttpError, type AppRequest, type RequestContext } from "./context";
import { ORDER_ID_PATTERN } from "./schemas";

export interface ResolvedGateway {
  readonly adapter: GatewayAdapter;
  readonly client: ConfiguredGateway;
}

/** The enabled gateway named by `:gateway`, or a 404 (`unknown_gateway`, `gateway_not_configured`). */
export function requireGateway(name: string | undefined, rc: RequestContext): ResolvedGateway {
  if (!name || !isGatewayId(name)) throw new HttpError(proxyError("unknown_gateway"));
  const setup = gatewaySetup(rc.env, name);
  if (setup.state !== "enabled") throw new HttpError(proxyError("gateway_not_configured"));
  return { adapter: GATEWAYS[name], client: setup.gateway };
}

/** Whether an order id is acceptable to checkpost and to this gateway. */
export function isValidOrderId(adapter: GatewayAdapter, orderId: string): boolean {
  return ORDER_ID_PATTERN.test(orderId) && adapter.isValidOrderId(orderId);
}

export function invalidOrderId(path = "order_id"): HttpError {
  return new HttpError(
    proxyError("validation_failed", { fields: [{ path, message: "not a valid order id for this gateway" }] }),
  );
}

/** The order named by `:gateway` and `:order_id`, validated for both checkpost and the gateway. */
export function requireOrder(request: AppRequest, rc: RequestContext): { ref: OrderRef } & ResolvedGateway {
  const resolved = requireGateway(request.params["gateway"], rc);
  const orderId = request.params["order_id"] ?? "";
  if (!isValidOrderId(resolved.adapter, orderId)) throw invalidOrderId();
  return { ref: { gateway: resolved.adapter.id, orderId }, ...resolved };
}

export function gatewayIO(rc: RequestContext): GatewayIO {
  return {
    fetch: fetchWithRequestId(rc.requestId, rc.env.METRICS),
    now: rc.now,
    kv: rc.env.KV,
    log: rc.log,
    timeoutMs: rc.config.gatewayTimeoutMs ?? undefined,
  };
}
