/**
 * The per-IP limit on the public routes that can cause a gateway call (product.md §1 `PUBLIC_RATE_LIMIT`): the
 * return legs and `/handleJuspayResponse`. Webhooks are not limited by IP (gateways send from few addresses) and
 * `/v1` is authenticated.
 *
 * A Workers Rate Limiting binding has its limit fixed in wrangler.toml, so a var cannot change it. wrangler.toml
 * declares one binding per tier below (`RATE_LIMITER_<tier>`, each `simple = { limit = <tier>, period = 60 }`) and
 * `PUBLIC_RATE_LIMIT` selects one: the number the operator reads is the number enforced, never an approximation.
 * `0` or `off` turns the limit off. Any other value is a reported configuration problem (never a start-up failure)
 * and falls back to the nearest lower tier (the lowest one below it), so a typo never loosens the limit much.
 */

/** Requests per `RATE_LIMIT_PERIOD_S` per client address, one binding each (wrangler.toml `[[ratelimits]]`). */
export const RATE_LIMIT_TIERS = [30, 60, 120, 300, 600] as const;
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number];
export const DEFAULT_PUBLIC_RATE_LIMIT: RateLimitTier = 60;
/** Every tier's binding period, in seconds; also the `Retry-After` of a refused request (a window's upper bound). */
export const RATE_LIMIT_PERIOD_S = 60;

export type RateLimiterName = `RATE_LIMITER_${RateLimitTier}`;

export function rateLimiterName(tier: RateLimitTier): RateLimiterName {
  return `RATE_LIMITER_${tier}`;
}

/** The routes that share one budget per client address. */
export type RouteFamily = "return" | "juspay_response";

export interface ParsedRateLimit {
  /** The tier in force; null: limiting is off. */
  readonly tier: RateLimitTier | null;
  readonly problem?: string;
}

/** `PUBLIC_RATE_LIMIT` (already trimmed; undefined when unset). */
export function parsePublicRateLimit(raw: string | undefined): ParsedRateLimit {
  if (raw === undefined) return { tier: DEFAULT_PUBLIC_RATE_LIMIT };
  if (raw === "0" || raw.toLowerCase() === "off") return { tier: null };
  const tiers = RATE_LIMIT_TIERS.join(", ");
  if (!/^\d{1,9}$/.test(raw)) {
    return {
      tier: DEFAULT_PUBLIC_RATE_LIMIT,
      problem: `PUBLIC_RATE_LIMIT is not one of ${tiers} or off: using ${DEFAULT_PUBLIC_RATE_LIMIT}`,
    };
  }
  const wanted = Number(raw);
  const exact = RATE_LIMIT_TIERS.find((t) => t === wanted);
  if (exact !== undefined) return { tier: exact };
  const lower = RATE_LIMIT_TIERS.filter((t) => t < wanted);
  const tier = lower[lower.length - 1] ?? RATE_LIMIT_TIERS[0];
  return { tier, problem: `PUBLIC_RATE_LIMIT ${wanted} is not one of ${tiers} or off: using ${tier}` };
}

/** An IPv6 address as its 8 hextets, or null when it is not one. */
function hextets(ip: string): number[] | null {
  if (!/^[0-9a-f:]+$/i.test(ip) || ip.split("::").length > 2) return null;
  const [head = "", tail] = ip.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((h) => (/^[0-9a-f]{1,4}$/i.test(h) ? parseInt(h, 16) : NaN));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const all = [...left, ...Array<number>(missing).fill(0), ...right];
  return all.some(Number.isNaN) ? null : all;
}

/**
 * The client's budget key: the route family and the address from `CF-Connecting-IP`. An IPv6 address counts as
 * its /64 (one customer's network; an attacker holds billions of addresses inside one), an IPv4-mapped IPv6 address
 * as its IPv4 address. Cloudflare always sets the header; without it (a test calling the Worker in-process) every
 * request shares the one key `unknown`.
 */
export function clientKey(family: RouteFamily, ip: string | null): string {
  const raw = (ip ?? "").trim().toLowerCase();
  if (raw === "") return `${family}:unknown`;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(raw);
  if (mapped) return `${family}:${mapped[1]}`;
  if (!raw.includes(":")) return `${family}:${raw.slice(0, 45)}`;
  const h = hextets(raw);
  if (!h) return `${family}:${raw.slice(0, 45)}`;
  return `${family}:${h
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(":")}::/64`;
}
