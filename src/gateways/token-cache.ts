/**
 * What the PhonePe and Nimbbl token caches (phonepe/token.ts, nimbbl/token.ts) share. KV is only a cache there: a
 * read, write or delete that throws (an outage, the one-write-per-second-per-key limit) is logged as
 * `<gateway> token cache <read|write|delete> failed` and counts as a miss or a skipped write, never as a failed
 * gateway call. Token fetches are single-flight per cache key within an isolate.
 */
import type { GatewayIO } from "./types";

/** `run` against KV; null (logged with the error's name only) when it throws. */
export async function tokenKv<T>(
  io: GatewayIO,
  gateway: string,
  operation: "read" | "write" | "delete",
  run: (kv: KVNamespace) => Promise<T>,
): Promise<T | null> {
  try {
    return await run(io.kv);
  } catch (error) {
    io.log.warn(`${gateway} token cache ${operation} failed`, {
      error: error instanceof Error ? error.name : "unknown",
    });
    return null;
  }
}

/** Joins the fetch in flight for `key`, or starts one. Synchronous from the lookup to `inflight.set`. */
export function singleFlight<T>(inflight: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  const running = inflight.get(key);
  if (running) return running;
  const started = start().finally(() => {
    if (inflight.get(key) === started) inflight.delete(key);
  });
  inflight.set(key, started);
  return started;
}

/** `map.set`, first emptying a map that holds 64 other keys (isolate memory stays bounded). */
export function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= 64 && !map.has(key)) map.clear();
  map.set(key, value);
}
