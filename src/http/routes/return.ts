/**
 * The customer's return leg, the same for every gateway (product.md §2):
 * verify what the browser carried (401, no gateway call, no state change when it does not verify) → Order Status
 * server-to-server → check it is the same order → record through the order's Durable Object (which checks amount
 * and currency) → 303 to `MERCHANT_RETURN_URL` with checkpost's signed result, or to the hosted status page.
 * The status shown is always the one established server-to-server; the redirect target never comes from the request.
 */
import { sha256, toHex } from "../../core/crypto";
import { proxyError, fieldError } from "../../core/errors";
import type { PublicOrder } from "../../core/order";
import { orderToken, signRedirectParams } from "../../core/signing";
import { orderStub } from "../../storage/order-object";
import { readBody } from "../body";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { isValidOrderId, requireGateway } from "../gateway-context";

export async function handleReturn(request: AppRequest, rc: RequestContext): Promise<Response> {
  const { adapter, client } = requireGateway(request.params["gateway"], rc);
  const method = request.method === "POST" ? "POST" : "GET";
  const body = method === "POST" ? orThrow(await readBody(request)) : new Uint8Array(0);
  const verified = await client.verifyReturn(
    { method, url: new URL(request.url), body, contentType: request.headers.get("content-type") },
    rc.now(),
  );
  if (!verified.ok) {
    rc.log.warn("return leg rejected", { gateway: adapter.id, reason: verified.error.reason, ...verified.error.log });
    throw new HttpError(verified.error);
  }
  const { orderId, gatewayStatus } = verified.value;
  if (!isValidOrderId(adapter, orderId)) {
    throw new HttpError(fieldError("order_id", "not a valid order id"));
  }
  const ref = { gateway: adapter.id, orderId };
  const stub = orderStub(rc.env, ref);

  // Through the order's look budget (storage/order/looks.ts): a replay of this leg for a succeeded order, or one
  // within 2 s of the last look, is answered from checkpost's state with no gateway call.
  const answer = await stub.look(
    ref,
    {
      source: "return",
      trusted: false,
      note: gatewayStatus ? `browser said ${gatewayStatus}` : undefined,
      timeoutMs: rc.config.gatewayTimeoutMs ?? undefined,
      triggerKey: await returnLegKey(orderId, gatewayStatus),
    },
    rc.requestId,
  );
  switch (answer.kind) {
    case "observed":
      return resultRedirect(answer.result.order, rc, new URL(request.url));
    case "held":
      return resultRedirect(answer.order, rc, new URL(request.url));
    case "busy":
      throw new HttpError(proxyError("rate_limited", { retryAfter: answer.retryAfter }));
    case "unknown":
      throw new HttpError(proxyError("order_not_found"));
    case "failed": {
      const { stage, error } = answer.failure;
      if (stage === "unanswered") {
        // No state change; the alarm confirms the order once the gateway answers again.
        await stub.requestReconcile(ref, `return leg: ${error.reason}`);
        rc.log.warn("return leg status call failed", { gateway: adapter.id, order_id: orderId, reason: error.reason });
      } else {
        rc.log.error("gateway status answered for another order", { gateway: adapter.id, order_id: orderId });
      }
      throw new HttpError(error);
    }
  }
}

/**
 * What identifies a return leg for the audit trail: only what was verified (the order and the status the gateway
 * signed, where it signs one), never the raw URL, so a stranger cannot mint new rows by appending parameters. Repeats
 * of the same verified leg are counted on its first row.
 */
async function returnLegKey(orderId: string, gatewayStatus: string | null): Promise<string> {
  return `return:${toHex(await sha256(`${orderId}\n${gatewayStatus ?? ""}`)).slice(0, 32)}`;
}

/** 303 to the merchant's return URL with the signed result, or to the hosted status page. */
export async function resultRedirect(order: PublicOrder, rc: RequestContext, requestUrl: URL): Promise<Response> {
  const headers = new Headers({ "cache-control": "no-store", "referrer-policy": "no-referrer" });
  const target = rc.config.merchantReturnUrl;
  if (target) {
    const url = new URL(target);
    const status = order.requires_review ? "requires_review" : order.status;
    url.searchParams.set("gateway", order.gateway);
    url.searchParams.set("order_id", order.order_id);
    url.searchParams.set("status", status);
    url.searchParams.set("amount", order.amount === null ? "" : String(order.amount));
    url.searchParams.set("currency", order.currency ?? "");
    url.searchParams.set("ts", String(Math.floor(rc.now() / 1000)));
    const signature = await signRedirectParams(rc.config.merchantSecrets, [...url.searchParams.entries()]);
    if (signature) {
      url.searchParams.set("signature", signature);
      headers.set("location", url.toString());
      return new Response(null, { status: 303, headers });
    }
    rc.log.error("MERCHANT_RETURN_URL without MERCHANT_WEBHOOK_SECRET: the customer goes to the status page");
  }
  headers.set("location", await statusPageUrl(order, rc, requestUrl));
  return new Response(null, { status: 303, headers });
}

export async function statusPageUrl(
  order: { gateway: string; order_id: string },
  rc: RequestContext,
  requestUrl: URL,
): Promise<string> {
  const base = rc.config.publicBaseUrl ?? requestUrl;
  const url = new URL(`/status/${order.gateway}/${encodeURIComponent(order.order_id)}`, base);
  const token = await orderToken(rc.config.tokenSecrets, "status", order.gateway, order.order_id);
  if (token) url.searchParams.set("t", token);
  else rc.log.error("CHECKPOST_SECRET is not set: no status page, the customer gets an error page");
  return url.toString();
}
