/** Shared helpers for tests that drive the whole Worker inside workerd. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { TEST_BINDINGS } from "./bindings";
import { orderObjectName, type GatewayId } from "../src/core/model";
import type { Env } from "../src/env";
import checkpost from "../src/index";
import { orderStub, type OrderObject } from "../src/storage/order-object";
import committedOpenApi from "../public/openapi.json";

/** The order Durable Object's class, for typing `runInDurableObject` callbacks (the one import of it in test/). */
export type { OrderObject };

export const API_KEY = TEST_BINDINGS.PROXY_API_KEYS.split(",")[0] ?? "";
export const BASE = "https://checkpost.test";

interface WorkerEntry {
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

/** The Worker under test (its default export), called in-process. */
export function worker(): WorkerEntry {
  return (exports as unknown as { default: WorkerEntry }).default;
}

/**
 * A client address for one request, picked at random in 10.0.0.0/8: each request a customer of its own, so the
 * per-IP limit of the public routes (src/http/rate-limit.ts, 60 a minute as deployed) never couples suites or
 * tests. The rate-limit suite sends its own addresses from other ranges (TEST-NET-3, 2001:db8::/32).
 */
export function someClientIp(): string {
  const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

/** `CF-Connecting-IP`, as Cloudflare sets it on every request, unless the test sets one. */
export function withClientIp(request: Request): Request {
  if (!request.headers.has("cf-connecting-ip")) request.headers.set("cf-connecting-ip", someClientIp());
  return request;
}

/** The OpenAPI document as served (`public/openapi.json`, a static asset written by `npm run openapi`). */
export function openApiDoc(): unknown {
  return structuredClone(committedOpenApi);
}

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return worker().fetch(withClientIp(new Request(new URL(path, BASE), init)));
}

/** A `/v1` call with the primary API key. */
export function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${API_KEY}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return call(path, { ...init, headers, body: body ?? null });
}

/** Calls the Worker with some settings changed (a new env object, so settings are read afresh). */
export async function callWithEnv(
  overrides: Record<string, string>,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization") && path.startsWith("/v1/")) headers.set("authorization", `Bearer ${API_KEY}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const ctx = createExecutionContext();
  const request = new Request(new URL(path, BASE), { ...init, headers, body: body ?? null, redirect: "manual" });
  const res = await checkpost.fetch(withClientIp(request), { ...env, ...overrides } as unknown as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Asserts a problem+json response and returns its body. */
export async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as Record<string, unknown>;
  expect(body["code"]).toBe(code);
  expect(body["status"]).toBe(status);
  expect(body["request_id"]).toBe(res.headers.get("x-request-id"));
  return body;
}

/** The order's Durable Object as checkpost calls it (typed RPC), named by src's `orderStub`. */
export function order(gateway: GatewayId, orderId: string) {
  return orderStub(env, { gateway, orderId });
}

/** The order's Durable Object stub, for `cloudflare:test` helpers (`runInDurableObject`, `runDurableObjectAlarm`). */
/** An order's object, typed with its class for `runInDurableObject` (`src/env.ts` leaves the namespace untyped). */
export function objectOf(gateway: GatewayId, orderId: string): DurableObjectStub<OrderObject> {
  return env.ORDERS.getByName(orderObjectName({ gateway, orderId })) as unknown as DurableObjectStub<OrderObject>;
}

let counter = 0;
/** An order id no other test uses. */
export function uniqueOrderId(prefix = "ord"): string {
  counter += 1;
  return `${prefix}_${Date.now().toString(36)}_${counter}`;
}

/** Captures every console line a block logs, whatever its level (structured logs use the level's method). */
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const methods = ["log", "debug", "info", "warn", "error"] as const;
  const original = methods.map((m): unknown => Reflect.get(console, m));
  const sink = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  for (const m of methods) console[m] = sink;
  try {
    const result = await fn();
    return { result, lines };
  } finally {
    methods.forEach((m, i) => Reflect.set(console, m, original[i]));
  }
}

/** The simulator's control API. */
export async function sim(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return fetch(new URL(path, "http://sim.test"), { ...init, headers, body: body ?? null });
}

/** One call a simulated gateway received, as `GET /__control/calls` lists it. */
export interface RecordedCall {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

/** The calls the simulated `gateway` received whose path contains `pathPart`, oldest first. */
export async function gatewayCalls(gateway: GatewayId, pathPart = ""): Promise<RecordedCall[]> {
  const res = await sim(`/__control/calls?gateway=${gateway}&path=${encodeURIComponent(pathPart)}`);
  return (await res.json()) as RecordedCall[];
}
