/**
 * `/openapi.json` is a static asset (`public/openapi.json`, served by Workers static assets, outside the Worker's
 * bundle). It must be exactly what the request schemas generate, so the description cannot drift from the code.
 */
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/http/openapi";
import { openApiDoc } from "../helpers";

describe("the served OpenAPI document", () => {
  it("is exactly what the request schemas generate (run `npm run openapi` after changing a schema)", () => {
    expect(openApiDoc()).toEqual(JSON.parse(openApiDocument()));
  });
});
