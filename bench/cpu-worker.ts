/**
 * A bench-only Worker (never deployed): `GET /?case=<i>&n=<N>` runs CPU case `i` N times in a row, awaiting each,
 * and answers. `bench/workerd-cpu.mjs` reads the workerd process's CPU time around such requests: workerd's own
 * clock does not advance while JavaScript runs (a Spectre mitigation), so the timing has to come from outside.
 * `GET /cases` lists the cases.
 */
import { prepare, type CpuCase } from "./cpu-cases";

let cases: Promise<CpuCase[]> | null = null;

export default {
  async fetch(request: Request): Promise<Response> {
    const list = await (cases ??= prepare());
    const url = new URL(request.url);
    if (url.pathname === "/cases") return Response.json(list.map((c) => c.name));
    const c = list[Number(url.searchParams.get("case"))];
    const n = Number(url.searchParams.get("n") ?? "0");
    if (!c || !Number.isInteger(n) || n < 0) return new Response("bad case or n", { status: 400 });
    for (let i = 0; i < n; i++) await c.run();
    return new Response("ok");
  },
} satisfies ExportedHandler;
