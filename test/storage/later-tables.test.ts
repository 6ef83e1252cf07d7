import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RefundRecord } from "../../src/core/refunds";
import type { OrderTx } from "../../src/storage/order/context";
import { findNote, loadMandate, mandateConfirmAt, mandateOwner, saveMandate } from "../../src/storage/order/mandate";
import { applyNote, notesToConfirm } from "../../src/storage/order/mandate-notes";
import { findRefund, listRefunds, pendingRefunds, saveRefund } from "../../src/storage/order/refund-rows";
import { atomic, getMeta, setMeta } from "../../src/storage/order/schema";
import { objectOf, type OrderObject, uniqueOrderId } from "../helpers";

const tablesOf = (sql: SqlStorage): string[] =>
  sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .toArray()
    .map((r) => r.name);

const BORN = ["audit", "order_doc", "outbox"];

function refund(id: string, now: number): RefundRecord {
  return {
    refund_id: id,
    gateway_refund_id: `g_${id}`,
    gateway_refund_ref: null,
    amount: 100,
    currency: "INR",
    status: "pending",
    phase: "recorded",
    gateway_status: null,
    reason: null,
    origin: "api",
    failure_code: null,
    requires_review: false,
    review_reason: null,
    created_at: now,
    updated_at: now,
  };
}

function txOf(sql: SqlStorage): OrderTx {
  return {
    sql,
    now: Date.now(),
    deliverable: false,
    earliestLook: 0,
    log: () => {
      throw new Error("no log expected");
    },
    eventQueued: false,
  };
}

describe("tables created on first use", () => {
  it("reads of refunds, idempotency keys, mandates and meta on a new object answer empty and create nothing", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("later")), (o: OrderObject, state) => {
      const sql = state.storage.sql;
      const ref = { gateway: "juspay" as const, orderId: "ord_none" };
      expect(listRefunds(sql)).toEqual([]);
      expect(pendingRefunds(sql)).toEqual([]);
      expect(findRefund(sql, "refund_id", "rf_1")).toBeNull();
      expect(findRefund(sql, "gateway_refund_ref", "ref_1")).toBeNull();
      expect(loadMandate(sql)).toBeNull();
      expect(mandateOwner(sql)).toBeNull();
      expect(mandateConfirmAt(sql)).toBeNull();
      expect(findNote(sql, "note_1")).toBeNull();
      expect(notesToConfirm(sql)).toEqual([]);
      expect(o.refunds(ref)).toEqual([]);
      expect(o.delivery(ref, 1)).toBeNull();
      expect(o.mandate(ref)).toBeNull();
      expect(getMeta(sql, "refund_poll")).toBeNull();
      expect(o.executionOf(ref)).toBeNull();
      expect(tablesOf(sql)).toEqual(BORN);
    });
  });

  it("the first refund, idempotency key, mandate, notification and meta value each create their table, in their transaction", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("later")), (o: OrderObject, state) => {
      const sql = state.storage.sql;
      const now = Date.now();
      atomic(state.storage, () => saveRefund(sql, refund("rf_1", now)));
      expect(tablesOf(sql)).toEqual([...BORN, "refunds"].sort());
      expect(findRefund(sql, "gateway_refund_id", "g_rf_1")?.refund_id).toBe("rf_1");

      expect(o.claimIdempotency("POST /v1/orders", "k1", "fp")).toEqual({ kind: "new" });
      expect(tablesOf(sql)).toContain("idempotency");
      o.completeIdempotency("POST /v1/orders", "k1", { kind: "response", status: 201, body: "{}" });
      expect(o.claimIdempotency("POST /v1/orders", "k1", "fp")).toMatchObject({ kind: "replay" });

      const tx = txOf(sql);
      atomic(state.storage, () => {
        saveMandate(sql, { mandate_id: "mnd_1", sequence: 0, confirm_at: null } as never);
        applyNote(tx, { ref: "n_1", id: null, status: "PENDING", amount: 100, txn_date: now });
      });
      expect(tablesOf(sql)).toEqual([...BORN, "idempotency", "mandate_doc", "mandate_notification", "refunds"].sort());
      atomic(state.storage, () => setMeta(sql, "refund_poll", "{}"));
      expect(tablesOf(sql)).toContain("meta");
      expect(getMeta(sql, "refund_poll")).toBe("{}");
      expect(loadMandate(sql)?.mandate_id).toBe("mnd_1");
      expect(findNote(sql, "n_1")?.status).toBe("PENDING");
    });
  });

  it("a transaction that rolls back takes the table it created with it, and the next write creates it again", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("later")), (_o: OrderObject, state) => {
      const sql = state.storage.sql;
      const now = Date.now();
      expect(() =>
        atomic(state.storage, () => {
          saveRefund(sql, refund("rf_1", now));
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(tablesOf(sql)).toEqual(BORN);
      expect(listRefunds(sql)).toEqual([]);
      atomic(state.storage, () => saveRefund(sql, refund("rf_2", now)));
      expect(listRefunds(sql).map((r) => r.refund_id)).toEqual(["rf_2"]);
    });
  });
});
