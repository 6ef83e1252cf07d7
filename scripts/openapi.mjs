#!/usr/bin/env node
/**
 * Writes `public/openapi.json`, the OpenAPI 3.1 document, from the zod schemas that validate requests and describe
 * answers (`src/http/openapi.ts`), and the README's error-code table from `src/core/errors.ts`. The document is served
 * as a static asset at `/openapi.json`, so the generator and the operation table stay out of the Worker's bundle
 * (product.md §6: 64 KiB). `npm test` fails when the committed file differs from what the schemas generate
 * (`test/http/openapi-file.test.ts`): run `npm run openapi` after changing a schema or the error table
 * (`test/http/error-catalogue.test.ts` checks the README).
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, ".build", "openapi");
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(root, "src", "http", "openapi.ts"), join(root, "src", "http", "error-catalogue.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  outdir,
  outExtension: { ".js": ".mjs" },
  logLevel: "warning",
  // The document keeps the request schemas' descriptions; the Worker folds them out (src/docs.d.ts).
  define: { __CHECKPOST_DOCS__: "true" },
  // Some schema modules sit beside Durable Object code; the document needs none of the runtime's classes.
  plugins: [
    {
      name: "workers-runtime-stub",
      setup(b) {
        b.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "stub" }));
        b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export class DurableObject {}" }));
      },
    },
  ],
});
const { openApiDocument } = await import(pathToFileURL(join(outdir, "openapi.mjs")).href);
writeFileSync(join(root, "public", "openapi.json"), `${JSON.stringify(JSON.parse(openApiDocument()), null, 2)}\n`);
console.log("wrote public/openapi.json");
// The README's error-code table, from the same one error table (src/core/errors.ts).
const { withErrorCodeTable } = await import(pathToFileURL(join(outdir, "error-catalogue.mjs")).href);
const readme = join(root, "README.md");
writeFileSync(readme, withErrorCodeTable(readFileSync(readme, "utf8")));
console.log("wrote the error-code table in README.md");
