import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { attemptLog, enqueueEvent, outboxRow, recordAttempt } from "../../src/storage/order/outbox";
import { MIGRATIONS, migrate } from "../../src/storage/order/schema";
import { objectOf, type OrderObject, uniqueOrderId } from "../helpers";

const T0 = Date.UTC(2026, 11, 1);

/** One old attempt row as `delivery_attempt` held it. */
const attemptRow = (sequence: number, attempt: number) => ({
  sequence,
  attempt,
  at: T0 + attempt * 1000,
  status: attempt % 2 ? 503 : null,
  latency_ms: attempt,
  error: attempt % 2 ? null : "timeout",
  response: attempt % 2 ? `busy ${attempt}` : null,
});

describe("delivery attempt log", () => {
  it("keeps the latest 50 attempts in the outbox row, oldest first", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("log")), (_o: OrderObject, state) => {
      const sql = state.storage.sql;
      enqueueEvent(sql, { sequence: 1, type: "payment.succeeded", data: {} }, T0, true);
      for (let i = 1; i <= 55; i++) {
        const row = outboxRow(sql, 1);
        if (!row) throw new Error("no row");
        const at = T0 + i * 1000;
        const attempt = { at, status: 503, latencyMs: i, error: null, response: `busy ${i}` };
        recordAttempt(sql, row, attempt, { kind: "retry", at: at + 1 });
      }
      const row = outboxRow(sql, 1);
      if (!row) throw new Error("no row");
      const log = attemptLog(row);
      expect(row.attempts).toBe(55);
      expect(log).toHaveLength(50);
      expect(log.map((a) => a[0])).toEqual(Array.from({ length: 50 }, (_, i) => i + 6));
      expect(log[49]).toEqual([55, T0 + 55_000, 503, 55, null, "busy 55"]);
    });
  });

  it("an object from before the attempt log moved keeps answering its deliveries as it did, from the latest 50", async () => {
    const orderId = uniqueOrderId("old");
    await runInDurableObject(objectOf("juspay", orderId), (o: OrderObject, state) => {
      const sql = state.storage.sql;
      // The object as migrations 1–7 left it, with an order, two events and their attempts.
      for (const { name } of sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray())
        sql.exec(`DROP TABLE ${name}`);
      for (const migration of MIGRATIONS.slice(0, 7)) sql.exec(migration);
      sql.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '7')");
      sql.exec(
        "INSERT INTO order_doc (id, doc) VALUES (1, ?)",
        JSON.stringify({ gateway: "juspay", order_id: orderId }),
      );
      for (const sequence of [1, 2, 3])
        sql.exec(
          "INSERT INTO outbox (sequence, type, created_at, data, updated_at) VALUES (?, 'payment.succeeded', ?, '{}', ?)",
          sequence,
          T0,
          T0,
        );
      for (let attempt = 1; attempt <= 53; attempt++) {
        for (const sequence of attempt <= 2 ? [1, 2] : [1]) {
          const a = attemptRow(sequence, attempt);
          sql.exec(
            "INSERT INTO delivery_attempt (sequence, attempt, at, status, latency_ms, error, response) VALUES (?, ?, ?, ?, ?, ?, ?)",
            a.sequence,
            a.attempt,
            a.at,
            a.status,
            a.latency_ms,
            a.error,
            a.response,
          );
        }
      }
      sql.exec("UPDATE outbox SET attempts = 53, last_attempt_at = ? WHERE sequence = 1", T0 + 53_000);

      migrate(sql);

      const tables = sql.exec<{ type: string; name: string }>("SELECT type, name FROM sqlite_master").toArray();
      expect(tables.map((t) => t.name)).not.toContain("delivery_attempt");
      expect(tables.map((t) => t.name)).not.toContain("outbox_state");
      expect(sql.exec("SELECT value FROM meta WHERE key = 'schema_version'").one().value).toBe(
        String(MIGRATIONS.length),
      );
      const ref = { gateway: "juspay" as const, orderId };
      // What `/v1/deliveries/:id` showed of an attempt before: the row as it was, with an ISO time.
      const expected = (sequence: number, attempts: number[]) =>
        attempts.map((n) => {
          const { sequence: _, ...a } = attemptRow(sequence, n);
          return { ...a, at: new Date(a.at).toISOString() };
        });
      const first = o.delivery(ref, 1);
      expect(first).toMatchObject({ sequence: 1, status: "pending", attempts: 53 });
      expect(first?.attempt_log).toEqual(
        expected(
          1,
          Array.from({ length: 50 }, (_, i) => i + 4),
        ),
      );
      expect(Object.keys(first?.attempt_log[0] ?? {})).toEqual([
        "attempt",
        "at",
        "status",
        "latency_ms",
        "error",
        "response",
      ]);
      expect(o.delivery(ref, 2)?.attempt_log).toEqual(expected(2, [1, 2]));
      expect(o.delivery(ref, 3)?.attempt_log).toEqual([]);
      // Old objects keep the tables they had; a refund read still works.
      expect(o.refunds(ref)).toEqual([]);
    });
  });
});
