/**
 * CPU profiles of checkpost under load, for `BENCH_PROFILE=1 npm run bench` (with an unminified build, so the
 * profile names functions). Talks to workerd's V8 inspector (Chrome DevTools protocol) over a WebSocket: starts the
 * sampling profiler before a scenario, stops it after, writes the `.cpuprofile` (open it in Chrome DevTools or VS
 * Code) and returns the functions with the most self time. The profiler itself costs CPU: profiled runs are slower.
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";

/** A free TCP port on loopback (for workerd's inspector). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Connects to one Worker's inspector (e.g. `core:user:checkpost`). */
export async function inspect(port, worker) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find((t) => t.id === `core:user:${worker}`);
  if (!target) throw new Error(`no inspector target for ${worker}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let nextId = 1;
  const pending = new Map();
  ws.addEventListener("message", (event) => {
    const msg = JSON.parse(event.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (msg) => (msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result)));
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  return {
    start: () => send("Profiler.start"),
    /** Stops, writes the profile to `file`, and returns the top functions by self time. */
    async stop(file, top = 15) {
      const { profile } = await send("Profiler.stop");
      writeFileSync(file, JSON.stringify(profile));
      return summarise(profile, top);
    },
    close: () => ws.close(),
  };
}

/** Self time per function (name + location), as a share of the non-idle samples. */
export function summarise(profile, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id).callFrame;
    if (frame.functionName === "(idle)") return;
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    const file = frame.url ? frame.url.split("/").pop() : "";
    const key = `${frame.functionName || "(anonymous)"} ${file}${file ? `:${frame.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, share: Number((us / busy).toFixed(3)) }));
}
