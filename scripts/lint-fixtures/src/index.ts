// Broken on purpose: src/ imports the simulator (src-not-to-sim).
import { simulator } from "../sim/src/index";

export default simulator;
