/**
 * The README's table of error codes, written from the one error table (`core/errors.ts`) by `npm run openapi`, and
 * checked against the README by `test/http/error-catalogue.test.ts`. Generator only: the Worker never imports it.
 */
import { ERROR_TABLE, errorTitle, type ErrorReason } from "../core/errors";
import { ERROR_MEANINGS } from "./error-meanings";

export const CATALOGUE_START = "<!-- error-codes:start (npm run openapi writes this table from src/core/errors.ts) -->";
export const CATALOGUE_END = "<!-- error-codes:end -->";

/** One row per public `code`: its HTTP statuses and what it means (several internal reasons can share a code). */
export function errorCodeTable(): string {
  const rows = new Map<string, { statuses: Set<number>; titles: Set<string> }>();
  for (const [reason, { code, status }] of Object.entries(ERROR_TABLE)) {
    const row = rows.get(code) ?? { statuses: new Set(), titles: new Set() };
    row.statuses.add(status);
    row.titles.add(ERROR_MEANINGS[reason as ErrorReason]);
    rows.set(code, row);
  }
  const lines = ["| `code` | HTTP status | `title` | meaning |", "|---|---|---|---|"];
  for (const [code, row] of rows) {
    const statuses = [...row.statuses].sort((a, b) => a - b).join(", ");
    const meaning = [...row.titles].join("; ").replace(/\|/g, "\\|");
    lines.push(`| \`${code}\` | ${statuses} | ${errorTitle(code as Parameters<typeof errorTitle>[0])} | ${meaning} |`);
  }
  return lines.join("\n");
}

/** The README with its table replaced by the current one. */
export function withErrorCodeTable(readme: string): string {
  const start = readme.indexOf(CATALOGUE_START);
  const end = readme.indexOf(CATALOGUE_END);
  if (start < 0 || end < start) throw new Error("README.md has no error-codes markers");
  return `${readme.slice(0, start + CATALOGUE_START.length)}\n\n${errorCodeTable()}\n\n${readme.slice(end)}`;
}
