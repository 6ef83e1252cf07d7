/**
 * A bench-only entry for checkpost (never deployed; `bench/cost.mjs` builds it): the same Worker and order object,
 * with every billed operation counted where it happens, for `payment_cost` (product.md §6):
 * - SQLite rows: each `ctx.storage.sql.exec` cursor of the order object is kept, and its `rowsRead`/`rowsWritten`
 *   (the counters Cloudflare bills, https://developers.cloudflare.com/durable-objects/api/sql-storage/) are summed
 *   per statement kind and table when the bench asks;
 * - Durable Object requests: RPC calls on `env.ORDERS` stubs, plus alarm runs;
 * - subrequests: the isolate's `fetch` (gateway calls, event deliveries);
 * - KV reads/writes/deletes/lists, D1 statements (and the rows their `meta` reports), Analytics Engine data points.
 * `GET /__bench/counters` answers the totals so far; nothing else changes. Production code has no such route.
 */
import worker, { OrderObject as Base } from "../src/index";
import type { Env } from "../src/env";

interface Table {
  statements: number;
  rows_read: number;
  rows_written: number;
}

const counters = {
  do_calls: 0,
  alarms: 0,
  subrequests: 0,
  kv_reads: 0,
  kv_writes: 0,
  kv_deletes: 0,
  kv_lists: 0,
  d1_statements: 0,
  d1_rows_written: 0,
  d1_rows_read: 0,
  metrics_points: 0,
};
/** Cursors not yet summed: their counters grow as they are consumed, so they are read when the bench asks. */
let open: { key: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }[] = [];
const tables = new Map<string, Table>();
/** Each order object's database size (`databaseSize`, billed as stored data) after its latest write, by id. */
const databases = new Map<string, number>();

/** "INSERT audit", "SELECT meta", "CREATE …" (migration): what a statement does, and to which table. */
function kindOf(query: string): string {
  const q = query.replace(/\s+/g, " ").trim();
  const m =
    /^(INSERT|REPLACE)(?: OR \w+)? INTO (\w+)/i.exec(q) ??
    /^(UPDATE) (?:OR \w+ )?(\w+)/i.exec(q) ??
    /^(DELETE) FROM (\w+)/i.exec(q) ??
    /^(CREATE|DROP|ALTER|PRAGMA)\b/i.exec(q) ??
    /^(?:WITH .*?)?(SELECT) .*?\bFROM (\w+)/i.exec(q);
  if (!m) return "other";
  const verb = m[1]!.toUpperCase();
  return m[2] ? `${verb} ${m[2]}` : `${verb} (schema)`;
}

function settle(): void {
  for (const { key, cursor } of open) {
    const t = tables.get(key) ?? { statements: 0, rows_read: 0, rows_written: 0 };
    t.statements += 1;
    t.rows_read += cursor.rowsRead;
    t.rows_written += cursor.rowsWritten;
    tables.set(key, t);
  }
  open = [];
}

const realFetch = globalThis.fetch;
globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  counters.subrequests += 1;
  return realFetch(input, init);
};

/** Each listed method of `target` counted under `counter` (bound, so bindings keep their receiver). */
function counted<T extends object>(target: T, methods: Record<string, keyof typeof counters>): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop);
      if (typeof value !== "function") return value;
      const counter = typeof prop === "string" ? methods[prop] : undefined;
      return (...args: unknown[]) => {
        if (counter) counters[counter] += 1;
        return Reflect.apply(value as (...a: unknown[]) => unknown, t, args);
      };
    },
  });
}

function countedStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const runs = async <R>(result: Promise<R>): Promise<R> => {
    const r = await result;
    const meta = (r as { meta?: { rows_written?: number; rows_read?: number } }).meta;
    counters.d1_statements += 1;
    counters.d1_rows_written += meta?.rows_written ?? 0;
    counters.d1_rows_read += meta?.rows_read ?? 0;
    return r;
  };
  return new Proxy(statement, {
    get(t, prop) {
      if (prop === "bind") return (...args: unknown[]) => countedStatement(t.bind(...args));
      if (prop === "run" || prop === "all") return () => runs(t[prop]());
      const value: unknown = Reflect.get(t, prop);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

function countedEnv(env: Env): Env {
  const db = env.DB as D1Database | undefined;
  const orders = env.ORDERS;
  return {
    ...env,
    KV: counted(env.KV, {
      get: "kv_reads",
      getWithMetadata: "kv_reads",
      put: "kv_writes",
      delete: "kv_deletes",
      list: "kv_lists",
    }),
    ...(db
      ? {
          DB: new Proxy(db, {
            get: (t, p) => (p === "prepare" ? (q: string) => countedStatement(t.prepare(q)) : Reflect.get(t, p)),
          }),
        }
      : {}),
    ...(env.METRICS ? { METRICS: counted(env.METRICS, { writeDataPoint: "metrics_points" }) } : {}),
    ORDERS: new Proxy(orders, {
      get(t, prop) {
        if (prop !== "getByName" && prop !== "get") return Reflect.get(t, prop);
        return (...args: unknown[]) => {
          const stub = Reflect.apply(Reflect.get(t, prop) as (...a: unknown[]) => object, t, args);
          return new Proxy(stub, {
            get(s, method) {
              const value: unknown = Reflect.get(s, method);
              if (typeof method !== "string" || method === "then" || typeof value !== "function") return value;
              return (...a: unknown[]) => {
                counters.do_calls += 1;
                return Reflect.apply(value as (...x: unknown[]) => unknown, s, a);
              };
            },
          });
        };
      },
    }),
  } as Env;
}

/** The order object as deployed, its statements counted (exported under the name wrangler.toml binds). */
export class OrderObject extends Base {
  constructor(ctx: DurableObjectState, env: Env) {
    const sql = ctx.storage.sql;
    const id = ctx.id.toString();
    const exec = sql.exec.bind(sql);
    // An own property in front of the prototype's method: every statement the object runs, migrations included.
    Object.defineProperty(sql, "exec", {
      value: (query: string, ...bindings: unknown[]) => {
        // A cursor counts only the last statement of a multi-statement string (the schema's migrations): run
        // each statement on its own so that all of them are counted (none of them has `;` in a literal).
        const parts = bindings.length ? [query] : query.split(";").filter((q) => q.trim());
        for (const part of parts.slice(0, -1)) open.push({ key: kindOf(part), cursor: exec(part) });
        query = parts[parts.length - 1] ?? query;
        const cursor = exec(query, ...bindings);
        // `meta` holds several kinds of state: each key on its own line ("INSERT meta indexed").
        const kind = kindOf(query);
        const literal = /key = '(\w+)'|VALUES \('(\w+)'/.exec(query);
        const metaKey = / meta$/.test(kind) ? (literal?.[1] ?? literal?.[2] ?? String(bindings[0] as string)) : null;
        open.push({ key: metaKey === null ? kind : `${kind} ${metaKey}`, cursor });
        if (!kind.startsWith("SELECT")) databases.set(id, sql.databaseSize);
        return cursor;
      },
    });
    super(ctx, countedEnv(env));
  }

  override async alarm(): Promise<void> {
    counters.alarms += 1;
    return super.alarm();
  }
}

export default {
  fetch(request: Request, env: Env, exec: ExecutionContext): Promise<Response> | Response {
    if (new URL(request.url).pathname === "/__bench/counters") {
      settle();
      return Response.json({
        ...counters,
        sql: Object.fromEntries(tables),
        database_bytes: Object.fromEntries(databases),
      });
    }
    return worker.fetch(request, countedEnv(env), exec);
  },
} satisfies ExportedHandler<Env>;
