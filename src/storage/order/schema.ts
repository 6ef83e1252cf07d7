/**
 * The order Durable Object's SQLite schema, as ordered migrations (and, for a new object, `SCHEMA`: their result in
 * one step). They run inside `blockConcurrencyWhile` before the object serves anything; `meta.schema_version`
 * records how far they got.
 * Documented table by table in docs/storage-schema.md.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE order_doc (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     source TEXT NOT NULL,
     kind TEXT NOT NULL,
     outcome TEXT NOT NULL,
     gateway_status TEXT,
     from_status TEXT,
     to_status TEXT,
     detail TEXT NOT NULL DEFAULT '{}'
   );
   CREATE TABLE dedupe (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE TABLE outbox (
     sequence INTEGER PRIMARY KEY,
     type TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     data TEXT NOT NULL
   );`,
  // 2: refunds and idempotency keys (issue 6).
  `CREATE TABLE refunds (
     refund_id TEXT PRIMARY KEY,
     gateway_refund_id TEXT NOT NULL UNIQUE,
     gateway_refund_ref TEXT,
     amount INTEGER NOT NULL,
     currency TEXT NOT NULL,
     status TEXT NOT NULL,
     phase TEXT NOT NULL,
     gateway_status TEXT,
     reason TEXT,
     origin TEXT NOT NULL,
     failure_code TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE idempotency (
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     state TEXT NOT NULL,
     status INTEGER,
     body TEXT,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (scope, key)
   );`,
  // 3: delivery state of each outbox event (product.md §4) and its attempt log. See outbox.ts.
  `ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
   ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER;
   ALTER TABLE outbox ADD COLUMN first_attempt_at INTEGER;
   ALTER TABLE outbox ADD COLUMN last_attempt_at INTEGER;
   ALTER TABLE outbox ADD COLUMN last_status INTEGER;
   ALTER TABLE outbox ADD COLUMN last_error TEXT;
   ALTER TABLE outbox ADD COLUMN finished_at INTEGER;
   ALTER TABLE outbox ADD COLUMN resumed_at INTEGER;
   ALTER TABLE outbox ADD COLUMN indexed_key TEXT;
   ALTER TABLE outbox ADD COLUMN index_dirty INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE outbox ADD COLUMN updated_at INTEGER;
   CREATE INDEX outbox_state ON outbox (state, sequence);
   CREATE TABLE delivery_attempt (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     sequence INTEGER NOT NULL,
     attempt INTEGER NOT NULL,
     at INTEGER NOT NULL,
     status INTEGER,
     latency_ms INTEGER NOT NULL,
     error TEXT,
     response TEXT
   );
   CREATE INDEX delivery_attempt_sequence ON delivery_attempt (sequence, id);`,
  // 4: an idempotency key's answer as a value (core/idempotency.ts `StoredAnswer`), rendered by the HTTP layer.
  // Rows written before keep their rendered `status` and `body` and replay as they are.
  `ALTER TABLE idempotency ADD COLUMN answer TEXT;`,
  // 5: a refund the gateway does not show is flagged for review, never failed (product.md §3).
  `ALTER TABLE refunds ADD COLUMN requires_review INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE refunds ADD COLUMN review_reason TEXT;`,
  // 6: dedupe keys a forger cannot pre-empt (storage/order/dedupe.ts): what a delivery claimed, whether a status call
  // confirmed it, and its audit row, which counts repeats instead of a row per repeat. Older keys stay confirmed.
  `ALTER TABLE dedupe ADD COLUMN claimed TEXT;
   ALTER TABLE dedupe ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE dedupe ADD COLUMN audit_seq INTEGER;
   ALTER TABLE audit ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;`,
  // 7: a Juspay mandate, in an object of its own named `juspay:mandate:<mandate_id>` (storage/order/mandate.ts).
  `CREATE TABLE mandate_doc (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
   CREATE TABLE mandate_notification (
     ref TEXT PRIMARY KEY,
     id TEXT,
     status TEXT NOT NULL,
     amount INTEGER NOT NULL,
     txn_date INTEGER NOT NULL,
     confirm INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // 8: a delivery's dedupe keys (`keys`, a JSON array), claim and confirmation move onto its own audit row, written
  // by the same INSERT (storage/order/dedupe.ts), and the `dedupe` table goes: its keys are copied onto their audit
  // row, grouped by `audit_seq` (one delivery's keys share its claim and confirmation). Keys from before migration 6
  // have no audit row and are dropped, as an expired key would be: harmless, since transitions are monotonic and
  // final ones need a status call.
  `ALTER TABLE audit ADD COLUMN keys TEXT;
ALTER TABLE audit ADD COLUMN claimed TEXT;
ALTER TABLE audit ADD COLUMN confirmed INTEGER;
UPDATE audit SET (keys, claimed, confirmed) = (SELECT json_group_array(key), claimed, confirmed FROM dedupe WHERE audit_seq = seq) WHERE seq IN (SELECT audit_seq FROM dedupe);
DROP TABLE dedupe;`,
  // 9: the payment poll moves into the order's row, written with the order once per transaction (record.ts).
  `ALTER TABLE order_doc ADD COLUMN poll TEXT;
   UPDATE order_doc SET poll = (SELECT value FROM meta WHERE key = 'poll');
   DELETE FROM meta WHERE key = 'poll';`,
  // 10: each delivery's attempt log moves into its outbox row (`attempt_log`, the latest 50, oldest first): an attempt
  // writes one row, not an update, an insert and its index. `outbox_state` goes too: an order has a handful of outbox
  // rows, and scanning them reads few rows, while the index cost a write per state change.
  `ALTER TABLE outbox ADD COLUMN attempt_log TEXT;
   UPDATE outbox AS o SET attempt_log = (SELECT json_group_array(json_array(attempt, at, status, latency_ms, error,
     response) ORDER BY id) FROM (SELECT * FROM delivery_attempt WHERE sequence = o.sequence ORDER BY id DESC LIMIT 50));
   DROP TABLE delivery_attempt;
   DROP INDEX outbox_state;`,
];

/**
 * A new object's schema in one step: the tables every object uses, as MIGRATIONS leave them (without their ALTERs),
 * in shapes that cost fewer SQLite rows per write (billed per row,
 * https://developers.cloudflare.com/durable-objects/platform/pricing/; docs/performance.md "Cost per payment"):
 * `audit` keyed by plain INTEGER PRIMARY KEY (no `sqlite_sequence` row per insert; it never deletes a row, so ids
 * still only grow), no indexes, and the schema version marked in `order_doc`'s DDL (`migrate`). The tables only some
 * objects use, `meta` among them, are in `LATER`. test/storage/schema.test.ts compares both with the migrated schema.
 */
