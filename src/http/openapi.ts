/**
 * The OpenAPI 3.1 document (`public/openapi.json`, written by `npm run openapi`): requests from the zod schemas that
 * validate them (`schemas.ts`, `routes/*-schemas.ts`), answers from the schemas in `responses.ts` that the tests
 * parse real answers with, the headers of product.md §2 and the outbound events of §4 (`webhooks`).
 */
import type * as z from "zod/mini";
import { IDEMPOTENCY_KEY_PATTERN } from "../core/idempotency";
import { EVENT_TYPES } from "../core/order";
import type { ApiOperation } from "./api";
import { toComponentSchema, toJsonSchema } from "./json-schema";
import { EXAMPLES, REQUEST_EXAMPLES } from "./openapi-examples";
import { CORE_OPERATIONS, JUSPAY_OPERATIONS } from "./operations";
import { COMPONENTS, eventSchema } from "./responses";

type Json = Record<string, unknown>;

let cached: string | null = null;

const ref = (kind: "schemas" | "headers" | "parameters", name: string) => ({ $ref: `#/components/${kind}/${name}` });

const HEADERS: Json = {
  RequestId: { description: "The request's id, also in every log line and problem's request_id", schema: str() },
  RetryAfter: { description: "Seconds to wait before trying again", schema: { type: "integer", minimum: 1 } },
  IdempotentReplayed: {
    description: "true when this is the stored answer to an earlier request with the same Idempotency-Key",
    schema: { type: "string", const: "true" },
  },
  Location: { description: "Where the customer's browser goes next", schema: { type: "string", format: "uri" } },
};

function str(): Json {
  return { type: "string" };
}

/** Statuses whose problem may say when to try again (rate limits, the order index, a gateway that said so). */
const RETRY_STATUSES = new Set(["429", "502", "503"]);

function schemaOf(schema: z.ZodMiniType): Json {
  const name = COMPONENTS.get(schema);
  return name ? ref("schemas", name) : toComponentSchema(schema, COMPONENTS);
}

function response(op: ApiOperation, status: string, description: string): Json {
  const body = op.bodies?.[status];
  const headers: Json = { "x-request-id": ref("headers", "RequestId") };
  const error = Number(status) >= 400;
  if (op.idempotencyKey) headers["Idempotent-Replayed"] = ref("headers", "IdempotentReplayed");
  const problemBody = body === undefined || body === "html";
  if (error && RETRY_STATUSES.has(status) && problemBody) headers["Retry-After"] = ref("headers", "RetryAfter");
  if (body === "redirect") return { description, headers: { ...headers, Location: ref("headers", "Location") } };
  const problem = { "application/problem+json": { schema: ref("schemas", "Problem") } };
  let content: Json | undefined;
  if (body === "html")
    content = error ? { ...problem, "text/html": { schema: str() } } : { "text/html": { schema: str() } };
  else if (body) content = { "application/json": { schema: schemaOf(body) } };
  else if (error) content = problem;
  return { description, headers, ...(content ? { content } : {}) };
}

function parameters(op: ApiOperation): Json[] {
  const params: Json[] = [...op.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: m[1] === "gateway" ? { type: "string", enum: ["juspay", "phonepe", "nimbbl"] } : str(),
  }));
  const query = op.query ? (toJsonSchema(op.query) as { properties?: Record<string, Json> }) : null;
  for (const [name, schema] of Object.entries(query?.properties ?? {})) {
    const { description, ...rest } = schema;
    params.push({ name, in: "query", required: false, schema: rest, ...(description ? { description } : {}) });
  }
  if (op.idempotencyKey) {
    params.push({
      name: "Idempotency-Key",
      in: "header",
      required: op.idempotencyKey === "required",
      description:
        "Scoped to the endpoint and order, kept at least 24 h: a repeat with the same body replays the answer (Idempotent-Replayed: true); another body is 422 idempotency_key_reused; while the first runs, 409 idempotency_key_in_use",
      schema: { type: "string", pattern: IDEMPOTENCY_KEY_PATTERN.source },
    });
  }
  return params;
}

function requestBody(op: ApiOperation): Json | null {
  if (!op.body) return null;
  const schema = toJsonSchema(op.body);
  const example = REQUEST_EXAMPLES[op.operationId];
  const json = { schema, ...(example ? { example } : {}) };
  const form = op.form ? { "application/x-www-form-urlencoded": { schema } } : {};
  return { required: op.auth !== "gateway", content: { "application/json": json, ...form } };
}

function operation(op: ApiOperation): Json {
  const responses: Record<string, string> = { ...op.responses };
  if (op.auth === "bearer") responses["401"] ??= "Missing or invalid API key";
  responses["500"] ??= "Internal error";
  const params = parameters(op);
  const body = requestBody(op);
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(op.auth === "bearer" ? { security: [{ bearer: [] }] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: Object.fromEntries(Object.entries(responses).map(([s, d]) => [s, response(op, s, d)])),
  };
}

/** `webhooks`: every event checkpost POSTs to MERCHANT_WEBHOOK_URL (product.md §4), signed per Standard Webhooks. */
function webhooks(): Json {
  const header = (name: string, description: string) => ({
    name,
    in: "header",
    required: true,
    description,
    schema: str(),
  });
  const signing = [
    header("webhook-id", "The event's id: the same on every retry (de-duplicate by it)"),
    header("webhook-timestamp", "Unix seconds of this attempt"),
    header("webhook-signature", "v1,<base64 HMAC-SHA256 of id.timestamp.body>, space-separated during key rotation"),
  ];
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `on_${type.replace(/\./g, "_")}`,
          summary: `${type}: the order's unified state changed (in order per order, at least once, retried ≥ 24 h)`,
          parameters: signing,
          requestBody: {
            required: true,
            content: { "application/json": { schema: toComponentSchema(eventSchema(type), COMPONENTS) } },
          },
          responses: {
            "2XX": { description: "Delivered" },
            "410": { description: "Gone: deliveries stop until POST /v1/deliveries/{id}/retry" },
            default: { description: "Retried with exponential backoff and jitter" },
          },
        },
      },
    ]),
  );
}

export function openApiDocument(): string {
  if (cached) return cached;
  const operations: readonly ApiOperation[] = [...CORE_OPERATIONS, ...JUSPAY_OPERATIONS];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operation(op);
  const schemas: Json = {};
  for (const [schema, name] of COMPONENTS) {
    const example = EXAMPLES[name];
    schemas[name] = { ...toComponentSchema(schema, COMPONENTS), ...(example ? { examples: [example] } : {}) };
  }
  cached = JSON.stringify({
    openapi: "3.1.0",
    info: { title: "checkpost", version: "0.1.0", description: "Edge payment proxy for Juspay, PhonePe and Nimbbl." },
    paths,
    webhooks: webhooks(),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A PROXY_API_KEYS entry" } },
      headers: HEADERS,
      schemas,
    },
  });
  return cached;
}
