/** Webhook notices (a chargeback, a mandate event): kept on an order checkpost holds; never create one or a look. */
import { runInDurableObject } from "cloudflare:test";
import { getMeta } from "../../src/storage/order/schema";
import { describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../src/gateways/types";
import { objectOf, order, type OrderObject, uniqueOrderId } from "../helpers";

function notice(orderId: string, key = "evt_n1"): WebhookEvent {
  return {
    kind: "notice",
    reason: "chargeback: handled in the gateway's dashboard",
    eventType: "CHARGEBACK_RECEIVED",
    orderId,
    dedupeKeys: [`test:evt:${key}`],
    gatewayStatus: "CHARGED",
    status: null,
    amount: null,
    refund: null,
  };
}

const planned = (id: string) =>
  runInDurableObject(objectOf("juspay", id), (_obj: OrderObject, state) => {
    const sql = state.storage.sql;
    const poll = sql.exec("SELECT 'poll' AS key FROM order_doc WHERE poll IS NOT NULL").toArray();
    return getMeta(sql, "refund_poll") === null ? poll : [...poll, { key: "refund_poll" }];
  });

describe("a webhook notice", () => {
  it("about an order checkpost does not hold creates no order and records nothing", async () => {
    const id = uniqueOrderId("nt");
    const ref = { gateway: "juspay" as const, orderId: id };
    const res = await order("juspay", id).recordWebhook(ref, notice(id));
    expect(res.ok && res.value.outcome).toBe("not_recorded");
    expect(await order("juspay", id).get(ref)).toBeNull();
    expect(await planned(id)).toEqual([]);
  });

  it("is kept once in a held order's audit trail with its reason, and asks for no look", async () => {
    const id = uniqueOrderId("nt");
    const ref = { gateway: "juspay" as const, orderId: id };
    await order("juspay", id).register(ref, {
      amount: { minor: 100, currency: "INR" },
      customer: null,
      description: null,
      metadata: null,
    });
    await order("juspay", id).recordWebhook(ref, notice(id));
    const again = await order("juspay", id).recordWebhook(ref, notice(id));
    expect(again.ok && again.value.outcome).toBe("duplicate_event");
    const rows = (await order("juspay", id).audit(ref, 0, 50))?.data.filter((r) => r.kind === "notice_event") ?? [];
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).toContain("chargeback");
    expect(await planned(id)).toEqual([]);
  });
});
