/** `GET /healthz`: liveness, which gateways are enabled, and configuration problems (never secret values). */
import { GATEWAYS, gatewaySetup } from "../../gateways";
import type { GatewayId } from "../../core/model";
import type { AppRequest, RequestContext } from "../context";
import { openApiDocument } from "../openapi";
import { rateLimitProblems } from "../rate-limit";
import { json } from "../respond";

export function healthz(_request: AppRequest, rc: RequestContext): Response {
  const gateways: Record<string, unknown> = {};
  const problems = [...rc.config.problems, ...rateLimitProblems(rc.env, rc.config)];
  for (const id of Object.keys(GATEWAYS) as GatewayId[]) {
    const setup = gatewaySetup(rc.env, id);
    if (setup.state === "enabled") gateways[id] = { enabled: true };
    else if (setup.state === "disabled") gateways[id] = { enabled: false, missing: setup.missing };
    else {
      gateways[id] = { enabled: false, problems: setup.problems };
      problems.push(...setup.problems.map((p) => `${id}: ${p}`));
    }
  }
  if (!rc.config.apiKeys.length) problems.push("PROXY_API_KEYS is not set: every /v1 call is refused");
  if (!rc.config.merchantSecrets.length)
    problems.push("MERCHANT_WEBHOOK_SECRET is not set: no signed redirects or events");
  return json({ ok: true, gateways, problems }, 200, { "cache-control": "no-store" });
}

export function openApi(): Response {
  return new Response(openApiDocument(), { headers: { "content-type": "application/json" } });
}
