/** The Worker's entry point: the fetch handler and the order Durable Object class. Nothing else. */
import { loadConfig } from "./config";
import { requestPoint } from "./metrics";
import { ERROR_TABLE, proxyError } from "./core/errors";
import { createLogger, logsAt } from "./core/log";
import type { Env } from "./env";
import { HttpError, type AppRequest, type RequestContext } from "./http/context";
import { answeredProblem, problemResponse } from "./http/respond";
import { buildRouter, pathHasOtherMethods } from "./http/router";
import { logConfigurationOnce } from "./http/routes/health";

export { OrderObject } from "./storage/order-object";

const router = buildRouter();
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export default {
  async fetch(request: Request, env: Env, exec: ExecutionContext): Promise<Response> {
    const started = Date.now();
    const config = loadConfig(env);
    const incoming = request.headers.get("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    const log = createLogger(config.logLevel, { request_id: requestId });
    const rc: RequestContext = { env, exec, config, log, requestId, now: () => Date.now(), facts: {} };
    logConfigurationOnce(rc, new URL(request.url), log);

    let response: Response;
    try {
      response =
        (await router.fetch(request, rc)) ??
        problemResponse(
          proxyError(pathHasOtherMethods(router, request) ? "method_not_allowed" : "route_not_found"),
          request,
          requestId,
        );
    } catch (error) {
      if (error instanceof HttpError) {
        response = problemResponse(error.problem, request, requestId);
      } else {
        // A bug, never relabelled as a 4xx: gateways retry on 5xx, which is what we want.
        log.error("unhandled error", {
          error: error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown",
          stack: error instanceof Error ? (error.stack ?? null) : null,
        });
        response = problemResponse(proxyError("internal"), request, requestId);
      }
    }
    if (!response.headers.has("x-request-id")) {
      response = new Response(response.body, response);
      response.headers.set("x-request-id", requestId);
    }
    // Nothing to build for a line that `LOG_LEVEL=warn` (production, benchmarks) drops, unless it is a 5xx.
    if (env.METRICS || response.status >= 500 || logsAt(config.logLevel, "info"))
      requestLine(request as AppRequest, rc, response, started);
    return response;
  },
} satisfies ExportedHandler<Env>;

/**
 * The request line and its data point: the route template (never the raw path, which carries order ids), the
 * gateway, the status, the error code and its reason as the caller saw it (checkpost's own words, never a payload or
 * a secret), and the duration.
 */
function requestLine(request: AppRequest, rc: RequestContext, response: Response, started: number): void {
  const route = typeof request.route === "string" ? request.route : "unmatched";
  const problem = answeredProblem(request);
  const point = {
    method: request.method,
    route,
    gateway: request.params?.["gateway"] ?? rc.facts?.gateway ?? (route.includes("juspay") ? "juspay" : undefined),
    status: response.status,
    code: problem ? ERROR_TABLE[problem.reason].code : undefined,
    ms: Date.now() - started,
  };
  requestPoint(rc.env.METRICS, point);
  const fields = {
    ...point,
    detail: problem?.detail,
    fields: problem?.fields?.map((f) => f.path).join(","),
    ...problem?.log,
  };
  if (response.status >= 500) rc.log.warn("request", fields);
  else rc.log.info("request", fields);
}
