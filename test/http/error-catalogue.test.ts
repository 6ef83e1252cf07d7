/** The README's error codes are the error table's (`src/core/errors.ts`): `npm run openapi` rewrites them. */
import { describe, expect, it } from "vitest";
import { ERROR_TABLE } from "../../src/core/errors";
import { errorCodeTable, withErrorCodeTable } from "../../src/http/error-catalogue";
import readme from "../../README.md?raw";

describe("the README's table of error codes", () => {
  it("is exactly what the error table generates (run `npm run openapi` after changing src/core/errors.ts)", () => {
    expect(readme).toBe(withErrorCodeTable(readme));
  });

  it("lists every public code with each of its HTTP statuses", () => {
    const table = errorCodeTable();
    for (const { code, status } of Object.values(ERROR_TABLE)) {
      const row = table.split("\n").find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, code).toMatch(new RegExp(`\\| [0-9, ]*\\b${status}\\b[0-9, ]* \\|`));
    }
  });
});
