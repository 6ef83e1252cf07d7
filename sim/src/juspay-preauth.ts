/**
 * The simulated Juspay's pre-authorisation calls (juspay.md §12), on orders the checkout left AUTHORIZED
 * (`outcome=authorized`, `auto_capture=false`):
 * - `POST /v2/txns/:txn_uuid/capture`, optional form fields `amount` (rupees, ≤ 2 decimals) and `idempotence_key`
 *   (docs.juspay.io/api-reference/docs/preauth-and-capture/capture-api: "On successful partial capture, the API
 *   accepts an additional amount and idempotence_key … the order status updates to PARTIAL_CHARGED"). The answer is
 *   the Order Status object (developer.juspay.in/v3.2/reference/capture-api). Outcomes (the same page's table):
 *   CHARGED, CAPTURE_FAILED, CAPTURE_INITIATED, or AUTHORIZED ("Timeout/ No response from gateway"), chosen per order
 *   by `capture_outcome` on the control route.
 * - `POST /v2/txns/:txn_uuid/void` (docs.juspay.io/api-reference-global/docs/preauth-and-capture/void-api): VOIDED,
 *   VOID_INITIATED, VOID_FAILED or AUTHORIZED (`void_outcome`); on a CHARGED transaction the documented 400
 *   `{"error_message":"Cannot Void CHARGED Transaction","status":"Bad Request","error_code":"Invalid",…}`.
 * Where the docs are silent, the sim's readings: a capture of a transaction that is not AUTHORIZED is the same 400
 * shape ("Cannot Capture <status> Transaction", by analogy); a repeated `idempotence_key` answers the order
 * unchanged; an unknown `txn_uuid` is the documented 404 `object_not_found` (§9); the 7-day window is not modelled.
 * Webhooks: the docs name none for capture or void; after a capture that charged the sim sends ORDER_SUCCEEDED (the
 * order did succeed, §7), after a void nothing.
 */
import { allOrders, paiseFrom, renderOrder, setStatus, txnUuidOf, type SimOrder } from "./juspay-model";

type Fields = Record<string, unknown>;

/** Juspay's 400 shape for an operation on a transaction in the wrong state (void-api page, "Error Codes"). */
function wrongState(operation: "Capture" | "Void", status: string): Response {
  const message = `Cannot ${operation} ${status} Transaction`;
  return Response.json(
    {
      error_message: message,
      status: "Bad Request",
      error_code: "Invalid",
      error_info: {
        user_message: "Invalid request params. Please verify your input.",
        developer_message: message,
        code: "INVALID_INPUT",
        category: "USER_ERROR",
      },
    },
    { status: 400 },
  );
}

const invalid = (message: string) =>
  Response.json({ status: "Bad Request", error_code: "Invalid", error_message: message }, { status: 400 });

/** The order whose current transaction is `txnUuid` (only an order with an attempt has one). */
export function orderByTxn(txnUuid: string): SimOrder | null {
  return allOrders().find((o) => o.attempts > 0 && txnUuidOf(o) === txnUuid) ?? null;
}

/** "Alphanumeric and can have these special characters. (-_(}+~{.))" (…/simpl-pay-after-delivery-multiclaim/capture--void). */
const IDEMPOTENCE_KEY = /^[A-Za-z0-9\-_(}+~{.)]{1,64}$/;

function capture(order: SimOrder, fields: Fields, charged: (order: SimOrder) => Promise<unknown>): Response {
  const key = typeof fields["idempotence_key"] === "string" ? fields["idempotence_key"] : null;
  if (key !== null && order.capture_keys?.includes(key)) return Response.json(renderOrder(order));
  if (order.status !== "AUTHORIZED") return wrongState("Capture", order.status);
  let amount = order.amount;
  if (fields["amount"] !== undefined) {
    const asked = typeof fields["amount"] === "string" ? paiseFrom(fields["amount"]) : null;
    if (asked === null || asked <= 0) return invalid("Invalid amount");
    if (asked > order.amount) return invalid("Capture amount exceeds the authorized amount");
    if (key === null || !IDEMPOTENCE_KEY.test(key)) return invalid("idempotence_key is required for partial capture");
    amount = asked;
  }
  if (key !== null) order.capture_keys = [...(order.capture_keys ?? []), key];
  const outcome = order.capture_outcome ?? "CHARGED";
  if (outcome === "CHARGED") {
    setStatus(order, amount < order.amount ? "PARTIAL_CHARGED" : "CHARGED");
    order.captured = amount;
    void charged(order);
  } else if (outcome !== "AUTHORIZED") {
    setStatus(order, outcome);
  }
  return Response.json(renderOrder(order));
}

function voidTxn(order: SimOrder): Response {
  if (order.status !== "AUTHORIZED") return wrongState("Void", order.status);
  const outcome = order.void_outcome ?? "VOIDED";
  if (outcome !== "AUTHORIZED") setStatus(order, outcome);
  return Response.json(renderOrder(order));
}

/** `POST /v2/txns/:txn_uuid/:operation` on `order` (`orderByTxn`); `charged` sends the webhook a capture that charged causes. */
export function preauthCall(
  order: SimOrder | null,
  operation: string | undefined,
  fields: Fields,
  charged: (order: SimOrder) => Promise<unknown>,
): Response | null {
  if (operation !== "capture" && operation !== "void") return null;
  if (!order) {
    return Response.json(
      {
        status: "invalid_request_error",
        error_code: "object_not_found",
        error_message: "Cannot find what you are looking for",
      },
      { status: 404 },
    );
  }
  return operation === "capture" ? capture(order, fields, charged) : voidTxn(order);
}