export const SCHEMA = `CREATE TABLE order_doc (id INTEGER PRIMARY KEY CHECK (id = 1) /* schema ${MIGRATIONS.length} */, doc TEXT NOT NULL, poll TEXT);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     source TEXT NOT NULL,
     kind TEXT NOT NULL,
     outcome TEXT NOT NULL,
     gateway_status TEXT,
     from_status TEXT,
     to_status TEXT,
     detail TEXT NOT NULL DEFAULT '{}',
     repeats INTEGER NOT NULL DEFAULT 0,
     keys TEXT,
     claimed TEXT,
     confirmed INTEGER
   );
   CREATE TABLE outbox (
     sequence INTEGER PRIMARY KEY,
     type TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     data TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'pending',
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER,
     first_attempt_at INTEGER,
     last_attempt_at INTEGER,
     last_status INTEGER,
     last_error TEXT,
     finished_at INTEGER,
     resumed_at INTEGER,
     indexed_key TEXT,
     index_dirty INTEGER NOT NULL DEFAULT 1,
     updated_at INTEGER,
     attempt_log TEXT
   );`;

/**
 * Tables most objects never use (an order without refunds or Idempotency-Keys, any order for `mandate_*`; `meta` until
 * a refund's poll, a mandate's note or a migration needs it), created
 * by their first write (`hasTable(sql, name, true)`, inside the writing transaction) instead of with the object: each
 * costs 2–4 rows to create. Objects migrated before have them all. A migration that changes one must allow for its
 * absence, and change it here.
 */
