/**
 * De-duplication keys live on their delivery's audit row (`src/storage/order/dedupe.ts`): written by the same INSERT,
 * matched exactly, forgotten after `DEDUPE_RETENTION_MS`, confirmed only by a status call that bears out the claim.
 * Objects created before keep the keys of their `dedupe` table (migration 8).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newOrder } from "../../src/core/order";
import type { WebhookEvent } from "../../src/gateways/types";
import type { OrderTx } from "../../src/storage/order/context";
import { confirmClaims, DEDUPE_RETENTION_MS, remembered, seenBefore } from "../../src/storage/order/dedupe";
import { audit } from "../../src/storage/order/record";
import { migrate, MIGRATIONS } from "../../src/storage/order/schema";
import { objectOf, type OrderObject, uniqueOrderId } from "../helpers";

function txAt(sql: SqlStorage, now: number): OrderTx {
  return {
    sql,
    now,
    deliverable: false,
    earliestLook: 0,
    log: () => {
      throw new Error("not logged in these tests");
    },
    eventQueued: false,
  };
}

function inNewObject<T>(fn: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(objectOf("juspay", uniqueOrderId("dedupe")), (_o: OrderObject, state) =>
    fn(state.storage.sql),
  );
}

function auditRows(sql: SqlStorage) {
  return sql.exec("SELECT seq, repeats, keys, claimed, confirmed FROM audit ORDER BY seq").toArray();
}

function paymentEvent(orderId: string, key: string): WebhookEvent {
  return {
    kind: "payment",
    eventType: "ORDER_SUCCEEDED",
    orderId,
    dedupeKeys: [key],
    gatewayStatus: "CHARGED",
    status: "succeeded",
    amount: { minor: 10000, currency: "INR" },
    refund: null,
  };
}

describe("dedupe keys on the audit trail", () => {
  it("keeps a new delivery's keys, claim and confirmation on its own audit row, and none on other rows", async () => {
    const rows = await inNewObject((sql) => {
      const now = Date.now();
      audit(txAt(sql, now), { source: "api", kind: "register", outcome: "recorded" });
      audit(txAt(sql, now), {
        source: "webhook",
        kind: "observation",
        outcome: "needs_confirmation",
        keys: ["test:evt:1", "test:o1:ORDER_SUCCEEDED:CHARGED"],
        claimed: "succeeded",
        confirmed: false,
      });
      return auditRows(sql);
    });
    expect(rows).toEqual([
      { seq: 1, repeats: 0, keys: null, claimed: null, confirmed: null },
      {
        seq: 2,
        repeats: 0,
        keys: '["test:evt:1","test:o1:ORDER_SUCCEEDED:CHARGED"]',
        claimed: "succeeded",
        confirmed: 0,
      },
    ]);
  });

  it("counts a repeat on the first delivery's row and matches a key exactly, never a part of another key", async () => {
    const { seen, rows } = await inNewObject((sql) => {
      const tx = txAt(sql, Date.now());
      audit(tx, { source: "webhook", kind: "notice_event", outcome: "recorded", keys: ["a:1", 'b","c'] });
      const seen = [["a"], ["a:"], ["b"], ["c"], ["b", "a:1"], ['b","c']].map((keys) => seenBefore(tx, keys).kind);
      return { seen, rows: auditRows(sql) };
    });
    expect(seen).toEqual(["new", "new", "new", "new", "repeat", "repeat"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ repeats: 2 });
  });

  it("takes a key older than the retention as new (expiry is a condition of the lookup, nothing is deleted)", async () => {
    const out = await inNewObject((sql) => {
      const at = Date.now();
      audit(txAt(sql, at), { source: "webhook", kind: "notice_event", outcome: "recorded", keys: ["test:evt:old"] });
      const last = at + DEDUPE_RETENTION_MS;
      return {
        lastDay: [!!remembered(sql, "test:evt:old", last), seenBefore(txAt(sql, last), ["test:evt:old"]).kind],
        expired: [!!remembered(sql, "test:evt:old", last + 1), seenBefore(txAt(sql, last + 1), ["test:evt:old"]).kind],
        rows: auditRows(sql).length,
      };
    });
    expect(out).toEqual({ lastDay: [true, "repeat"], expired: [false, "new"], rows: 1 });
  });

  it("confirms a claim only when a status call bears it out, and leaves rows without keys alone", async () => {
    const out = await inNewObject((sql) => {
      const tx = txAt(sql, Date.now());
      const claim = (key: string, claimed: "succeeded" | "pending" | null) =>
        audit(tx, { source: "webhook", kind: "observation", outcome: "recorded", keys: [key], claimed });
      audit(tx, { source: "poll", kind: "observation", outcome: "applied" });
      claim("k:succeeded", "succeeded");
      claim("k:pending", "pending");
      claim("k:refund", null);
      const confirmed = () =>
        ["k:succeeded", "k:pending", "k:refund"].map((k) => {
          const seen = seenBefore(tx, [k]);
          return seen.kind === "repeat" && seen.confirmed;
        });
      confirmClaims(tx, "failed", "failed");
      const afterFailed = confirmed();
      confirmClaims(tx, "succeeded", "succeeded");
      return { afterFailed, afterSucceeded: confirmed(), unkeyed: auditRows(sql)[0] };
    });
    expect(out.afterFailed).toEqual([false, true, true]);
    expect(out.afterSucceeded).toEqual([true, true, true]);
    expect(out.unkeyed).toMatchObject({ keys: null, confirmed: null });
  });

  it("keeps an old object's dedupe keys after migration: a redelivery is still a repeat, counted on its row", async () => {
    const orderId = uniqueOrderId("dedupe_old");
    const out = await runInDurableObject(objectOf("juspay", orderId), (obj: OrderObject, state) => {
      const sql = state.storage.sql;
      // The object as schema version 7 left it, with keys remembered before this change.
      const tables = sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB '[_s]*'")
        .toArray();
      for (const { name } of tables) sql.exec(`DROP TABLE ${name}`);
      for (const migration of MIGRATIONS.slice(0, 7)) sql.exec(migration);
      sql.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '7')");
      const now = Date.now();
      sql.exec("INSERT INTO order_doc (id, doc) VALUES (1, ?)", JSON.stringify(newOrder("juspay", orderId, now)));
      const line = "INSERT INTO audit (at, source, kind, outcome) VALUES (?, 'webhook', ?, 'recorded')";
      sql.exec(line, now, "observation");
      sql.exec(line, now, "refund_event");
      const key = "INSERT INTO dedupe (key, at, claimed, confirmed, audit_seq) VALUES (?, ?, ?, ?, ?)";
      sql.exec(key, "test:evt:pay", now, "succeeded", 0, 1);
      sql.exec(key, "test:o:ORDER_SUCCEEDED:CHARGED", now, "succeeded", 0, 1);
      sql.exec(key, "test:evt:refund", now, null, 1, 2);
      sql.exec(key, "test:evt:before6", now, null, 1, null);

      migrate(sql);
      const version = sql.exec("SELECT value FROM meta WHERE key = 'schema_version'").one().value;
      const dedupeTable = sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = 'dedupe'").one().n;
      const migrated = auditRows(sql);
      const tx = txAt(sql, now);
      const seen = {
        pay: seenBefore(tx, ["test:o:ORDER_SUCCEEDED:CHARGED"]),
        refund: seenBefore(tx, ["test:evt:refund"]),
      };
      const redelivery = obj.recordWebhook({ gateway: "juspay", orderId }, paymentEvent(orderId, "test:evt:pay"));
      const before6 = obj.recordWebhook({ gateway: "juspay", orderId }, paymentEvent(orderId, "test:evt:before6"));
      return { version, dedupeTable, migrated, seen, redelivery, before6, rows: auditRows(sql) };
    });
    expect(out.version).toBe(String(MIGRATIONS.length));
    expect(out.dedupeTable).toBe(0);
    expect(out.migrated).toEqual([
      {
        seq: 1,
        repeats: 0,
        keys: '["test:evt:pay","test:o:ORDER_SUCCEEDED:CHARGED"]',
        claimed: "succeeded",
        confirmed: 0,
      },
      { seq: 2, repeats: 0, keys: '["test:evt:refund"]', claimed: null, confirmed: 1 },
    ]);
    // What was confirmed stays confirmed, and an unconfirmed claim still asks for a look.
    expect(out.seen).toEqual({
      pay: { kind: "repeat", confirmed: false },
      refund: { kind: "repeat", confirmed: true },
    });
    expect(out.redelivery.ok && out.redelivery.value.outcome).toBe("duplicate_event");
    expect(out.rows[0]).toMatchObject({ seq: 1, repeats: 2 });
    // A key from before migration 6 had no audit row and is forgotten: its redelivery is taken as new.
    expect(out.before6.ok && out.before6.value.outcome).not.toBe("duplicate_event");
    expect(out.rows).toHaveLength(3);
  });
});
