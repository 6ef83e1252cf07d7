/**
 * `/openapi.json`'s schemas come from checkpost's own converter (`src/http/json-schema.ts`, kept small for the bundle
 * budget). zod's `toJSONSchema` is the oracle: over every schema an operation documents, both describe the same input.
 */
import * as z from "zod/mini";
import { describe, expect, it } from "vitest";
import type { ApiOperation } from "../../src/http/api";
import { toJsonSchema } from "../../src/http/json-schema";
import { CORE_OPERATIONS, JUSPAY_OPERATIONS } from "../../src/http/operations";

/** zod adds its own regular expression for formats such as `email`; a `format` says the same to a client. */
function withoutFormatPatterns(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutFormatPatterns);
  if (schema === null || typeof schema !== "object") return schema;
  const entries = Object.entries(schema as Record<string, unknown>)
    .filter(([key]) => !(key === "pattern" && "format" in (schema as Record<string, unknown>)))
    .map(([key, value]) => [key, withoutFormatPatterns(value)]);
  return Object.fromEntries(entries);
}

type Defined = { _zod: { def: { type: string; out?: Defined } } };

/**
 * The one place checkpost's converter reads a pipe's output: a query integer (schemas.ts `queryInt`, digits piped to
 * a checked number) is documented as that number, as `z.coerce.number()` was. zod describes a pipe's input, so the
 * oracle is told the same.
 */
function queryIntAsNumber(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const inner = (ctx.zodSchema as Defined)._zod.def.out?._zod.def;
  const number = inner?.type === "pipe" ? inner.out : undefined;
  if ((ctx.zodSchema as Defined)._zod.def.type !== "pipe" || number?._zod.def.type !== "number") return;
  const { $schema: _, ...described } = z.toJSONSchema(number as unknown as z.ZodMiniType, { target: "draft-2020-12" });
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, described);
}

const documented = [...CORE_OPERATIONS, ...JUSPAY_OPERATIONS].flatMap((op: ApiOperation) =>
  [
    ["body", op.body],
    ["query", op.query],
  ]
    .filter((pair): pair is [string, z.ZodMiniType] => pair[1] !== undefined)
    .map(([part, schema]) => [`${op.method.toUpperCase()} ${op.path} (${part})`, schema] as const),
);

describe("the OpenAPI document's JSON Schemas", () => {
  it("cover every documented request schema", () => {
    expect(documented.length).toBeGreaterThan(8);
  });

  it.each(documented)("describe %s as zod's own toJSONSchema does", (_name, schema) => {
    const ours = toJsonSchema(schema);
    const zods = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      unrepresentable: "any",
      io: "input",
      override: queryIntAsNumber,
    });
    expect(withoutFormatPatterns(ours)).toEqual(withoutFormatPatterns(zods));
  });

  it("leaves a kind it does not know unconstrained rather than wrong", () => {
    expect(toJsonSchema(z.date())).toEqual({ $schema: "https://json-schema.org/draft/2020-12/schema" });
  });
});
