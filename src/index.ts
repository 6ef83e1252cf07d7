/** The Worker's entry point: the fetch handler and the order Durable Object class. Nothing else. */
import { loadConfig } from "./config";
import { proxyError } from "./core/errors";
import { createLogger, logsAt } from "./core/log";
import type { Env } from "./env";
import { HttpError, type RequestContext } from "./http/context";
import { problemResponse } from "./http/respond";
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
    const rc: RequestContext = { env, exec, config, log, requestId, now: () => Date.now() };
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
    // No URL parse and no fields for a line that `LOG_LEVEL=warn` (production, benchmarks) drops anyway.
    if (logsAt(config.logLevel, "info"))
      log.info("request", {
        method: request.method,
        path: new URL(request.url).pathname,
        status: response.status,
        ms: Date.now() - started,
      });
    return response;
  },
} satisfies ExportedHandler<Env>;
