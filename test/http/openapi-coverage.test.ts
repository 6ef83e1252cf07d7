/**
 * `/openapi.json` describes every route of the route table with an `operationId`, a typed success answer and the
 * headers of product.md §2, and every event type checkpost sends (product.md §4) under `webhooks`.
 */
import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../src/core/order";
import { buildRouter } from "../../src/http/router";
import { openApiDoc } from "../helpers";

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema?: unknown }> }>;
};
const doc = openApiDoc() as {
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: { requestBody: { content: Record<string, unknown> } } }>;
};
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ path, method, op })),
);

describe("the OpenAPI document", () => {
  it("describes every route of the route table (but the CORS preflight), under its template", () => {
    const routes = buildRouter()
      .routes.map(([method, , , path]) => `${method.toLowerCase()} ${String(path).replace(/:([a-z_]+)/g, "{$1}")}`)
      .filter((r) => !r.startsWith("all ") && !r.startsWith("options "));
    expect(routes.length).toBeGreaterThan(20);
    const described = new Set(operations.map((o) => `${o.method} ${o.path}`));
    for (const route of routes) expect(described, route).toContain(route);
  });

  it("gives every operation a unique operationId, a 5xx answer, and x-request-id on every answer", () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, op } of operations) {
      expect(Object.keys(op.responses), path).toContain("500");
      for (const [status, res] of Object.entries(op.responses))
        expect(res.headers?.["x-request-id"], `${path} ${status}`).toBeDefined();
    }
  });

  it("types the success answer of every JSON operation, and every error as a Problem", () => {
    for (const { path, op } of operations) {
      for (const [status, res] of Object.entries(op.responses)) {
        const n = Number(status);
        if (n >= 400)
          expect(res.content?.["application/problem+json"] ?? res.content?.["application/json"]).toBeDefined();
        else if (n < 300 && path !== "/openapi.json" && !path.startsWith("/status/"))
          expect(res.content?.["application/json"]?.schema, `${path} ${status}`).toBeDefined();
      }
    }
  });

  it("takes Idempotency-Key where product.md §2 says (required on refunds and mark-failed, optional on orders) and says when an answer is a replay", () => {
    const key = (path: string) => doc.paths[path]?.["post"]?.parameters?.find((p) => p.name === "Idempotency-Key");
    expect(key("/v1/orders")).toMatchObject({ in: "header", required: false });
    expect(key("/v1/orders/{gateway}/{order_id}/refunds")).toMatchObject({ in: "header", required: true });
    expect(key("/v1/orders/{gateway}/{order_id}/refunds/{refund_id}/mark-failed")).toMatchObject({ required: true });
    expect(doc.paths["/v1/orders"]?.["post"]?.responses["201"]?.headers).toHaveProperty("Idempotent-Replayed");
    expect(doc.paths["/return/{gateway}"]?.["get"]?.responses["429"]?.headers).toHaveProperty("Retry-After");
  });

  it("describes every event type checkpost sends under webhooks, with a JSON body", () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES)
      expect(doc.webhooks[type]?.post.requestBody.content).toHaveProperty("application/json");
  });
});
