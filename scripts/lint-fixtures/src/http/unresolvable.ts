// Broken on purpose: an import that resolves nowhere (no-unresolvable).
// @ts-expect-error -- the module does not exist
import { missing } from "./does-not-exist";

export const value: unknown = missing;
