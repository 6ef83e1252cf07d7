/**
 * Data points for the Workers Analytics Engine dataset `METRICS` (product.md §1; queries in docs/operations.md). The
 * binding is optional: without it nothing is written. One layout for every point, so one SQL shape reads them:
 * blob1 kind (`request` | `state` | `gateway_call`), blob2 gateway (a gateway call: the host called), blob3 route /
 * from-status / method, blob4 error code / to-status, blob5 method; double1 HTTP status, double2 milliseconds.
 * index1 is the gateway (the sampling key). Never an order id, an amount or anything a caller sent.
 */
export type Metrics = AnalyticsEngineDataset | undefined;

function write(metrics: Metrics, blobs: string[], doubles: number[]): void {
  try {
    metrics?.writeDataPoint({ indexes: [blobs[1] ?? ""], blobs, doubles });
  } catch {
    // Metrics never fail a request.
  }
}

export interface RequestPoint {
  readonly method: string;
  readonly route: string;
  readonly gateway: string | undefined;
  readonly status: number;
  readonly code: string | undefined;
  readonly ms: number;
}

export function requestPoint(metrics: Metrics, p: RequestPoint): void {
  write(metrics, ["request", p.gateway ?? "", p.route, p.code ?? "", p.method], [p.status, p.ms]);
}

/** An order's unified status changed (`from` is `none` for a new order). */
export function statePoint(metrics: Metrics, gateway: string, from: string, to: string): void {
  write(metrics, ["state", gateway, from, to], [0, 0]);
}

/** One call to a gateway: its host, status (0: no answer) and latency. */
export function gatewayCallPoint(metrics: Metrics, host: string, status: number, ms: number): void {
  write(metrics, ["gateway_call", host, "", "", ""], [status, ms]);
}
