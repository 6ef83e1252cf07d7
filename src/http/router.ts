/** The route table, and nothing else: every handler lives in `routes/`. */
import {
  cancelJuspayExecution,
  executeJuspayMandate,
  getJuspayMandate,
  notifyJuspayMandate,
} from "./routes/juspay-mandates";
// The subpath: the package index also brings its response formatters (text, html, jpeg, png, webp), unused.
import { Router } from "itty-router/Router";
import { authenticateApiKey } from "./auth";
import { HttpError, type AppRequest, type AppRouter, type RequestContext } from "./context";
import { healthz, v1Health } from "./routes/health";
import {
  handleJuspayResponse,
  listCustomerMandates,
  revokeJuspayMandate,
  signedSdkPayload,
  updateJuspayOrder,
} from "./routes/juspay";
import { captureJuspayOrder, voidJuspayOrder } from "./routes/juspay-preauth";
import { corsPreflight, withCors } from "./cors";
import { limitByClientIp } from "./rate-limit";
import { createOrder, getOrder, getOrderEvents } from "./routes/orders";
import { getDelivery, listDeliveries, retryDelivery } from "./routes/deliveries";
import { getSummary, listOrders } from "./routes/listing";
import { createRefund, getRefund, markRefundFailed } from "./routes/refunds";
import { handleReturn } from "./routes/return";
import { statusPage } from "./routes/status-page";
import { handleWebhook } from "./routes/webhook";

async function requireApiKey(request: AppRequest, rc: RequestContext): Promise<undefined> {
  const auth = await authenticateApiKey(request.headers.get("authorization"), rc.config.apiKeys);
  if (!auth.ok) throw new HttpError(auth.error);
  return undefined;
}

export function buildRouter(): AppRouter {
  const router: AppRouter = Router<AppRequest, [RequestContext], Response | undefined>();
  router
    .get("/healthz", healthz)
    .all("/v1/*", requireApiKey)
    .get("/v1/health", v1Health)
    .post("/v1/orders", createOrder)
    .get("/v1/orders", listOrders)
    .get("/v1/summary", getSummary)
    .get("/v1/orders/:gateway/:order_id", getOrder)
    .get("/v1/orders/:gateway/:order_id/events", getOrderEvents)
    .post("/v1/orders/:gateway/:order_id/refunds", createRefund)
    .get("/v1/orders/:gateway/:order_id/refunds/:refund_id", getRefund)
    .post("/v1/orders/:gateway/:order_id/refunds/:refund_id/mark-failed", markRefundFailed)
    .get("/v1/deliveries", listDeliveries)
    .get("/v1/deliveries/:id", getDelivery)
    .post("/v1/deliveries/:id/retry", retryDelivery)
    // Public routes that can cause a gateway call: limited per client IP first (rate-limit.ts). Webhooks are not.
    .get("/return/:gateway", limitByClientIp("return"), handleReturn)
    .post("/return/:gateway", limitByClientIp("return"), handleReturn)
    .post("/webhooks/:gateway", handleWebhook)
    .get("/status/:gateway/:order_id", statusPage)
    // Juspay's own routes (product.md §2).
    .post("/handleJuspayResponse", withCors(limitByClientIp("juspay_response"), handleJuspayResponse))
    .options("/handleJuspayResponse", corsPreflight)
    .post("/v1/orders/juspay/:order_id/update", updateJuspayOrder)
    .post("/v1/orders/juspay/:order_id/capture", captureJuspayOrder)
    .post("/v1/orders/juspay/:order_id/void", voidJuspayOrder)
    .get("/v1/juspay/customers/:customer_id/mandates", listCustomerMandates)
    .post("/v1/juspay/mandates/:mandate_id/revoke", revokeJuspayMandate)
    .get("/v1/juspay/mandates/:mandate_id", getJuspayMandate)
    .post("/v1/juspay/mandates/:mandate_id/execute", executeJuspayMandate)
    .post("/v1/juspay/mandates/:mandate_id/notify", notifyJuspayMandate)
    .post("/v1/orders/juspay/:order_id/cancel-execution", cancelJuspayExecution)
    .post("/v1/juspay/sdk/signed-payload", signedSdkPayload);
  return router;
}

/** Whether some route matches the path under another method (405 rather than 404). */
export function pathHasOtherMethods(router: AppRouter, request: Request): boolean {
  const path = new URL(request.url).pathname;
  return router.routes.some(([method, match]) => method !== "ALL" && method !== request.method && match.test(path));
}
