// Broken on purpose: the simulator imports src/ (sim-not-to-src).
import { zero } from "../../src/core/money";

export const simulator = { zero };
