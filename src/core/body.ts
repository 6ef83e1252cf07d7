/** Decoding request and response bodies: strict UTF-8 and JSON, failures as values (never a thrown 500). */
import { proxyError, type ProxyError } from "./errors";
import { err, ok, type Result } from "./result";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Strict UTF-8 decoding; invalid bytes are a malformed body, not replacement characters. */
export function decodeUtf8(bytes: Uint8Array): Result<string, ProxyError> {
  try {
    return ok(decoder.decode(bytes));
  } catch {
    return err(proxyError("malformed_body", { detail: "the body is not valid UTF-8" }));
  }
}

/** Parses a JSON body; anything unparseable is a clean 400, never a 500. */
export function parseJsonBody(bytes: Uint8Array): Result<unknown, ProxyError> {
  const text = decodeUtf8(bytes);
  if (!text.ok) return text;
  try {
    return ok(JSON.parse(text.value) as unknown);
  } catch {
    return err(proxyError("malformed_body", { detail: "the body is not valid JSON" }));
  }
}
