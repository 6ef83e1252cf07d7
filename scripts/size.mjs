#!/usr/bin/env node
/**
 * Bundle size check (issue 8): builds the Worker exactly as `wrangler deploy` would (`--dry-run --outdir`) and
 * compares the gzipped size of what would be uploaded with the 64 KiB budget (product.md §6). Exits 1 over budget.
 * Prints one JSON line too. `npm run bench` imports `bundleSize` and measures the build it already made.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BUDGET_GZIP = 64 * 1024;

/** Raw and gzipped (level 9) bytes of the modules in a `wrangler deploy --dry-run --outdir` directory. */
export function bundleSize(outdir) {
  let raw = 0;
  let gzip = 0;
  for (const file of readdirSync(outdir)) {
    if (!/\.(m?js|wasm)$/.test(file)) continue;
    const bytes = readFileSync(join(outdir, file));
    raw += bytes.byteLength;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw_bytes: raw, gzip_bytes: gzip, budget_gzip_bytes: BUDGET_GZIP, within_budget: gzip <= BUDGET_GZIP };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = join(root, ".build", "worker");
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
  const result = bundleSize(out);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `bundle: ${kib(result.raw_bytes)} raw, ${kib(result.gzip_bytes)} gzipped (budget ${kib(BUDGET_GZIP)} gzipped)`,
  );
  console.log(JSON.stringify(result));
  if (!result.within_budget) {
    console.error(`bundle over budget by ${kib(result.gzip_bytes - BUDGET_GZIP)}`);
    process.exit(1);
  }
}