const LATER = {
  meta: "(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
  refunds: `(
     refund_id TEXT PRIMARY KEY,
     gateway_refund_id TEXT NOT NULL UNIQUE,
     gateway_refund_ref TEXT,
     amount INTEGER NOT NULL,
     currency TEXT NOT NULL,
     status TEXT NOT NULL,
     phase TEXT NOT NULL,
     gateway_status TEXT,
     reason TEXT,
     origin TEXT NOT NULL,
     failure_code TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     requires_review INTEGER NOT NULL DEFAULT 0,
     review_reason TEXT
   )`,
  idempotency: `(
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     state TEXT NOT NULL,
     status INTEGER,
     body TEXT,
     created_at INTEGER NOT NULL,
     answer TEXT,
     PRIMARY KEY (scope, key)
   )`,
  mandate_doc: `(id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL)`,
  mandate_notification: `(
     ref TEXT PRIMARY KEY,
     id TEXT,
     status TEXT NOT NULL,
     amount INTEGER NOT NULL,
     txn_date INTEGER NOT NULL,
     confirm INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   )`,
};
export type LaterTable = keyof typeof LATER;

/**
 * Per object (its `SqlStorage`): the names its `sqlite_master` held when `migrate` read it (a new object's: none), and
 * the `LATER` tables created since. Only `LATER` names are asked, so a new object's empty set is its true answer.
 */
const tables = new WeakMap<SqlStorage, Set<unknown>>();

function known(sql: SqlStorage): Set<unknown> {
  const names =
    tables.get(sql) ??
    new Set(
      sql
        .exec("SELECT name FROM sqlite_master")
        .toArray()
        .map((r) => r.name),
    );
  tables.set(sql, names);
  return names;
}

/**
 * Whether the object has `name` (when not, its reads answer "no rows", and write nothing); with `create`, makes it
 * first (so the caller's transaction writes it with its first row). Costs nothing per call: the answer is in memory.
 */
export function hasTable(sql: SqlStorage, name: LaterTable, create?: true): boolean {
  const names = known(sql);
  if (create && !names.has(name)) {
    sql.exec(`CREATE TABLE ${name} ${LATER[name]}`);
    names.add(name);
  }
  return names.has(name);
}

/** `transactionSync`; after a rollback (which may have dropped a table it created), `sqlite_master` is read again. */
export function atomic<T>(storage: DurableObjectStorage, fn: () => T): T {
  try {
    return storage.transactionSync(fn);
  } catch (e) {
    tables.delete(storage.sql);
    throw e;
  }
}

/** One `meta` value (null when absent; an object gets the table with its first value, `LATER`). */
export function getMeta(sql: SqlStorage, key: string): string | null {
  return hasTable(sql, "meta")
    ? ((sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value as string) ?? null)
    : null;
}

/** Sets one `meta` value: an upsert, one row (INSERT OR REPLACE of an existing key writes two). */
export function setMeta(sql: SqlStorage, key: string, value: string): void {
  hasTable(sql, "meta", true);
  sql.exec("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
}

/** Deletes one `meta` value (only while it still holds `value`, when given). */
export function deleteMeta(sql: SqlStorage, key: string, value?: string): void {
  if (hasTable(sql, "meta"))
    sql.exec("DELETE FROM meta WHERE key = ? AND value IS coalesce(?, value)", key, value ?? null);
}

/**
 * Brings the schema up to date, in one transaction (the caller's `transactionSync`): a new object gets `SCHEMA`, an
 * older one the migrations it lacks. How far an object is: `meta.schema_version` (objects from migrations, and any
 * that ran one), else the version a new object was born with, marked in its `order_doc` DDL (`/* schema N *\/`,
 * which SQLite keeps in `sqlite_master`): writing it to `meta` would cost a table and a row per object.
 */
export function migrate(sql: SqlStorage): void {
  tables.delete(sql);
  if (!known(sql).has("order_doc")) return void sql.exec(SCHEMA); // none of `LATER`, as `tables` says
  const born = () => sql.exec("SELECT sql FROM sqlite_master WHERE name = 'order_doc'").one().sql as string;
  const version = Number(getMeta(sql, "schema_version") ?? /\/\* schema (\d+) \*\//.exec(born())?.[1] ?? 0);
  if (version >= MIGRATIONS.length) return;
  for (let v = version; v < MIGRATIONS.length; v++) sql.exec(MIGRATIONS[v] ?? "");
  tables.delete(sql);
  setMeta(sql, "schema_version", String(MIGRATIONS.length));
}
