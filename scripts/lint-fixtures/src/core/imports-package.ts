// Broken on purpose: src/core/ imports a package (core-imports-only-core).
import * as z from "zod/mini";

export const Name = z.string();
