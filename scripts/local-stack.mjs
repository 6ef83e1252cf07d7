/**
 * checkpost and the gateway simulator (with the demo merchant) as two `wrangler dev` processes: shared by
 * `npm start` (scripts/start.mjs) and the end-to-end tests (scripts/e2e.mjs).
 *
 * checkpost reads its configuration from an env file (`.dev.vars` format); the simulator gets a generated one with
 * what the demo merchant needs: `CHECKPOST_URL`, `DEMO_API_KEY` (the first of `PROXY_API_KEYS`) and
 * `DEMO_WEBHOOK_SECRET` (the first `MERCHANT_WEBHOOK_SECRET` key), so the demo always matches checkpost's keys.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** `KEY=value` lines (comments and blank lines skipped, optional surrounding quotes removed). */
export function parseEnvFile(path) {
  const vars = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    vars[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

export function writeEnvFile(path, vars) {
  writeFileSync(
    path,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
}

/** What the simulator's demo merchant needs, from checkpost's own configuration. */
export function demoMerchantVars(checkpostVars, checkpostUrl, extra = {}) {
  return {
    CHECKPOST_URL: checkpostUrl,
    DEMO_API_KEY: (checkpostVars.PROXY_API_KEYS ?? "").split(",")[0].trim(),
    DEMO_WEBHOOK_SECRET: (checkpostVars.MERCHANT_WEBHOOK_SECRET ?? "").split(/\s+/)[0],
    ...extra,
  };
}

/** A TCP port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Applies migrations/ (the D1 order index, binding `DB`) to checkpost's local database in `persistDir`, as
 * `wrangler dev --persist-to` will find it. Already applied ones are skipped, so it runs on every start.
 */
export function applyLocalMigrations(root, persistDir, env) {
  execFileSync(
    join(root, "node_modules", ".bin", "wrangler"),
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir, "-c", "wrangler.toml"],
    { cwd: root, env, stdio: ["ignore", "ignore", "inherit"], timeout: 120_000 },
  );
}

/**
 * Starts both Workers (checkpost's storage in `persistDir`, the simulator's next to it in `<persistDir>-sim`).
 * Resolves once both print "Ready on", with `stop()`; rejects if either exits first or
 * `timeoutMs` passes (then both are stopped). `onLine(name, line)` gets their output after they are ready; before,
 * it is kept and printed only if start-up fails.
 */
export function startStack(options) {
  const { root, checkpost, sim, persistDir, onLine = () => {}, timeoutMs = 120_000 } = options;
  const env = {
    ...process.env,
    // wrangler's shebang runs whichever `node` is first on PATH: make it the pinned Node 22.
    PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
    // wrangler dev otherwise fetches Request.cf data from the internet and warns when it cannot.
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
  };
  const wrangler = join(root, "node_modules", ".bin", "wrangler");
  applyLocalMigrations(root, persistDir, env);
  const spec = [
    { name: "sim", config: "sim/wrangler.toml", ...sim },
    { name: "checkpost", config: "wrangler.toml", ...checkpost },
  ];
  const children = spec.map((s) =>
    spawn(
      wrangler,
      [
        "dev",
        "-c",
        s.config,
        "--port",
        String(s.port),
        "--ip",
        "127.0.0.1",
        "--inspector-port",
        String(s.inspectorPort),
        "--persist-to",
        // Each Worker its own directory: two workerd processes starting on one fresh directory can both try to
        // create the same SQLite files and one fails with SQLITE_BUSY.
        s.name === "checkpost" ? persistDir : `${persistDir}-sim`,
        "--show-interactive-dev-session=false",
        ...(s.envFile ? ["--env-file", s.envFile] : []),
      ],
      // Its own process group, so stop() ends wrangler and the workerd it started, and nothing else.
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    ),
  );
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const child of children) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  };
  const exited = children.map((child) => new Promise((resolve) => child.once("exit", resolve)));
  const ready = new Promise((resolve, reject) => {
    const early = [];
    const up = new Set();
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    function fail(why) {
      clearTimeout(timer);
      stop();
      reject(new Error(`${why}\n${early.join("\n")}`));
    }
    children.forEach((child, i) => {
      const name = spec[i].name;
      for (const stream of [child.stdout, child.stderr]) {
        let rest = "";
        stream.on("data", (chunk) => {
          const lines = (rest + chunk.toString()).split("\n");
          rest = lines.pop() ?? "";
          for (const line of lines) {
            if (!line.trim()) continue;
            if (up.size < 2 && !up.has(name)) early.push(`[${name}] ${line}`);
            else if (!/Ready on /.test(line)) onLine(name, line);
            if (/Ready on /.test(line) && !up.has(name)) {
              up.add(name);
              if (up.size === 2) {
                clearTimeout(timer);
                resolve({ stop, exited: Promise.race(exited) });
              }
            }
          }
        });
      }
      child.once("exit", (code) => {
        if (up.size < 2) fail(`${name} exited with ${code} before it was ready`);
        else if (!stopped) {
          onLine(name, `exited with ${code}`);
          stop();
        }
      });
    });
  });
  return { ready, stop, exited: Promise.all(exited) };
}
