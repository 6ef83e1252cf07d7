/**
 * Validation at the edge with zod `safeParse`, answered with our own error carrying field paths and short messages
 * only — never the zod result or the offending values (style.md habit 9).
 */
import type * as z from "zod/mini";
import { proxyError, type FieldIssue, type ProxyError } from "../core/errors";
import { err, ok, type Result } from "../core/result";

const oneOf = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(" | ");
/** Strings and arrays are bounded by their length, numbers by their value. */
const measure = (origin: string): string => (origin === "string" || origin === "array" ? "length " : "");

/**
 * Messages for the issues whose schema names none. zod/mini loads no locale, and the English one would cost 1 KiB of
 * the gzipped bundle budget (product.md §6), so these are ours: they say what was expected, never what was sent.
 * Unknown keys are named, as record keys already are in paths: they are field names, not values.
 */
const issueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? "required"
        : `expected ${issue.expected === "int" ? "integer" : issue.expected}`;
    case "invalid_value":
      return `expected ${oneOf(issue.values)}`;
    case "too_small":
      return `${measure(issue.origin)}must be ${issue.exact ? "exactly" : issue.inclusive ? "at least" : "over"} ${issue.minimum}`;
    case "too_big":
      return `${measure(issue.origin)}must be ${issue.exact ? "exactly" : issue.inclusive ? "at most" : "under"} ${issue.maximum}`;
    case "invalid_format":
      return `not a valid ${issue.format === "regex" ? "value" : issue.format}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}`;
    case "invalid_union":
      if (issue.inclusive !== false && issue.options?.length) return `expected ${oneOf(issue.options)}`;
      return "matches no allowed shape";
    case "invalid_key":
      return issue.issues[0]?.message ?? "invalid key";
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "custom":
    case "invalid_element":
      return "invalid value";
  }
};

export function parseOrFail<S extends z.ZodMiniType>(schema: S, input: unknown): Result<z.infer<S>, ProxyError> {
  const parsed = schema.safeParse(input, { error: issueMessage });
  if (parsed.success) return ok(parsed.data);
  const fields: FieldIssue[] = parsed.error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
  return err(proxyError("validation_failed", { fields }));
}
