/**
 * What every module function of the order object receives: the object's SQLite, the one `now` of the input being
 * applied, and what the deployment allows. Module functions run inside the shell's `transactionSync`, never await,
 * and never read a clock: `now` is taken once per RPC call (or per step of the alarm).
 */
import type { Logger } from "../../core/log";
import type { OrderRef } from "../../core/model";

export interface OrderTx {
  readonly sql: SqlStorage;
  readonly now: number;
  /** Whether events can be delivered (`MERCHANT_WEBHOOK_URL` set); otherwise they are kept as undeliverable. */
  readonly deliverable: boolean;
  /** The earliest time an urgent look from an untrusted trigger may start (the look budget, `looks.ts`). */
  readonly earliestLook: number;
  /** A logger carrying the order's gateway and id. */
  log(ref: OrderRef): Logger;
  /** Set by `queueEvent` when a deliverable event was queued: the shell then starts delivering at once. */
  eventQueued: boolean;
}
