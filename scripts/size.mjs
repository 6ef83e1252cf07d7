#!/usr/bin/env node
/**
 * Bundle size check (issue 8): builds the Worker exactly as `wrangler deploy` would (`--dry-run --outdir`) and
 * compares the gzipped size of what would be uploaded with the 64 KiB budget (product.md §6). Exits 1 over budget.
 * Prints one JSON line too, for `npm run bench` to pick up.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".build", "worker");
const BUDGET_GZIP = 64 * 1024;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", out], {
  cwd: root,
  // wrangler's shebang runs whichever `node` is first on PATH: make it the pinned Node 22.
  env: {
    ...process.env,
    PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
  },
  stdio: ["ignore", "ignore", "pipe"],
});

let raw = 0;
let gzip = 0;
for (const file of readdirSync(out)) {
  if (!/\.(m?js|wasm)$/.test(file)) continue;
  const bytes = readFileSync(join(out, file));
  raw += statSync(join(out, file)).size;
  gzip += gzipSync(bytes, { level: 9 }).length;
}
const result = { raw_bytes: raw, gzip_bytes: gzip, budget_gzip_bytes: BUDGET_GZIP, within_budget: gzip <= BUDGET_GZIP };
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`bundle: ${kib(raw)} raw, ${kib(gzip)} gzipped (budget ${kib(BUDGET_GZIP)} gzipped)`);
console.log(JSON.stringify(result));
if (!result.within_budget) {
  console.error(`bundle over budget by ${kib(gzip - BUDGET_GZIP)}`);
  process.exit(1);
}
