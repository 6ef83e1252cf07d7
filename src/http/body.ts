/**
 * Reads a request body exactly once, as bytes, refusing anything over the limit (413): by its Content-Length when it
 * declares one, else while streaming, without buffering more than the limit.
 */
import { proxyError, type ProxyError } from "../core/errors";
import { err, ok, type Result } from "../core/result";

export const MAX_BODY_BYTES = 64 * 1024;

export async function readBody(
  request: Request,
  limit = MAX_BODY_BYTES,
): Promise<Result<Uint8Array<ArrayBuffer>, ProxyError>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return err(proxyError("body_too_large"));
  if (!request.body) return ok(new Uint8Array(0));
  if (declared !== null && /^\d+$/.test(declared)) {
    // HTTP framing holds the body to its declared length, so it is read in one call (the chunk loop below showed
    // in webhook profiles); the length is still checked, should a caller's Content-Length not match its body.
    const whole = new Uint8Array(await request.arrayBuffer());
    return whole.byteLength > limit ? err(proxyError("body_too_large")) : ok(whole);
  }
  const body = request.body as ReadableStream<Uint8Array>;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    const value = chunk.value;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return err(proxyError("body_too_large"));
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return ok(out);
}
