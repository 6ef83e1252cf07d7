/**
 * `GET /healthz` (public) and `GET /v1/health` (API key): one health report per deployment, computed once per `env`
 * object (once per isolate), plus the one check that depends on the request, `PUBLIC_BASE_URL` on a loopback host.
 *
 * - A gateway without its secrets is disabled, not a problem; a misconfigured one is. Anything broken makes
 *   `/healthz` answer 503 `{ok: false, problems}`.
 * - `/healthz` names each problem by the var it is about, or by an area (`api_keys`, `merchant_signing`,
 *   `checkpost_tokens`, a gateway id) when it is about a secret, so a missing secret and a malformed one read the
 *   same and no caller learns which secrets exist. `/v1/health` has the sentences, and each gateway's and feature's
 *   state with what it lacks.
 * - "Local development" is a request whose own host is a loopback one (wrangler dev, `npm start`): there a localhost
 *   `PUBLIC_BASE_URL` is right; anywhere else gateways would be handed localhost return URLs, which is a problem.
 */
import { GATEWAYS, gatewaySetup } from "../../gateways";
import { setting, type SettingName } from "../../settings";
import type { GatewayId } from "../../core/model";
import type { Env } from "../../env";
import type { Config } from "../../config";
import type { Logger } from "../../core/log";
import type { AppRequest, RequestContext } from "../context";
import { rateLimitProblems } from "../rate-limit";
import { json } from "../respond";

type State = { enabled: true } | { enabled: false; missing?: readonly string[]; problems?: readonly string[] };

interface Report {
  readonly gateways: Record<string, State>;
  readonly features: Record<string, State>;
  readonly problems: readonly string[];
}

const reports = new WeakMap<Env, Report>();
const SECRET_AREAS: Readonly<Record<string, string>> = {
  PROXY_API_KEYS: "api_keys",
  MERCHANT_WEBHOOK_SECRET: "merchant_signing",
  CHECKPOST_SECRET: "checkpost_tokens",
};

/** A feature that needs every one of `names`: on, or off with what it lacks. */
function needs(env: Env, names: readonly SettingName[]): State {
  const missing = names.filter((n) => setting(env, n) === undefined);
  return missing.length ? { enabled: false, missing } : { enabled: true };
}

function buildReport(env: Env, config: Config): Report {
  const problems = [...config.problems, ...rateLimitProblems(env, config)];
  const gateways: Record<string, State> = {};
  for (const id of Object.keys(GATEWAYS) as GatewayId[]) {
    const setup = gatewaySetup(env, id);
    if (setup.state === "enabled") gateways[id] = { enabled: true };
    else if (setup.state === "disabled") gateways[id] = { enabled: false, missing: setup.missing };
    else {
      gateways[id] = { enabled: false, problems: setup.problems };
      problems.push(...setup.problems.map((p) => `${id}: ${p}`));
    }
  }
  if (!config.apiKeys.length) problems.push("PROXY_API_KEYS is not set: every /v1 call is refused");
  if (!config.merchantSecrets.length)
    problems.push("MERCHANT_WEBHOOK_SECRET is not set: no signed return to MERCHANT_RETURN_URL, and no events");
  const tokens: State = config.tokenSecrets.length
    ? { enabled: true }
    : { enabled: false, missing: ["CHECKPOST_SECRET"] };
  const features: Record<string, State> = {
    api: needs(env, ["PROXY_API_KEYS"]),
    signed_return: needs(env, ["MERCHANT_RETURN_URL", "MERCHANT_WEBHOOK_SECRET"]),
    events: needs(env, ["MERCHANT_WEBHOOK_URL", "MERCHANT_WEBHOOK_SECRET"]),
    status_page: tokens,
    phonepe_return: tokens,
    juspay_sdk_signing: needs(env, ["JUSPAY_SDK_KEY_ID", "JUSPAY_SDK_SIGNING_KEY"]),
    cors: config.allowedOrigins.length ? { enabled: true } : { enabled: false, missing: ["ALLOWED_ORIGINS"] },
    rate_limit: config.publicRateLimit === null ? { enabled: false } : { enabled: true },
  };
  return { gateways, features, problems };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|.+\.localhost)$/i;

/** The deployment's report, with the loopback check for this request's host. */
function report(rc: RequestContext, requestUrl: URL): Report {
  let base = reports.get(rc.env);
  if (!base) {
    base = buildReport(rc.env, rc.config);
    reports.set(rc.env, base);
  }
  const pub = rc.config.publicBaseUrl;
  if (!pub || !LOOPBACK.test(pub.hostname) || LOOPBACK.test(requestUrl.hostname)) return base;
  const localhost = "PUBLIC_BASE_URL is a localhost URL outside local development: gateways would send customers there";
  return { ...base, problems: [...base.problems, localhost] };
}

/** Logs every problem once per `env` object (once per isolate), one line each. */
const logged = new WeakSet<Env>();
export function logConfigurationOnce(rc: RequestContext, requestUrl: URL, log: Logger): void {
  if (logged.has(rc.env)) return;
  logged.add(rc.env);
  for (const problem of report(rc, requestUrl).problems) log.error("configuration problem", { problem });
}

/** The public name of a problem: its var, or an area for a secret or a gateway. */
function publicName(problem: string): string {
  const gateway = /^([a-z]+): /.exec(problem)?.[1];
  if (gateway) return gateway;
  const name = /^[A-Z0-9_]+/.exec(problem)?.[0] ?? "configuration";
  return SECRET_AREAS[name] ?? name;
}

export function healthz(request: AppRequest, rc: RequestContext): Response {
  const r = report(rc, new URL(request.url));
  const gateways = Object.fromEntries(Object.entries(r.gateways).map(([id, s]) => [id, { enabled: s.enabled }]));
  const problems = [...new Set(r.problems.map(publicName))];
  return json({ ok: !problems.length, gateways, problems }, problems.length ? 503 : 200, {
    "cache-control": "no-store",
  });
}

export function v1Health(request: AppRequest, rc: RequestContext): Response {
  const r = report(rc, new URL(request.url));
  return json({ ok: !r.problems.length, ...r }, 200, { "cache-control": "no-store" });
}
