/**
 * A Juspay mandate as checkpost holds it (product.md §2, §4; juspay.md §6, §12): what registration asks for, the
 * state last confirmed server-to-server, and the fold of a confirmed state onto the held one. Pure.
 *
 * Statuses: `CREATED, ACTIVE, PAUSED, REVOKED, FAILURE, EXPIRED` (juspay.md §6, the appendix). REVOKED, FAILURE and
 * EXPIRED are final: nothing moves a mandate out of them (a late or replayed ACTIVE never revives one). ACTIVE ⇄
 * PAUSED both ways; CREATED is never re-entered. An unknown status is kept in `gateway_status` and changes nothing.
 */
import type { EventType } from "./order";

export const MANDATE_STATUSES = ["CREATED", "ACTIVE", "PAUSED", "REVOKED", "FAILURE", "EXPIRED"] as const;
export type MandateStatus = (typeof MANDATE_STATUSES)[number];
const FINAL: ReadonlySet<string> = new Set(["REVOKED", "FAILURE", "EXPIRED"]);

export const MANDATE_EVENT: Readonly<Record<MandateStatus, EventType>> = {
  CREATED: "mandate.created",
  ACTIVE: "mandate.activated",
  PAUSED: "mandate.paused",
  REVOKED: "mandate.revoked",
  FAILURE: "mandate.failed",
  EXPIRED: "mandate.expired",
};

/** Frequencies (juspay.md §12); `rule_type`/`rule_value` do not apply to the first three. */
export const FREQUENCIES = [
  "ONETIME",
  "DAILY",
  "ASPRESENTED",
  "WEEKLY",
  "FORTNIGHTLY",
  "MONTHLY",
  "BIMONTHLY",
  "QUARTERLY",
  "HALFYEARLY",
  "YEARLY",
] as const;

/** The largest `rule_value` per frequency (juspay.md §12: 1–7 weekly, 1–16 fortnightly, otherwise 1–31). */
export function maxRuleValue(frequency: string): number | null {
  if (frequency === "ONETIME" || frequency === "DAILY" || frequency === "ASPRESENTED") return null;
  return frequency === "WEEKLY" ? 7 : frequency === "FORTNIGHTLY" ? 16 : 31;
}

/** What the gateway confirmed about a mandate (Order Status `mandate` block, or the customer's mandate list). */
export interface MandateSnapshot {
  readonly mandate_id: string;
  readonly gateway_status: string;
  readonly max_amount: number | null;
  readonly currency: string | null;
  readonly frequency: string | null;
  readonly amount_rule: string | null;
  readonly mandate_type: string | null;
  readonly start_date: string | null;
  readonly end_date: string | null;
}

/** The mandate document (one per mandate object). Never the debit token. */
export interface MandateRecord extends MandateSnapshot {
  readonly status: MandateStatus | null;
  readonly customer_id: string | null;
  /** The registration order (`content.mandate.order_id`, or the order whose confirmed status named it). */
  readonly order_id: string | null;
  /** Bumped once per event (`data.sequence`). */
  readonly sequence: number;
  /** A webhook asked for a confirmation that has not succeeded yet: when to try next, and how many tries so far. */
  readonly confirm_at: number | null;
  readonly confirm_tries: number;
  readonly created_at: number;
  readonly updated_at: number;
}

export function isMandateStatus(s: string): s is MandateStatus {
  return (MANDATE_STATUSES as readonly string[]).includes(s);
}

/** Whether a confirmed `next` status replaces `current`. */
export function mandateMoves(current: MandateStatus | null, next: string): next is MandateStatus {
  if (!isMandateStatus(next) || next === current) return false;
  if (current === null) return true;
  if (FINAL.has(current)) return false;
  return next !== "CREATED";
}

/** The public view (`GET /v1/juspay/mandates/:id`, event `data.mandate`): no schedule internals. */
export function toPublicMandate(m: MandateRecord): Record<string, unknown> {
  const { confirm_at: _at, confirm_tries: _tries, sequence: _seq, ...shown } = m;
  return {
    ...shown,
    created_at: new Date(m.created_at).toISOString(),
    updated_at: new Date(m.updated_at).toISOString(),
  };
}

/** `POST /v1/orders` `mandate` (validated in `http/schemas.ts`); amounts in minor units. */
export interface MandateRequest {
  readonly max_amount: number;
  readonly amount_rule: "FIXED" | "VARIABLE";
  readonly frequency: (typeof FREQUENCIES)[number];
  readonly start_date?: number | undefined;
  readonly end_date?: number | undefined;
  readonly rule_type?: "ON" | "BEFORE" | "AFTER" | undefined;
  readonly rule_value?: number | undefined;
  readonly block_funds?: boolean | undefined;
  readonly revokable_by_customer?: boolean | undefined;
  readonly required?: boolean | undefined;
}

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * What `POST /v1/orders` refuses about a mandate before anything is stored (juspay.md §12). Least convenient
 * readings where the docs are silent: only Juspay, never `register_only` (the registration rides on checkpost's
 * session call), a customer id is required (mandates are per customer), FIXED needs `max_amount` equal to the
 * amount, and the dates must be ordered.
 */
export function mandateProblems(input: {
  readonly mandate: MandateRequest;
  readonly gateway: string;
  readonly amount: number;
  readonly registerOnly: boolean;
  readonly customerId: string | null;
}): FieldProblem[] {
  const m = input.mandate;
  const out: FieldProblem[] = [];
  const bad = (path: string, message: string) => out.push({ path: `mandate.${path}`, message });
  if (input.gateway !== "juspay") out.push({ path: "mandate", message: "mandates are only available on juspay" });
  if (input.registerOnly) out.push({ path: "mandate", message: "a mandate cannot be registered with register_only" });
  if (!input.customerId) out.push({ path: "customer.id", message: "a mandate needs a customer id" });
  if (m.amount_rule === "FIXED" && m.max_amount !== input.amount) bad("max_amount", "must equal amount for FIXED");
  if (m.amount_rule === "VARIABLE" && m.max_amount < input.amount) bad("max_amount", "must be at least amount");
  const maxRule = maxRuleValue(m.frequency);
  if (maxRule === null && (m.rule_type !== undefined || m.rule_value !== undefined))
    bad("rule_type", `not allowed for ${m.frequency}`);
  if (maxRule !== null && (m.rule_type === undefined) !== (m.rule_value === undefined))
    bad("rule_value", "rule_type and rule_value go together");
  if (maxRule !== null && m.rule_value !== undefined && m.rule_value > maxRule)
    bad("rule_value", `must be 1-${maxRule} for ${m.frequency}`);
  if (m.start_date !== undefined && m.end_date !== undefined && m.end_date <= m.start_date)
    bad("end_date", "must be after start_date");
  return out;
}

/** The mandate's object: the order class under a name no order can have (Juspay order ids have no `:`). */
export const MANDATE_PREFIX = "mandate:";
export const mandateRef = (mandateId: string) => ({
  gateway: "juspay" as const,
  orderId: `${MANDATE_PREFIX}${mandateId}`,
});
