/**
 * The gateway faults every server-to-server call is tested against (product.md §7, issue 9), as simulator fault
 * rules (sim/src/faults.ts). `status` is what checkpost must answer (502, or 504 when the gateway ran out of time);
 * `retryable` says whether an idempotent read is sent a second time (a network failure or a 5xx); `reached` says
 * whether the simulated gateway did the work before the answer went wrong (the fault is applied to its real answer).
 */
import { SHORT_TIMEOUT_MS } from "./support";

export interface FaultCase {
  readonly name: string;
  readonly fault: Record<string, unknown>;
  readonly status: 502 | 504;
  readonly retryable: boolean;
  readonly reached: boolean;
}

const LATE = SHORT_TIMEOUT_MS * 6;

export const FAULTS: readonly FaultCase[] = [
  { name: "a 500", fault: { kind: "status", status: 500 }, status: 502, retryable: true, reached: false },
  {
    name: "a 503",
    fault: { kind: "status", status: 503, body: '{"error":"maintenance"}' },
    status: 502,
    retryable: true,
    reached: false,
  },
  { name: "a 429", fault: { kind: "status", status: 429 }, status: 502, retryable: false, reached: false },
  { name: "a timeout", fault: { kind: "timeout", ms: LATE }, status: 504, retryable: false, reached: false },
  { name: "a connection reset", fault: { kind: "reset" }, status: 502, retryable: true, reached: false },
  { name: "malformed JSON", fault: { kind: "malformed_json" }, status: 502, retryable: false, reached: false },
  { name: "an HTML error page", fault: { kind: "html", status: 502 }, status: 502, retryable: true, reached: false },
  {
    name: "a 200 HTML page",
    fault: {
      kind: "status",
      status: 200,
      body: "<html><body>Service Unavailable</body></html>",
      contentType: "text/html",
    },
    status: 502,
    retryable: false,
    reached: false,
  },
  {
    name: "the wrong content type",
    fault: { kind: "wrong_content_type" },
    status: 502,
    retryable: false,
    reached: true,
  },
  {
    name: "a redirect elsewhere",
    fault: { kind: "redirect", status: 307, location: "http://attacker.test/redirected" },
    status: 502,
    retryable: false,
    reached: false,
  },
  { name: "a truncated body", fault: { kind: "truncated" }, status: 502, retryable: false, reached: true },
  { name: "a slow body", fault: { kind: "slow_body", ms: LATE }, status: 504, retryable: false, reached: true },
];
