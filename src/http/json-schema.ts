/**
 * JSON Schema (draft 2020-12, the input side) of the zod/mini schemas that validate requests, for `/openapi.json`.
 * zod's own `toJSONSchema` handles every zod type and costs ~6.5 KiB of the 64 KiB gzipped bundle budget (measured);
 * this walks only what checkpost's request schemas use — objects (strict, loose, catchall), strings with length,
 * pattern and format checks, numbers with integer and bound checks, booleans, enums, literals, optionals, unions,
 * records, arrays, coercions — and leaves anything else unconstrained (`{}`), never wrong. `test/http/json-schema.test.ts`
 * compares it with zod's `toJSONSchema` over every documented schema.
 */
import * as z from "zod/mini";

type Json = Record<string, unknown>;

interface Check {
  readonly check: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly length?: number;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly format?: string;
  readonly pattern?: RegExp;
}

interface Def {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: Check } }[];
  readonly shape?: Readonly<Record<string, z.ZodMiniType>>;
  readonly catchall?: z.ZodMiniType;
  readonly innerType?: z.ZodMiniType;
  readonly options?: readonly z.ZodMiniType[];
  readonly discriminator?: string;
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
  readonly keyType?: z.ZodMiniType;
  readonly valueType?: z.ZodMiniType;
  readonly element?: z.ZodMiniType;
  readonly in?: z.ZodMiniType;
  readonly out?: z.ZodMiniType;
  readonly format?: string;
}

const def = (schema: z.ZodMiniType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Named schemas: met inside another schema, each becomes `{$ref: "#/components/schemas/<name>"}`. */
type Refs = ReadonlyMap<z.ZodMiniType, string>;
const NO_REFS: Refs = new Map();
let refs: Refs = NO_REFS;

export function toJsonSchema(schema: z.ZodMiniType): Json {
  return { $schema: "https://json-schema.org/draft/2020-12/schema", ...convert(schema) };
}

/** An OpenAPI component: the schema itself, with the named schemas inside it as `$ref`s. */
export function toComponentSchema(schema: z.ZodMiniType, named: Refs): Json {
  refs = named;
  try {
    return shapeWithDescription(schema);
  } finally {
    refs = NO_REFS;
  }
}

function convert(schema: z.ZodMiniType): Json {
  const name = refs.get(schema);
  return name ? { $ref: `#/components/schemas/${name}` } : shapeWithDescription(schema);
}

function shapeWithDescription(schema: z.ZodMiniType): Json {
  const out = shapeOf(def(schema));
  const description = z.globalRegistry.get(schema)?.description;
  return description ? { ...out, description } : out;
}

function shapeOf(d: Def): Json {
  switch (d.type) {
    case "string":
      return withChecks({ type: "string", ...(d.format && d.format !== "regex" ? { format: d.format } : {}) }, d);
    case "number":
      return withChecks({ type: "number" }, d);
    case "boolean":
      return { type: "boolean" };
    case "enum": {
      const values = Object.values(d.entries ?? {});
      return { type: values.every((v) => typeof v === "string") ? "string" : "number", enum: values };
    }
    case "literal": {
      const [value] = d.values ?? [];
      const type = typeof value === "number" || typeof value === "boolean" ? typeof value : "string";
      return { type, const: value };
    }
    case "optional":
    case "default":
    case "nonoptional":
    case "readonly":
      return d.innerType ? convert(d.innerType) : {};
    case "nullable":
      return d.innerType ? { anyOf: [convert(d.innerType), { type: "null" }] } : {};
    case "pipe": {
      // A query integer (schemas.ts `queryInt`: digits → a checked number) is documented as the number it becomes;
      // any other pipe as what it accepts.
      const out = d.out ? def(d.out) : null;
      if (out?.type === "pipe" && out.out && def(out.out).type === "number") return convert(out.out);
      return d.in ? convert(d.in) : {};
    }
    case "array":
      return { type: "array", ...(d.element ? { items: convert(d.element) } : {}), ...lengths(d, "Items") };
    case "union":
      return { [d.discriminator ? "oneOf" : "anyOf"]: (d.options ?? []).map(convert) };
    case "record":
      return {
        type: "object",
        ...(d.keyType ? { propertyNames: convert(d.keyType) } : {}),
        ...(d.valueType ? { additionalProperties: convert(d.valueType) } : {}),
      };
    case "object":
      return objectSchema(d);
    default:
      // Not used by checkpost's request schemas: unconstrained rather than wrong.
      return {};
  }
}

function objectSchema(d: Def): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const [key, value] of Object.entries(d.shape ?? {})) {
    properties[key] = convert(value);
    if (def(value).type !== "optional") required.push(key);
  }
  const out: Json = { type: "object", properties };
  if (required.length) out["required"] = required;
  if (d.catchall) out["additionalProperties"] = def(d.catchall).type === "never" ? false : convert(d.catchall);
  return out;
}

function lengths(d: Def, suffix: "Length" | "Items"): Json {
  const out: Json = {};
  for (const { _zod } of d.checks ?? []) {
    const c = _zod.def;
    if (c.check === "min_length") out[`min${suffix}`] = c.minimum;
    if (c.check === "max_length") out[`max${suffix}`] = c.maximum;
    if (c.check === "length_equals") out[`min${suffix}`] = out[`max${suffix}`] = c.length;
  }
  return out;
}

/** The checks of a string or number: lengths, patterns, integer formats and bounds (the tightest bound wins). */
function withChecks(base: Json, d: Def): Json {
  const out: Json = { ...base, ...lengths(d, "Length") };
  let min: { value: number; inclusive: boolean } | null = null;
  let max: { value: number; inclusive: boolean } | null = null;
  for (const { _zod } of d.checks ?? []) {
    const c = _zod.def;
    if (c.check === "string_format" && c.pattern) out["pattern"] = c.pattern.source;
    if (c.check === "number_format" && (c.format === "safeint" || c.format === "int32")) {
      out["type"] = "integer";
      const bound = c.format === "int32" ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
      min ??= { value: c.format === "int32" ? -(2 ** 31) : -bound, inclusive: true };
      max ??= { value: bound, inclusive: true };
    }
    if (c.check === "greater_than" && c.value !== undefined) min = tighter(min, c.value, c.inclusive ?? false, 1);
    if (c.check === "less_than" && c.value !== undefined) max = tighter(max, c.value, c.inclusive ?? false, -1);
  }
  if (min) out[min.inclusive ? "minimum" : "exclusiveMinimum"] = min.value;
  if (max) out[max.inclusive ? "maximum" : "exclusiveMaximum"] = max.value;
  return out;
}

function tighter(
  current: { value: number; inclusive: boolean } | null,
  value: number,
  inclusive: boolean,
  direction: 1 | -1,
): { value: number; inclusive: boolean } {
  if (!current) return { value, inclusive };
  const cmp = (value - current.value) * direction;
  if (cmp > 0 || (cmp === 0 && !inclusive)) return { value, inclusive };
  return current;
}
