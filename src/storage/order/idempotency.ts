/**
 * Idempotency records inside the order Durable Object (never KV: it has no compare-and-set, so two racing requests
 * could both see "new"). Every function runs synchronously inside the object, so "check, then claim" is atomic.
 * A record keeps its answer as a value (`StoredAnswer`); the HTTP layer renders it.
 */
import { IDEMPOTENCY_RETENTION_MS, type IdempotencyClaim, type StoredAnswer } from "../../core/idempotency";
import { hasTable } from "./schema";

interface Row {
  fingerprint: string;
  created_at: number;
  state: "running" | "done";
  status: number | null;
  body: string | null;
  answer: string | null;
}

/** Drops keys older than the retention period; after that a key behaves as new. The table must exist. */
export function pruneIdempotency(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM idempotency WHERE created_at < ?", now - IDEMPOTENCY_RETENTION_MS);
}

export interface ClaimInput {
  readonly scope: string;
  readonly key: string;
  readonly fingerprint: string;
}

/** Claims `key` for `scope` with this request's fingerprint, or says why the request must not run. */
export function claimIdempotencyKey(sql: SqlStorage, claim: ClaimInput, now: number): IdempotencyClaim {
  hasTable(sql, "idempotency", true);
  pruneIdempotency(sql, now);
  const row = sql
    .exec(
      "SELECT fingerprint, created_at, state, status, body, answer FROM idempotency WHERE scope = ? AND key = ?",
      claim.scope,
      claim.key,
    )
    .toArray()[0] as Row | undefined;
  if (!row) {
    sql.exec(
      "INSERT INTO idempotency (scope, key, fingerprint, state, created_at) VALUES (?, ?, ?, 'running', ?)",
      claim.scope,
      claim.key,
      claim.fingerprint,
      now,
    );
    return { kind: "new" };
  }
  if (row.fingerprint !== claim.fingerprint) return { kind: "reused" };
  const answer = storedAnswer(row);
  if (row.state === "running" || answer === null) return { kind: "in_use", since: row.created_at };
  return { kind: "replay", answer };
}

function storedAnswer(row: Row): StoredAnswer | null {
  if (row.answer !== null) return JSON.parse(row.answer) as StoredAnswer;
  // Written before migration 4: the rendered response itself.
  return row.status !== null && row.body !== null ? { kind: "response", status: row.status, body: row.body } : null;
}

/** Stores the answer to replay for this key. */
export function completeIdempotencyKey(sql: SqlStorage, scope: string, key: string, answer: StoredAnswer): void {
  sql.exec(
    "UPDATE idempotency SET state = 'done', answer = ? WHERE scope = ? AND key = ?",
    JSON.stringify(answer),
    scope,
    key,
  );
}

/** Forgets a claim whose request failed before doing anything (so a retry may run). */
export function releaseIdempotencyKey(sql: SqlStorage, scope: string, key: string): void {
  sql.exec("DELETE FROM idempotency WHERE scope = ? AND key = ? AND state = 'running'", scope, key);
}
