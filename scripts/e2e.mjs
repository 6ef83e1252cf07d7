#!/usr/bin/env node
/**
 * `npm run test:e2e`: whole payments in a real browser. Installs Debian's `chromium` with apt-get when
 * /usr/bin/chromium is missing (no browser download by any tool), starts checkpost and the simulator on free ports
 * with a throw-away persist dir and the `.dev.vars.example` configuration, runs test/e2e/*.test.mjs with Node's test
 * runner (playwright-core drives the browser), prints `N passed, N failed`, and stops everything. Screenshots go to
 * test-results/e2e/. The whole run is bounded (E2E_TIMEOUT_MS, 5 minutes by default); E2E_ONLY=<part of a file
 * name> runs only the matching test files.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run } from "node:test";
import { fileURLToPath } from "node:url";
import { demoMerchantVars, freePort, parseEnvFile, startStack, writeEnvFile } from "./local-stack.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const deadline = Date.now() + Number(process.env.E2E_TIMEOUT_MS ?? 300_000);
const left = () => Math.max(1000, deadline - Date.now());

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  console.log("e2e: /usr/bin/chromium is missing; installing Debian's chromium with apt-get…");
  const apt = { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } };
  execFileSync("apt-get", ["update"], { ...apt, timeout: 180_000 });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { ...apt, timeout: 600_000 });
  if (!existsSync(CHROMIUM)) throw new Error("apt-get installed chromium, but /usr/bin/chromium is still missing");
}

/** checkpost's configuration for the run: .dev.vars.example with its ports moved to this run's. */
function checkpostVars(ports) {
  const moved = {};
  for (const [k, v] of Object.entries(parseEnvFile(join(root, ".dev.vars.example")))) {
    moved[k] = v.replaceAll(":8787", `:${ports.checkpost}`).replaceAll(":8788", `:${ports.sim}`);
  }
  return moved;
}

let stopStack = () => {};

/** Both Workers on ports free right now, with this run's configuration in `work`. */
async function startOnFreePorts(work, logs) {
  const ports = { checkpost: await freePort(), sim: await freePort() };
  const vars = checkpostVars(ports);
  writeEnvFile(join(work, "checkpost.env"), vars);
  const checkpostUrl = `http://127.0.0.1:${ports.checkpost}`;
  // The later half of "pending, then success" and "late success" comes 2 s after the choice.
  writeEnvFile(join(work, "sim.env"), demoMerchantVars(vars, checkpostUrl, { SIM_SETTLE_MS: "2000" }));
  const stack = startStack({
    root,
    checkpost: { port: ports.checkpost, inspectorPort: await freePort(), envFile: join(work, "checkpost.env") },
    sim: { port: ports.sim, inspectorPort: await freePort(), envFile: join(work, "sim.env") },
    persistDir: join(work, "state"),
    onLine: (name, line) => logs.push(`[${name}] ${line}`),
    timeoutMs: Math.min(120_000, left()),
  });
  return { stack, ports, vars, checkpostUrl };
}

async function main() {
  ensureChromium();
  const work = mkdtempSync(join(tmpdir(), "checkpost-e2e-"));
  const logs = [];
  // Ports are picked free, but the two runtimes start at once and bind ephemeral ports of their own, so one of them
  // can take the port picked for the other ("Address already in use"): then both start again on fresh ports, once.
  let started;
  for (let attempt = 1; ; attempt++) {
    started = await startOnFreePorts(work, logs);
    stopStack = started.stack.stop;
    try {
      await started.stack.ready;
      break;
    } catch (error) {
      started.stack.stop();
      await Promise.race([started.stack.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (attempt >= 2 || !/before it was ready/.test(error.message) || left() < 60_000) {
        console.log(`e2e: ${error.message}`);
        if (logs.length) console.log(`\nlast lines from the Workers:\n${logs.slice(-40).join("\n")}`);
        rmSync(work, { recursive: true, force: true });
        console.log("\n0 passed, 1 failed");
        process.exitCode = 1;
        return;
      }
      console.log(`e2e: ${error.message}; starting again on other ports`);
      logs.length = 0;
    }
  }
  const { stack, ports, vars, checkpostUrl } = started;
  let passed = 0;
  let failed = 0;
  try {
    const shots = join(root, "test-results", "e2e");
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    Object.assign(process.env, {
      E2E_CHECKPOST_URL: checkpostUrl,
      E2E_SIM_URL: `http://localhost:${ports.sim}`,
      E2E_API_KEY: vars.PROXY_API_KEYS.split(",")[0],
      E2E_WHSEC: vars.MERCHANT_WEBHOOK_SECRET.split(/\s+/)[0],
      E2E_CHECKPOST_SECRET: vars.CHECKPOST_SECRET.split(/\s+/)[0],
      E2E_CHROMIUM: CHROMIUM,
      E2E_SHOTS: shots,
    });
    const dir = join(root, "test", "e2e");
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".test.mjs") && f.includes(process.env.E2E_ONLY ?? ""))
      .map((f) => join(dir, f));
    // Files run one after another: one browser at a time on a 2-core machine.
    const stream = run({ files, concurrency: 1, timeout: left() });
    stream.on("test:pass", (t) => {
      if (t.details.type === "suite") return;
      passed += 1;
      console.log(`  ✓ ${t.name}`);
    });
    stream.on("test:fail", (t) => {
      if (t.details.type === "suite") return;
      failed += 1;
      console.log(
        `  ✗ ${t.name}\n    ${String(t.details.error?.cause?.message ?? t.details.error?.message)
          .split("\n")
          .join("\n    ")}`,
      );
    });
    stream.on("test:stderr", (t) => process.stderr.write(t.message));
    await new Promise((resolve) => stream.on("end", resolve).resume());
  } catch (error) {
    failed += 1;
    console.log(`e2e: ${error.message}`);
  } finally {
    stack.stop();
    await Promise.race([stack.exited, new Promise((r) => setTimeout(r, 10_000))]);
    rmSync(work, { recursive: true, force: true });
  }
  if (failed && logs.length) console.log(`\nlast lines from the Workers:\n${logs.slice(-40).join("\n")}`);
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exitCode = failed || !passed ? 1 : 0;
}

const guard = setTimeout(() => {
  console.log("e2e: out of time");
  stopStack();
  process.exit(1);
}, left() + 20_000);
guard.unref();
await main();
