/** What every handler receives besides the request, and the router's type. */
import type { IRequest, RouterType } from "itty-router";
import type { Config } from "../config";
import type { ProxyError } from "../core/errors";
import type { Logger } from "../core/log";
import type { Env } from "../env";

export interface RequestContext {
  readonly env: Env;
  readonly exec: ExecutionContext;
  readonly config: Config;
  readonly log: Logger;
  readonly requestId: string;
  readonly now: () => number;
  /** What a route learns that the request line should carry (the gateway of `POST /v1/orders`, from its body). */
  readonly facts?: { gateway?: string };
}

export type AppRequest = IRequest;
export type Handler = (request: AppRequest, rc: RequestContext) => Promise<Response | undefined> | Response | undefined;
export type AppRouter = RouterType<AppRequest, [RequestContext], Response | undefined>;

/**
 * An early exit inside `http/` only (the itty `StatusError` idea): thrown by a route helper, turned into a problem
 * response by the router's `catch`. Everything else thrown is a bug and becomes a 500.
 */
export class HttpError extends Error {
  constructor(readonly problem: ProxyError) {
    super(problem.reason);
    this.name = "HttpError";
  }
}

/** Unwraps a Result inside a handler, exiting with its error. */
export function orThrow<T>(result: { ok: true; value: T } | { ok: false; error: ProxyError }): T {
  if (!result.ok) throw new HttpError(result.error);
  return result.value;
}
