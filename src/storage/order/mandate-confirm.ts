/**
 * The mandate object's confirmation call (storage/order/mandate.ts): when a webhook made one due, Juspay's list of
 * the customer's mandates (`gateways/juspay/mandates.ts`) says what the mandate's state is. A failure, a mandate the
 * list does not show, or an unknown customer leaves the mandate as it was and retries later (never final).
 */
import type { Env } from "../../env";
import { juspaySetup } from "../../gateways/juspay/config";
import { confirmMandate, notificationStatus } from "../../gateways/juspay/mandates";
import type { GatewayIO } from "../../gateways/types";
import type { OrderTx } from "./context";
import { confirmFailed, loadMandate, observeMandate } from "./mandate";
import { applyNote, notesToConfirm } from "./mandate-notes";

export async function confirmDueMandate(deps: {
  readonly sql: SqlStorage;
  readonly env: Env;
  readonly io: GatewayIO;
  readonly now: number;
  /** `force`: `?refresh=true`, due or not. */
  readonly force?: boolean;
  step<T>(fn: (tx: OrderTx) => T): T;
}): Promise<void> {
  const m = loadMandate(deps.sql);
  if (!m || (!deps.force && (m.confirm_at === null || m.confirm_at > deps.now))) return;
  const setup = juspaySetup(deps.env);
  if (setup.state !== "enabled" || !m.customer_id) {
    deps.step((tx) => confirmFailed(tx, m.customer_id ? "juspay_not_configured" : "customer_unknown"));
    return;
  }
  // Notifications a NOTIFICATION_* webhook named: each confirmed by its own status call (at most 3 per run).
  for (const note of notesToConfirm(deps.sql).slice(0, 3)) {
    const got = await notificationStatus(setup.settings, deps.io, note.id ?? "", m.customer_id);
    if (got.ok) deps.step((tx) => applyNote(tx, { ...note, status: got.value.status }));
  }
  const found = await confirmMandate(setup.settings, deps.io, m.mandate_id, m.customer_id);
  deps.step((tx) => {
    if (found.ok && found.value) {
      observeMandate(tx, { snapshot: found.value, links: { customerId: null, orderId: null }, source: "mandate_list" });
    } else confirmFailed(tx, found.ok ? "not_listed" : found.error.reason);
  });
}
