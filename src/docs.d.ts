/**
 * Set at build time (`define`): true where the OpenAPI document is generated (scripts/openapi.mjs, vitest.config.ts),
 * false in the Worker (wrangler.toml), so the request schemas' descriptions, which only the document shows, are
 * folded out of the deployed bundle (`doc(schema, __CHECKPOST_DOCS__ ? "…" : "")` in http/schemas.ts: the schema itself
 * in the Worker; product.md §6 bundle budget).
 */
declare const __CHECKPOST_DOCS__: boolean;
