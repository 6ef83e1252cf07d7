#!/usr/bin/env node
/**
 * `npm run deploy -- <uat|production> [wrangler deploy flags, e.g. --dry-run]`: deploys one of wrangler.toml's
 * environments with the repo's pinned Node 22 (wrangler needs it; the machine's Node may be older), the way
 * `npm start` runs wrangler dev (scripts/local-stack.mjs). The top-level configuration is local development's and is
 * never deployed from here. Then checks nothing: run the smoke test in docs/deploy.md.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ENVIRONMENTS = ["uat", "production"];
const [target, ...flags] = process.argv.slice(2);
if (!ENVIRONMENTS.includes(target ?? "")) {
  console.error(`usage: npm run deploy -- <${ENVIRONMENTS.join("|")}> [wrangler deploy flags]  (docs/deploy.md)`);
  process.exit(2);
}
const child = spawn(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--env", target, ...flags], {
  cwd: root,
  stdio: "inherit",
  // wrangler's shebang runs whichever `node` is first on PATH: make it the pinned Node 22.
  env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
