// Broken on purpose: a cycle of type-only imports, inline `{ type … }` the other way (no-cycle-in-src).
import { type A } from "./cycle-a";

export type B = { a?: A };
