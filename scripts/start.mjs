#!/usr/bin/env node
/**
 * `npm start`: runs checkpost (port 8787) and the gateway simulator (port 8788) locally in workerd via wrangler dev,
 * with persisted local Durable Object and KV storage under .wrangler/state, and prints where to go.
 * On a fresh clone it creates .dev.vars from .dev.vars.example (simulator-only values).
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const devVars = join(root, ".dev.vars");
if (!existsSync(devVars)) {
  copyFileSync(join(root, ".dev.vars.example"), devVars);
  console.log("created .dev.vars from .dev.vars.example (simulator credentials only)");
}

const CHECKPOST_PORT = Number(process.env.CHECKPOST_PORT ?? 8787);
const SIM_PORT = Number(process.env.SIM_PORT ?? 8788);
const env = {
  ...process.env,
  // wrangler's shebang runs whichever `node` is first on PATH: make it the pinned Node 22.
  PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  // wrangler dev otherwise fetches Request.cf data from the internet and warns when it cannot.
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
};
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const persist = join(root, ".wrangler", "state");

const children = [
  spawn(
    wrangler,
    [
      "dev",
      "-c",
      "sim/wrangler.toml",
      "--port",
      String(SIM_PORT),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      "9230",
      "--persist-to",
      persist,
      "--show-interactive-dev-session=false",
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] },
  ),
  spawn(
    wrangler,
    [
      "dev",
      "--port",
      String(CHECKPOST_PORT),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      "9229",
      "--persist-to",
      persist,
      "--show-interactive-dev-session=false",
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] },
  ),
];
const names = ["sim", "checkpost"];
const ready = new Set();
children.forEach((child, i) => {
  child.stdout.on("data", (chunk) => {
    const text = chunk.toString();
    for (const line of text.split("\n")) if (line.trim()) process.stdout.write(`[${names[i]}] ${line}\n`);
    if (/Ready on/.test(text)) {
      ready.add(names[i]);
      if (ready.size === 2) {
        console.log("\n  checkpost is running:");
        console.log(`    open http://localhost:${CHECKPOST_PORT}/healthz   (checkpost)`);
        console.log(`    gateway simulator:  http://localhost:${SIM_PORT}/__control/calls`);
        console.log("  Ctrl+C stops both.\n");
      }
    }
  });
  child.on("exit", (code) => {
    console.log(`[${names[i]}] exited with ${code}`);
    for (const other of children) if (other !== child) other.kill("SIGTERM");
    process.exitCode = code ?? 0;
  });
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => children.forEach((c) => c.kill("SIGTERM")));
