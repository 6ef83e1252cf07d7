// Broken on purpose: a cycle of type-only imports, `import type` one way (no-cycle-in-src).
import type { B } from "./cycle-b";

export type A = { b?: B };
