/**
 * The per-IP limit of the public routes that can cause a gateway call (core/rate-limit.ts): a route-table step in
 * front of the return legs and `/handleJuspayResponse`. A refused request is `429 rate_limited` with `Retry-After`
 * (the binding's period), answered by `respond.ts` like every error, before anything is read, verified or asked.
 *
 * It fails open: when the selected binding is missing (reported once in the log and by `/healthz`) or the limiter
 * itself errs (logged), the request goes on. The per-order look budget still bounds the gateway calls (§3), and a
 * limiter outage must not turn every customer's return into an error page.
 */
import type { Config } from "../config";
import { proxyError } from "../core/errors";
import {
  clientKey,
  RATE_LIMIT_PERIOD_S,
  rateLimiterName,
  type RateLimitTier,
  type RouteFamily,
} from "../core/rate-limit";
import type { Env } from "../env";
import { HttpError, type AppRequest, type Handler, type RequestContext } from "./context";

/** The binding `PUBLIC_RATE_LIMIT` selects, as deployed. */
type Limiter =
  | { readonly state: "off" }
  | { readonly state: "missing"; readonly name: string }
  | {
      readonly state: "on";
      readonly tier: RateLimitTier;
      readonly binding: RateLimit;
    };

function limiterOf(env: Env, config: Config): Limiter {
  if (config.publicRateLimit === null) return { state: "off" };
  const name = rateLimiterName(config.publicRateLimit);
  const binding = env[name];
  if (!binding || typeof binding.limit !== "function") return { state: "missing", name };
  return { state: "on", tier: config.publicRateLimit, binding };
}

/** What `/healthz` adds to the configuration problems: the selected tier's binding is not deployed. */
export function rateLimitProblems(env: Env, config: Config): string[] {
  const limiter = limiterOf(env, config);
  return limiter.state === "missing"
    ? [`PUBLIC_RATE_LIMIT: the ${limiter.name} binding is missing from wrangler.toml: public routes are not limited`]
    : [];
}

/** The route-table step for one family of routes: nothing when within the budget, else a 429. */
export function limitByClientIp(family: RouteFamily): Handler {
  return async (request: AppRequest, rc: RequestContext): Promise<undefined> => {
    const limiter = limiterOf(rc.env, rc.config);
    if (limiter.state === "off") return undefined;
    // Reported once per isolate with the other configuration problems (routes/health.ts).
    if (limiter.state === "missing") return undefined;
    const key = clientKey(family, request.headers.get("cf-connecting-ip"));
    let allowed: boolean;
    try {
      allowed = (await limiter.binding.limit({ key })).success;
    } catch (error) {
      rc.log.error("rate limiter failed: request let through", {
        family,
        error: error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown",
      });
      return undefined;
    }
    if (allowed) return undefined;
    // The address stays out of the log; the request line shows the 429.
    rc.log.info("rate limited", { family, per_minute: limiter.tier });
    throw new HttpError(
      proxyError("rate_limited", {
        detail: `At most ${limiter.tier} requests per minute from one address`,
        retryAfter: RATE_LIMIT_PERIOD_S,
      }),
    );
  };
}
