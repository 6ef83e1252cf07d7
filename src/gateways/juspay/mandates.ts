/**
 * Juspay's mandate calls (juspay.md §6, §12): the confirmation of a mandate's state from the customer's mandate
 * list. The session's registration fields are in map.ts (`mandateSessionFields`). Nothing here touches storage.
 */
import * as z from "zod/mini";
import { once } from "../../core/once";
import type { MandateSnapshot } from "../../core/mandate";
import { toMajorString, type Money } from "../../core/money";
import { ok, type Result } from "../../core/result";
import type { ProxyError } from "../../core/errors";
import type { GatewayIO } from "../types";
import { juspayCall, listMandates, routeOf } from "./client";
import type { JuspaySettings } from "./config";
import { juspayMoney } from "./map";
import { orNull, type JuspayListedMandate } from "./wire";

const text = (v: unknown): string | null =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;

function toMandateSnapshot(m: JuspayListedMandate): MandateSnapshot {
  const currency = m.currency ?? "INR";
  return {
    mandate_id: m.mandate_id,
    gateway_status: text(m.mandate_status ?? m.status) ?? "UNKNOWN",
    max_amount: juspayMoney(m.max_amount, currency)?.minor ?? null,
    currency,
    frequency: text(m.frequency),
    amount_rule: text(m.amount_rule),
    mandate_type: text(m.mandate_type),
    start_date: text(m.start_date),
    end_date: text(m.end_date),
  };
}

/**
 * A mandate's state as Juspay lists it now (`GET /customers/{id}/mandates`, juspay.md §6: the list includes revoked,
 * expired and failed mandates), or null when the customer's list does not show it (unconfirmed, never final).
 */
export async function confirmMandate(
  settings: JuspaySettings,
  io: GatewayIO,
  mandateId: string,
  customerId: string,
): Promise<Result<MandateSnapshot | null, ProxyError>> {
  const list = await listMandates(settings, io, customerId);
  if (!list.ok) return list;
  const items = Array.isArray(list.value) ? list.value : list.value.list;
  const found = items.find((m) => m.mandate_id === mandateId);
  return ok(found ? toMandateSnapshot(found) : null);
}

/** `POST /txns` answer (juspay.md §12): `{txn_uuid, txn_id, status: "PENDING_VBV", order_id, payment{…}}`. */
const JuspayTxnSchema = once(() =>
  z.looseObject({
    order_id: z.nullish(z.string()),
    txn_uuid: orNull(z.nullish(z.string())),
    status: orNull(z.nullish(z.string())),
  }),
);

export interface MandateDebit {
  readonly orderId: string;
  readonly amount: Money;
  readonly customerId: string;
  readonly mandateId: string;
  readonly executionDate: number | null;
  readonly notificationId: string | null;
}

/**
 * Mandate execution, `POST /txns`, form-encoded (juspay.md §6, §12: juspay.io/in/docs/payment-page-enterprise/web/
 * mandates/mandate-execution-api): a new `order.order_id` per debit, the amount in rupees, `mandate_id`,
 * `merchant_id`, `format=json`, `mandate.execution_date` (epoch s) and `mandate.notification_id` (UPI) when given.
 * Never retried here: the caller records the attempt first and, on a lost answer, reads Order Status instead.
 */
export function executeMandate(settings: JuspaySettings, io: GatewayIO, d: MandateDebit) {
  const form: Record<string, string> = {
    "order.order_id": d.orderId,
    "order.amount": toMajorString(d.amount),
    "order.customer_id": d.customerId,
    mandate_id: d.mandateId,
    merchant_id: settings.merchantId,
    format: "json",
  };
  if (d.executionDate !== null) form["mandate.execution_date"] = String(d.executionDate);
  if (d.notificationId !== null) form["mandate.notification_id"] = d.notificationId;
  return juspayCall(settings, io, {
    operation: "mandate_execute",
    method: "POST",
    path: "/txns",
    route: routeOf(d.orderId, d.customerId),
    schema: JuspayTxnSchema(),
    body: { form },
    // JOSE mode: `/v4/txns` (Node SDK expresscheckout-nodejs@1.0.0; juspay.md §12, inferred), the same fields as JSON.
    v4: { path: "/v4/txns", body: form },
  });
}

/** A notification (juspay.md §12): `{id, object:"notification", object_reference_id, status, …}`. */
const JuspayNotificationSchema = once(() =>
  z.looseObject({
    id: z.string().check(z.minLength(1)),
    object_reference_id: orNull(z.nullish(z.string())),
    status: z.string().check(z.minLength(1)),
  }),
);

export interface PreDebitNotice {
  readonly mandateId: string;
  readonly customerId: string;
  /** ≤ 25 alphanumeric, derived by the caller so that a retry never notifies twice. */
  readonly reference: string;
  readonly amount: Money;
  readonly txnDate: number;
  readonly description: string | null;
}

/**
 * Pre-debit notification, `POST /mandates/{mandate_id}` form `command=pre_debit_notify` (juspay.md §12:
 * developer.juspay.in/reference/notification-api): `object_reference_id`, `source_info` as a JSON string
 * `{"amount":"<rupees>","txn_date":"<epoch s>"}`, `description` (≤ 50).
 */
export function notifyMandate(settings: JuspaySettings, io: GatewayIO, n: PreDebitNotice) {
  const sourceInfo = JSON.stringify({ amount: toMajorString(n.amount), txn_date: String(n.txnDate) });
  return juspayCall(settings, io, {
    operation: "mandate_notify",
    method: "POST",
    path: `/mandates/${encodeURIComponent(n.mandateId)}`,
    route: routeOf(n.mandateId, n.customerId),
    schema: JuspayNotificationSchema(),
    body: {
      form: {
        command: "pre_debit_notify",
        object_reference_id: n.reference,
        source_info: sourceInfo,
        ...(n.description ? { description: n.description } : {}),
      },
    },
  });
}

/** `GET /notifications/{id}` (developer.juspay.in/reference/notification-status-api). */
export function notificationStatus(settings: JuspaySettings, io: GatewayIO, id: string, customerId: string) {
  return juspayCall(settings, io, {
    operation: "notification_status",
    method: "GET",
    path: `/notifications/${encodeURIComponent(id)}`,
    route: { routingId: customerId, customerId },
    schema: JuspayNotificationSchema(),
  });
}

/** `command=cancel_recurring_transaction` → `{order_id, txn_uuid, txn_status: "JUSPAY_DECLINED", …}` (§6). */
const JuspayCancelSchema = once(() => z.looseObject({ txn_status: orNull(z.nullish(z.string())) }));

/** Stops a scheduled debit (`POST /mandates/{mandate_id}`, juspay-sdk-integration-demo `mandate_status/*`). */
export function cancelDebit(
  settings: JuspaySettings,
  io: GatewayIO,
  mandateId: string,
  orderId: string,
  customerId: string | null,
) {
  return juspayCall(settings, io, {
    operation: "cancel_recurring_transaction",
    method: "POST",
    path: `/mandates/${encodeURIComponent(mandateId)}`,
    route: routeOf(orderId, customerId),
    schema: JuspayCancelSchema(),
    body: { form: { command: "cancel_recurring_transaction", order_id: orderId } },
  });
}
