/**
 * Validation at the edge with zod `safeParse`, answered with our own error carrying field paths and short messages
 * only — never the zod result or the offending values (style.md habit 9).
 */
import type * as z from "zod";
import { proxyError, type FieldIssue, type ProxyError } from "../core/errors";
import { err, ok, type Result } from "../core/result";

export function parseOrFail<S extends z.ZodType>(schema: S, input: unknown): Result<z.infer<S>, ProxyError> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const fields: FieldIssue[] = parsed.error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
  return err(proxyError("validation_failed", { fields }));
}
