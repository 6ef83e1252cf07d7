/**
 * The Worker's bindings, vars and secrets (product.md §1): the settings of `settings.ts` plus the order Durable
 * Object namespace, the KV namespace, the D1 order index and the Rate Limiting bindings.
 */
import type { RateLimiterName } from "./core/rate-limit";
import type { Settings } from "./settings";

export { setting, type SettingName, type Settings } from "./settings";

/**
 * The Rate Limiting bindings, one per tier (`[[ratelimits]]` in wrangler.toml, core/rate-limit.ts), of which
 * `PUBLIC_RATE_LIMIT` selects one. Optional: a deployment without the selected one is reported, not failed.
 */
type RateLimiters = Partial<Record<RateLimiterName, RateLimit>>;

export interface Env extends Settings, RateLimiters {
  /**
   * The `OrderObject` namespace, untyped here so that `env.ts` imports no storage (no import cycle): the one place
   * that names an object, `storage/order-object.ts` `orderStub`, types its stub as `OrderClient`.
   */
  ORDERS: DurableObjectNamespace;
  KV: KVNamespace;
  /** The order index (`storage/order-index.ts`): a projection written by each order's object, never decisive. */
  DB: D1Database;
  /** Workers Analytics Engine dataset (src/metrics.ts); optional: without it no data points are written. */
  METRICS?: AnalyticsEngineDataset;
}
