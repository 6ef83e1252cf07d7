// Broken on purpose: src/core/ imports src/http/ (core-imports-only-core), type-only.
import type { ApiOperation } from "../http/api";

export type Operations = ApiOperation[];
