/** Before each test file: its fresh local D1 database gets the order index's schema (migrations/). */
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
