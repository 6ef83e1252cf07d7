/**
 * When the order Durable Object polls the gateway for an order that is not final (product.md §3, "Reconciliation").
 * Pure: the caller passes the attempt number and times.
 *
 * The first poll comes within 30 s of the order needing one (immediately when a webhook or a failed confirmation
 * asked for it), then the gap doubles up to an hour, until the gateway's window since creation has passed.
 */

export const FIRST_POLL_DELAY_MS = 15_000;
export const MAX_POLL_GAP_MS = 60 * 60 * 1000;

/** Delay before poll number `attempt` (0-based): 15 s, 30 s, 1 min, 2 min, … capped at one hour. */
export function pollDelay(attempt: number): number {
  const exp = Math.min(Math.max(attempt, 0), 20);
  return Math.min(FIRST_POLL_DELAY_MS * 2 ** exp, MAX_POLL_GAP_MS);
}

/**
 * The time of the next poll, or null when the window has closed. A poll due after the window's end is moved to the
 * end, so the last look happens exactly when the gateway stops changing the order.
 */
export function nextPollAt(attempt: number, now: number, createdAt: number, windowMs: number): number | null {
  const end = createdAt + windowMs;
  if (now >= end) return null;
  return Math.min(now + pollDelay(attempt), end);
}
