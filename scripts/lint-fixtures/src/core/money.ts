// Allowed: core imports core.
import { type Minor } from "./units";

export const zero: Minor = 0;
