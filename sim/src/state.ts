/**
 * The simulator's state: in memory, one isolate. Recorded calls (so tests can assert that no gateway call was made),
 * injectable faults, and each gateway's orders. `POST /__control/reset` clears it.
 */

export type SimGateway = "juspay" | "phonepe" | "nimbbl";

export interface RecordedCall {
  readonly gateway: SimGateway;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly at: number;
}

/** What a fault does to a matching request. */
export type Fault =
  | { readonly kind: "status"; readonly status: number; readonly body?: string; readonly contentType?: string }
  | { readonly kind: "html"; readonly status?: number }
  | { readonly kind: "malformed_json" }
  | { readonly kind: "wrong_content_type" }
  | { readonly kind: "truncated" }
  | { readonly kind: "timeout"; readonly ms?: number }
  | { readonly kind: "slow_body"; readonly ms: number }
  | { readonly kind: "reset" }
  /**
   * A 3xx pointing elsewhere (a hijacked DNS name, a misconfigured proxy, an http→https hop): a client that follows
   * it sends the request, credentials and body included, to `location`.
   */
  | { readonly kind: "redirect"; readonly status?: 301 | 302 | 303 | 307 | 308; readonly location: string }
  /** Let the request through to the handler, then answer with this fault anyway (the gateway did the work). */
  | { readonly kind: "after_success"; readonly then: Exclude<Fault, { kind: "after_success" }> };

export interface FaultRule {
  readonly gateway: SimGateway;
  /** Substring of the request path that selects the rule, e.g. `/orders/` or `/refunds`. */
  readonly path: string;
  readonly method?: string;
  readonly fault: Fault;
  /** How many matching requests it applies to; `null` for every one. */
  remaining: number | null;
}

export interface SimState {
  calls: RecordedCall[];
  faults: FaultRule[];
  /** Per-gateway storage the gateway modules own, keyed however they like. */
  data: Record<SimGateway, Map<string, unknown>>;
}

export const state: SimState = {
  calls: [],
  faults: [],
  data: { juspay: new Map(), phonepe: new Map(), nimbbl: new Map() },
};

export function reset(): void {
  state.calls = [];
  state.faults = [];
  for (const m of Object.values(state.data)) m.clear();
}

/** The first matching rule, consumed once. */
export function takeFault(gateway: SimGateway, method: string, path: string): Fault | null {
  for (const rule of state.faults) {
    if (rule.gateway !== gateway || !path.includes(rule.path)) continue;
    if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
    if (rule.remaining !== null) {
      if (rule.remaining <= 0) continue;
      rule.remaining--;
    }
    return rule.fault;
  }
  return null;
}
