import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hasTable, MIGRATIONS, type LaterTable } from "../../src/storage/order/schema";
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
const LATER: readonly LaterTable[] = ["idempotency", "mandate_doc", "mandate_notification", "refunds"];

describe("order object schema", () => {
  it("a new object is born with only meta, order_doc, audit, dedupe and outbox, and no index", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("schema")), (_o: OrderObject, state) => {
      const names = state.storage.sql
        .exec<{ type: string; name: string }>("SELECT type, name FROM sqlite_master ORDER BY type, name")
        .toArray()
        .map((r) => `${r.type} ${r.name}`);
      expect(names).toEqual(["table audit", "table dedupe", "table meta", "table order_doc", "table outbox"]);
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
        "dedupe",
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
});
