/**
 * Nimbbl refunds server-to-server (nimbbl.md §3): `POST /v3/refund` with checkpost's deterministic
 * `refund_request_id`, and the refund's status from the transaction enquiry (no v3 refund-enquiry endpoint exists).
 *
 * `refund_request_id` is Nimbbl's only idempotency hook: it refuses a second refund with the same id while the first
 * is pending or succeeded. So a refusal is answered by looking that id up: if the refund exists, it is this one, and
 * a retry returns it instead of an error; a timeout is never resolved by sending again blindly.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { fromMajor, toMajorString } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import type { GatewayIO, RefundInput, RefundLookup } from "../types";
import type { RefundHint } from "../../core/model";
import { nimbblRequest } from "./client";
import { isRefundType, mapRefundStatus, refundHint } from "./map";
import { checkCurrency, enquire } from "./orders";
import type { TokenSettings } from "./token";
import { NimbblRefundResponseSchema } from "./wire";

export async function refundNimbbl(
  settings: TokenSettings,
  input: RefundInput,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const currency = checkCurrency(input.amount);
  if (!currency.ok) return currency;
  const reply = await nimbblRequest(settings, io, {
    operation: "refund",
    method: "POST",
    path: "/v3/refund",
    body: {
      invoice_id: input.orderId,
      // Exactly two decimals as text ("12.50"): the amount never passes through a float.
      refund_amount: toMajorString(input.amount),
      refund_request_id: input.gatewayRefundId,
    },
  });
  if (!reply.ok) {
    if (reply.error.reason !== "gateway_rejected") return reply;
    const known = await nimbblRefundStatus(
      settings,
      { orderId: input.orderId, gatewayRefundId: input.gatewayRefundId },
      io,
    );
    return known.ok ? known : reply;
  }
  const parsed = NimbblRefundResponseSchema.safeParse(reply.value);
  if (!parsed.success) {
    return err(proxyError("gateway_bad_response", { log: { gateway: "nimbbl", operation: "refund", check: "shape" } }));
  }
  const amount =
    parsed.data.refund_amount === undefined ? null : fromMajor(parsed.data.refund_amount, input.amount.currency);
  return ok({
    gatewayRefundId: parsed.data.refund_request_id ?? input.gatewayRefundId,
    gatewayRefundRef: parsed.data.transaction_id,
    status: mapRefundStatus(parsed.data.refund_status),
    gatewayStatus: parsed.data.refund_status,
    amount: amount?.ok ? amount.value : input.amount,
  });
}

/** The refund with this `refund_request_id` among the order's transactions, or `gateway_not_found`. */
export async function nimbblRefundStatus(
  settings: TokenSettings,
  lookup: RefundLookup,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const enquiry = await enquire(settings, lookup.orderId, io);
  if (!enquiry.ok) return enquiry;
  const found = (enquiry.value.transaction ?? []).find(
    (t) => isRefundType(t.transaction_type) && t.refund_request_id === lookup.gatewayRefundId,
  );
  if (!found) return err(proxyError("gateway_not_found", { detail: "no refund with this id at the gateway" }));
  const order = enquiry.value.order;
  return ok(refundHint(found, order.refund_details?.refundable_currency ?? order.currency));
}
