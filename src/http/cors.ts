/**
 * CORS for `/handleJuspayResponse` only (product.md §1 `ALLOWED_ORIGINS`): the merchant's front ends call it from a
 * browser. A listed `Origin` gets its preflight answered (204) and `Access-Control-Allow-Origin` on the answer, errors
 * included; any other origin gets no CORS headers (its preflight is the 405 every unrouted method gets). No cookies
 * or credentials are involved, so none are allowed.
 */
import { HttpError, type AppRequest, type Handler, type RequestContext } from "./context";
import { problemResponse } from "./respond";

const MAX_AGE_S = "600";

function allowedOrigin(request: AppRequest, rc: RequestContext): string | null {
  const origin = request.headers.get("origin");
  return origin !== null && rc.config.allowedOrigins.includes(origin) ? origin : null;
}

/** `OPTIONS` from a listed origin: 204 with what the real call may use; otherwise nothing (the router goes on). */
export function corsPreflight(request: AppRequest, rc: RequestContext): Response | undefined {
  const origin = allowedOrigin(request, rc);
  if (!origin) return undefined;
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type",
      "access-control-max-age": MAX_AGE_S,
      vary: "Origin",
    },
  });
}

/** Runs the route's steps, then lets a listed origin read the answer (an error's too). */
export function withCors(...steps: Handler[]): Handler {
  return async (request, rc) => {
    let response: Response | undefined;
    try {
      for (const step of steps) if ((response = await step(request, rc))) break;
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      response = problemResponse(error.problem, request, rc.requestId);
    }
    if (!response) return undefined;
    response = new Response(response.body, response);
    response.headers.append("vary", "Origin");
    const origin = allowedOrigin(request, rc);
    if (origin) {
      response.headers.set("access-control-allow-origin", origin);
      response.headers.set("access-control-expose-headers", "x-request-id");
    }
    return response;
  };
}
