/**
 * When the order Durable Object polls the gateway for an order that is not final (product.md §3, "Reconciliation").
 * Pure: the caller passes the attempt number and times.
 *
 * - The first poll comes within 30 s of the order needing one (immediately when a webhook or a failed confirmation
 *   asked for it), then the gap doubles up to an hour.
 * - Polling goes on until the order is final or its window has closed. The window ends at the later of
 *   `created_at + pollWindowMs` (the adapter's: how long its gateway may still change a pending payment — Nimbbl's
 *   authorisation period can be days) and the gateway's own expiry of the order (`expires_at`, e.g. PhonePe's
 *   `expireAt`) plus a grace period. The expiry never shortens the window: a payment begun just before it can still
 *   settle after it, and stopping early could hide a captured payment. It does add a look right after
 *   `expires_at + EXPIRY_GRACE_MS`, so an order the gateway has just closed is settled promptly.
 * - When the window has closed, the next poll is the final look (see `storage/order/reconcile.ts`): a final gateway status
 *   applies as usual; a gateway that still says pending/created makes the order `expired` (a confirmed observation
 *   with source `poll`). If the gateway later reports a success after all, the S2S-confirmed late success
 *   (`expired → succeeded`, status.ts) still applies. A gateway that is down only delays that final look: it is
 *   retried at the normal backoff for up to `FINAL_LOOK_RETRY_MS`, then polling stops and the order stays as it is.
 * - Pending refunds have their own schedule (`refundPollAt`): the first look 15 s after the refund is recorded, then
 *   doubling up to an hour, for as long as a refund is pending.
 */

export const FIRST_POLL_DELAY_MS = 15_000;
export const MAX_POLL_GAP_MS = 60 * 60 * 1000;
export const EXPIRY_GRACE_MS = 5 * 60 * 1000;
export const FINAL_LOOK_RETRY_MS = 7 * 24 * 60 * 60 * 1000;

/** Delay before poll number `attempt` (0-based): 15 s, 30 s, 1 min, 2 min, … capped at one hour. */
export function pollDelay(attempt: number): number {
  const exp = Math.min(Math.max(attempt, 0), 20);
  return Math.min(FIRST_POLL_DELAY_MS * 2 ** exp, MAX_POLL_GAP_MS);
}

export interface PollWindow {
  /** From here on the order may be expired when the gateway still says it is not final. */
  readonly deadline: number;
  /** The gateway's own expiry of the order (epoch ms), when it gave one. */
  readonly expiresAt: number | null;
}

export function pollWindow(createdAt: number, windowMs: number, expiresAt: number | null): PollWindow {
  const byAdapter = createdAt + windowMs;
  const byGateway = expiresAt === null ? byAdapter : expiresAt + EXPIRY_GRACE_MS;
  return { deadline: Math.max(byAdapter, byGateway), expiresAt };
}

export function windowClosed(window: PollWindow, now: number): boolean {
  return now >= window.deadline;
}

/**
 * The time of poll number `attempt`, or null when polling should stop (the final look has failed for
 * `FINAL_LOOK_RETRY_MS`). A poll due after the deadline is moved to the deadline, so the final look happens when the
 * gateway stops changing the order; a poll that would skip past `expires_at + EXPIRY_GRACE_MS` is moved there.
 */
export function nextPollAt(attempt: number, now: number, window: PollWindow): number | null {
  if (now >= window.deadline + FINAL_LOOK_RETRY_MS) return null;
  let at = now + pollDelay(attempt);
  if (now < window.deadline) at = Math.min(at, window.deadline);
  if (window.expiresAt !== null) {
    const expiryLook = window.expiresAt + EXPIRY_GRACE_MS;
    if (expiryLook > now && expiryLook < at) at = expiryLook;
  }
  return at;
}

/** When to ask the gateway about pending refunds for the `attempt`-th time (0-based): 15 s, 30 s, … capped at an hour. */
export function refundPollAt(attempt: number, now: number): number {
  return now + pollDelay(attempt);
}
