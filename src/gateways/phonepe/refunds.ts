/**
 * Refund (`POST /payments/v2/refund`) and Refund Status (`GET /payments/v2/refund/{merchantRefundId}/status`),
 * phonepe.md §4. The caller persists `merchantRefundId` before the POST and, after a timeout or 5xx, asks for its
 * status instead of posting again; nothing here retries (a 401 excepted, see `client.ts`).
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { err, ok, type Result } from "../../core/result";
import type { GatewayIO, RefundInput, RefundLookup } from "../types";
import type { RefundHint } from "../../core/model";
import { pgRead, type PhonePeClient } from "./client";
import { refundHint } from "./map";
import { invalidField } from "./orders";
import { ID_RULE, PHONEPE_ID_PATTERN, PhonePeRefundResponseSchema, PhonePeRefundStatusSchema } from "./wire";

/**
 * `merchantRefundId` is documented as at most 63 characters and unique; checkpost mints it, and holds it to the
 * order-id charset too, since it goes into a URL path on the status call.
 */
function checkIds(orderId: string, refundId: string): ProxyError | null {
  if (!PHONEPE_ID_PATTERN.test(orderId)) return invalidField("order_id", ID_RULE);
  if (!PHONEPE_ID_PATTERN.test(refundId)) return invalidField("refund_id", ID_RULE);
  return null;
}

export async function refund(
  client: PhonePeClient,
  input: RefundInput,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const invalid = checkIds(input.orderId, input.gatewayRefundId);
  if (invalid) return err(invalid);
  if (input.amount.currency !== "INR")
    return err(proxyError("currency_unsupported", { detail: "PhonePe takes INR only" }));
  if (input.amount.minor < 1) return err(invalidField("amount", "must be at least 1 paisa"));
  const body = {
    merchantRefundId: input.gatewayRefundId,
    originalMerchantOrderId: input.orderId,
    amount: input.amount.minor,
  };
  const path = "/payments/v2/refund";
  const created = await pgRead(
    client,
    io,
    { operation: "refund", method: "POST", path, body },
    PhonePeRefundResponseSchema,
  );
  if (!created.ok) return created;
  return ok(refundHint(created.value, input.gatewayRefundId));
}

export async function refundStatus(
  client: PhonePeClient,
  lookup: RefundLookup,
  io: GatewayIO,
): Promise<Result<RefundHint, ProxyError>> {
  const invalid = checkIds(lookup.orderId, lookup.gatewayRefundId);
  if (invalid) return err(invalid);
  const path = `/payments/v2/refund/${encodeURIComponent(lookup.gatewayRefundId)}/status`;
  const status = await pgRead(
    client,
    io,
    { operation: "refund_status", method: "GET", path },
    PhonePeRefundStatusSchema,
  );
  if (!status.ok) return status;
  const { originalMerchantOrderId: orderId, merchantRefundId: refundId } = status.value;
  if ((orderId && orderId !== lookup.orderId) || (refundId && refundId !== lookup.gatewayRefundId)) {
    return err(proxyError("order_mismatch", { log: { gateway: "phonepe", operation: "refund_status" } }));
  }
  return ok(refundHint(status.value, lookup.gatewayRefundId));
}
