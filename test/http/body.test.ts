import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, readBody } from "../../src/http/body";

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("https://checkpost.test/webhooks/juspay", { method: "POST", body, headers });

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
}

describe("readBody", () => {
  it("returns the exact bytes of a body that declares its Content-Length", async () => {
    const res = await readBody(post("héllo", { "content-length": "6" }));
    expect(res).toEqual({ ok: true, value: new TextEncoder().encode("héllo") });
  });

  it("returns the exact bytes of a streamed body without a Content-Length", async () => {
    const res = await readBody(post(streamOf(["ab", "cd", "é"])));
    expect(res).toEqual({ ok: true, value: new TextEncoder().encode("abcdé") });
  });

  it("accepts a body of exactly the limit", async () => {
    const res = await readBody(post("x".repeat(MAX_BODY_BYTES), { "content-length": String(MAX_BODY_BYTES) }));
    expect(res.ok && res.value.byteLength).toBe(MAX_BODY_BYTES);
  });

  it("refuses a body over the limit even when its Content-Length claims less", async () => {
    const res = await readBody(post("x".repeat(MAX_BODY_BYTES + 1), { "content-length": "10" }));
    expect(res.ok ? "read" : res.error.reason).toBe("body_too_large");
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const res = await readBody(post("small", { "content-length": String(MAX_BODY_BYTES + 1) }));
    expect(res.ok ? "read" : res.error.reason).toBe("body_too_large");
  });
});
