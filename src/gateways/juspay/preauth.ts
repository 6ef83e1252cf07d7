/**
 * Juspay pre-authorisation (juspay.md §12): capture or void a transaction Juspay holds as AUTHORIZED
 * (`auto_capture=false`). Both are `POST /v2/txns/{txn_uuid}/…` with Basic auth and answer the Order Status object
 * (developer.juspay.in/v3.2/reference/capture-api: "The response for the Capture Transaction API is an Order
 * Object"; …/v3.2/docs/void-transaction-1 likewise), read with the order schema and mapped like any status answer.
 *
 * - Capture: docs.juspay.io/api-reference/docs/preauth-and-capture/capture-api. Full capture sends no body
 *   (juspay.io/ec-api-global/…/capture-api: "If amount parameter is not specified … the full authorized amount");
 *   a partial capture sends `amount` (rupees, an exact 2-decimal string, §4) and `idempotence_key`, form-encoded (the
 *   documented curl sends `Content-Type: application/x-www-form-urlencoded`: juspay.io/in/docs/payment-method-
 *   integrations/hypercheckout/consumer-finance/api). Outcomes: CHARGED, PARTIAL_CHARGED, CAPTURE_FAILED,
 *   CAPTURE_INITIATED, or AUTHORIZED on a gateway timeout.
 * - Void: docs.juspay.io/api-reference-global/docs/preauth-and-capture/void-api. Outcomes: VOIDED, VOID_INITIATED,
 *   VOID_FAILED, AUTHORIZED on a timeout; "Cannot Void CHARGED Transaction" is a 400.
 *
 * There is no `/v4` (JOSE) form of either call: they always go through `juspayCall`.
 */
import { sha256, toHex } from "../../core/crypto";
import type { ProxyError } from "../../core/errors";
import { toMajorString, type Money } from "../../core/money";
import type { JsonValue } from "../../core/model";
import type { Result } from "../../core/result";
import type { GatewayIO, StatusSnapshot } from "../types";
import { juspayCall, routeOf } from "./client";
import type { JuspaySettings } from "./config";
import { toSnapshot } from "./map";
import { JuspayOrderSchema } from "./wire";

export type PreauthAction = "capture" | "void";

export interface PreauthInput {
  readonly action: PreauthAction;
  readonly orderId: string;
  readonly customerId: string | null;
  /** From Order Status: `txn_uuid` or `txn_detail.txn_uuid` (`details.txn_uuid` on checkpost's order). */
  readonly txnUuid: string;
  /** A partial capture only: the amount to capture and its `idempotence_key` (`partialCaptureKey`). */
  readonly partial?: { readonly amount: Money; readonly key: string } | undefined;
}

/**
 * The `idempotence_key` of a partial capture, derived from the order and the merchant's `Idempotency-Key`, so a
 * retry of one request always carries the same key. The docs allow "alphanumeric and … (-_(}+~{.)" and give no
 * length (docs.juspay.io/payment-method-integrations/express-checkout-api/simpl-pay-after-delivery-multiclaim/
 * capture--void); checkpost sends 20 alphanumerics, the `unique_request_id` limit (§5), the strictest Juspay has.
 */
export async function partialCaptureKey(orderId: string, idempotencyKey: string): Promise<string> {
  return `cap${toHex(await sha256(`checkpost-capture:v1:${orderId}:${idempotencyKey}`)).slice(0, 17)}`;
}

/** The transaction to capture or void, from the order's surfaced details (`orderDetails` in map.ts). */
export function txnUuidOf(details: Readonly<Record<string, JsonValue>>): string | null {
  const value = details["txn_uuid"];
  return typeof value === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null;
}

/** `POST /v2/txns/{txn_uuid}/capture|void`, answered as a status snapshot (NOT_FOUND is `gateway_not_found`). */
export async function juspayPreauth(
  settings: JuspaySettings,
  io: GatewayIO,
  input: PreauthInput,
): Promise<Result<StatusSnapshot, ProxyError>> {
  const partial = input.partial;
  const answer = await juspayCall(settings, io, {
    operation: input.action,
    method: "POST",
    path: `/v2/txns/${encodeURIComponent(input.txnUuid)}/${input.action}`,
    route: routeOf(input.orderId, input.customerId),
    schema: JuspayOrderSchema(),
    ...(partial ? { body: { form: { amount: toMajorString(partial.amount), idempotence_key: partial.key } } } : {}),
  });
  return answer.ok ? toSnapshot(answer.value) : answer;
}
