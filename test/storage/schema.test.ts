import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getMeta, hasTable, MIGRATIONS, migrate, type LaterTable } from "../../src/storage/order/schema";
import { objectOf, type OrderObject, uniqueOrderId } from "../helpers";

/** Every table's columns (name, type, required, default, key) and its explicit and UNIQUE indexes' columns. */
function shape(sql: SqlStorage, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ? ORDER BY name",
      `${prefix}*`,
    )
    .toArray()
    .map((t) => t.name)
    .filter((name) => !name.startsWith("sqlite_") && (prefix !== "" || !name.startsWith("m_")));
  for (const table of tables) {
    // A key column counts as NOT NULL either way: WITHOUT ROWID tables declare it so, and a rowid table's NULL-able
    // TEXT key is a SQLite quirk (https://www.sqlite.org/lang_createtable.html#the_primary_key) nothing relies on.
    const columns = sql
      .exec(`SELECT name, type, "notnull" OR pk > 0 AS required, dflt_value, pk FROM pragma_table_info(?)`, table)
      .toArray();
    const indexes = sql
      .exec<{ name: string }>(`SELECT name FROM pragma_index_list(?) WHERE origin IN ('c', 'u') ORDER BY name`, table)
      .toArray()
      .map((i) => ({
        name: prefix ? i.name.replace(prefix, "") : i.name,
        columns: sql.exec(`SELECT name FROM pragma_index_info(?)`, i.name).toArray(),
      }));
    out[table.slice(prefix.length)] = { columns, indexes };
  }
  return out;
}

/** The tables a new object creates on their first write (`LATER` in schema.ts). */
const LATER: readonly LaterTable[] = ["idempotency", "mandate_doc", "mandate_notification", "meta", "refunds"];

describe("order object schema", () => {
  it("a new object is born with only order_doc, audit and outbox, and no index", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("schema")), (_o: OrderObject, state) => {
      const names = state.storage.sql
        .exec<{ type: string; name: string }>("SELECT type, name FROM sqlite_master ORDER BY type, name")
        .toArray()
        .map((r) => `${r.type} ${r.name}`);
      expect(names).toEqual(["table audit", "table order_doc", "table outbox"]);
    });
  });

  it("a new object writes no schema version row: its version is marked in its order_doc DDL, and migrating again changes nothing", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("schema")), (_o: OrderObject, state) => {
      const sql = state.storage.sql;
      const ddl = () => sql.exec("SELECT sql FROM sqlite_master WHERE name = 'order_doc'").one().sql;
      expect(ddl()).toContain(`/* schema ${MIGRATIONS.length} */`);
      const before = sql.exec("SELECT type, name, sql FROM sqlite_master ORDER BY name").toArray();
      state.storage.transactionSync(() => migrate(sql));
      expect(sql.exec("SELECT type, name, sql FROM sqlite_master ORDER BY name").toArray()).toEqual(before);
      expect(getMeta(sql, "schema_version")).toBeNull();
    });
  });

  it("a new object's schema, with the tables it creates on first use, matches one brought up by every migration", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("schema")), (_o: OrderObject, state) => {
      const sql = state.storage.sql;
      for (const table of LATER) expect(hasTable(sql, table, true)).toBe(true);
      // The migrations again, on tables named m_<table> beside the new object's own.
      for (const migration of MIGRATIONS)
        sql.exec(
          migration.replace(
            /\b(TABLE|INDEX|ON|UPDATE|FROM) (\w+)/g,
            (_m, word: string, name: string) => `${word} m_${name}`,
          ),
        );
      const migrated = shape(sql, "m_");
      expect(Object.keys(migrated)).toEqual([
        "audit",
        "idempotency",
        "mandate_doc",
        "mandate_notification",
        "meta",
        "order_doc",
        "outbox",
        "refunds",
      ]);
      expect(shape(sql, "")).toEqual(migrated);
    });
  });

  it("an object brought up to migration 7 keeps its planned payment look when the poll moves into the order's row", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("schema")), (_o: OrderObject, state) => {
      const sql = state.storage.sql;
      const poll = JSON.stringify({ attempt: 2, urgent: false, due: 1763750102000, asks: 1 });
      state.storage.transactionSync(() => {
        // The object as an earlier release left it: every table dropped, then migrations 1–7 and their data.
        for (const { name } of sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .toArray())
          if (!name.startsWith("sqlite_") && !name.startsWith("_cf")) sql.exec(`DROP TABLE ${name}`);
        for (const migration of MIGRATIONS.slice(0, 7)) sql.exec(migration);
        sql.exec(
          "INSERT INTO meta (key, value) VALUES ('schema_version', '7'), ('poll', ?), ('refund_poll', '{}')",
          poll,
        );
        sql.exec("INSERT INTO order_doc (id, doc) VALUES (1, '{}')");
        migrate(sql);
      });
      expect(sql.exec("SELECT poll FROM order_doc").toArray()).toEqual([{ poll }]);
      expect(sql.exec("SELECT key, value FROM meta ORDER BY key").toArray()).toEqual([
        { key: "refund_poll", value: "{}" },
        { key: "schema_version", value: String(MIGRATIONS.length) },
      ]);
    });
  });
});
