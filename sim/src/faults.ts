/** Turns a fault into the response (or non-response) a misbehaving gateway would give. */
import type { Fault } from "./state";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function faultResponse(fault: Fault, real?: Response): Promise<Response> {
  switch (fault.kind) {
    case "status":
      return new Response(fault.body ?? JSON.stringify({ error: "simulated" }), {
        status: fault.status,
        headers: { "content-type": fault.contentType ?? "application/json" },
      });
    case "html":
      return new Response("<html><body><h1>502 Bad Gateway</h1></body></html>", {
        status: fault.status ?? 502,
        headers: { "content-type": "text/html" },
      });
    case "malformed_json":
      return new Response('{"status": "CHARGED", ', { status: 200, headers: { "content-type": "application/json" } });
    case "wrong_content_type":
      return new Response(real ? await real.text() : "ok", { status: 200, headers: { "content-type": "text/plain" } });
    case "truncated": {
      const text = real ? await real.text() : '{"status":"CHARGED","amount":100}';
      return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }
    case "timeout":
      await sleep(fault.ms ?? 30_000);
      return new Response("late", { status: 504 });
    case "slow_body": {
      const text = real ? await real.text() : "{}";
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const writer = writable.getWriter();
      const bytes = new TextEncoder().encode(text);
      void (async () => {
        await writer.write(bytes.slice(0, 1));
        await sleep(fault.ms);
        await writer.write(bytes.slice(1));
        await writer.close();
      })();
      return new Response(readable, { status: 200, headers: { "content-type": "application/json" } });
    }
    case "redirect":
      return new Response(null, { status: fault.status ?? 302, headers: { location: fault.location } });
    case "reset":
      // The closest a Worker gets to a connection reset: an error the caller sees as a network failure.
      throw new Error("simulated connection reset");
    case "after_success":
      return faultResponse(fault.then, real);
  }
}
