/**
 * Juspay's mandate calls (juspay.md §6, §12): the confirmation of a mandate's state from the customer's mandate
 * list. The session's registration fields are in map.ts (`mandateSessionFields`). Nothing here touches storage.
 */
import type { MandateSnapshot } from "../../core/mandate";
import { ok, type Result } from "../../core/result";
import type { ProxyError } from "../../core/errors";
import type { GatewayIO } from "../types";
import { listMandates } from "./client";
import type { JuspaySettings } from "./config";
import { juspayMoney } from "./map";
import type { JuspayListedMandate } from "./wire";

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
