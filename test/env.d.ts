import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      /** migrations/, read by vitest.config.ts and applied by test/setup.ts. */
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
