/** `GET /openapi.json`: an OpenAPI 3.1 document generated from the schemas that validate requests. */
import type * as z from "zod/mini";
import type { ApiOperation } from "./api";
import { toJsonSchema } from "./json-schema";
import { CORE_OPERATIONS, JUSPAY_OPERATIONS } from "./operations";

let cached: string | null = null;

const RETRY_AFTER = { description: "Seconds to wait before trying again", schema: { type: "integer" } };

function jsonSchema(schema: z.ZodMiniType): unknown {
  return toJsonSchema(schema);
}

export function openApiDocument(): string {
  if (cached) return cached;
  const operations: readonly ApiOperation[] = [...CORE_OPERATIONS, ...JUSPAY_OPERATIONS];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const params = [...op.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = op.query ? (jsonSchema(op.query) as { properties?: Record<string, unknown> }) : null;
    for (const [name, schema] of Object.entries(query?.properties ?? {}))
      params.push({ name, in: "query", required: false, schema: schema as { type: string } });
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.auth === "bearer" ? { security: [{ bearer: [] }] } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.body) } } } }
        : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, description]) => [
          status,
          Number(status) >= 400
            ? {
                description,
                content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
                ...(status === "429" ? { headers: { "Retry-After": RETRY_AFTER } } : {}),
              }
            : { description },
        ]),
      ),
    };
  }
  cached = JSON.stringify({
    openapi: "3.1.0",
    info: { title: "checkpost", version: "0.1.0", description: "Edge payment proxy for Juspay, PhonePe and Nimbbl." },
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A PROXY_API_KEYS entry" } },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "code", "request_id"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            code: { type: "string" },
            detail: { type: "string" },
            errors: {
              type: "array",
              items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
            },
            request_id: { type: "string" },
          },
        },
      },
    },
  });
  return cached;
}
