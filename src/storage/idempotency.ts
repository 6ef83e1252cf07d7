/**
 * Idempotency records inside the order Durable Object (never KV: it has no compare-and-set, so two racing requests
 * could both see "new"). Every function runs synchronously inside the object, so "check, then claim" is atomic.
 */
import { IDEMPOTENCY_RETENTION_MS } from "../core/idempotency";

export interface StoredResponse {
  readonly status: number;
  readonly body: string;
}

export type IdempotencyClaim =
  | { readonly kind: "new" }
  | { readonly kind: "replay"; readonly response: StoredResponse }
  | { readonly kind: "in_use"; readonly since: number }
  | { readonly kind: "reused" };

interface Row {
  fingerprint: string;
  created_at: number;
  state: "running" | "done";
  status: number | null;
  body: string | null;
}

/** Drops keys older than the retention period; after that a key behaves as new. */
export function pruneIdempotency(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM idempotency WHERE created_at < ?", now - IDEMPOTENCY_RETENTION_MS);
}

/** Claims `key` for `scope` with this request's fingerprint, or says why the request must not run. */
export function claimIdempotencyKey(
  sql: SqlStorage,
  scope: string,
  key: string,
  fingerprint: string,
  now: number,
): IdempotencyClaim {
  pruneIdempotency(sql, now);
  const row = sql
    .exec(
      "SELECT fingerprint, created_at, state, status, body FROM idempotency WHERE scope = ? AND key = ?",
      scope,
      key,
    )
    .toArray()[0] as Row | undefined;
  if (!row) {
    sql.exec(
      "INSERT INTO idempotency (scope, key, fingerprint, state, created_at) VALUES (?, ?, ?, 'running', ?)",
      scope,
      key,
      fingerprint,
      now,
    );
    return { kind: "new" };
  }
  if (row.fingerprint !== fingerprint) return { kind: "reused" };
  if (row.state === "running" || row.status === null || row.body === null)
    return { kind: "in_use", since: row.created_at };
  return { kind: "replay", response: { status: row.status, body: row.body } };
}

/** Stores the answer to replay for this key. */
export function completeIdempotencyKey(sql: SqlStorage, scope: string, key: string, response: StoredResponse): void {
  sql.exec(
    "UPDATE idempotency SET state = 'done', status = ?, body = ? WHERE scope = ? AND key = ?",
    response.status,
    response.body,
    scope,
    key,
  );
}

/** Forgets a claim whose request failed before doing anything (so a retry may run). */
export function releaseIdempotencyKey(sql: SqlStorage, scope: string, key: string): void {
  sql.exec("DELETE FROM idempotency WHERE scope = ? AND key = ? AND state = 'running'", scope, key);
}
