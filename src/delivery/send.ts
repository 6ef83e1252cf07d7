/**
 * One attempt to deliver one event to `MERCHANT_WEBHOOK_URL` (product.md §4), signed per Standard Webhooks:
 * `webhook-id` (stable per event), `webhook-timestamp` (this attempt, Unix seconds), `webhook-signature` (one
 * `v1,<base64>` per `MERCHANT_WEBHOOK_SECRET` key, the first key first). Redirects are not followed (a 3xx is a
 * failed attempt), and the call is cut off after `DELIVERY_TIMEOUT_MS`. Only the start of the answer is kept.
 */
import { DELIVERY_TIMEOUT_MS, RESPONSE_EXCERPT_CHARS, responseExcerpt } from "../core/delivery";
import { signStandardWebhook } from "../core/signing";
import type { AttemptRecord } from "../storage/order/outbox";

export interface SendOptions {
  readonly endpoint: URL;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly body: string;
  /** The attempt's time (epoch ms): the signed `webhook-timestamp`. */
  readonly now: number;
  readonly fetch: typeof fetch;
  readonly timeoutMs?: number;
}

export async function sendEvent(options: SendOptions): Promise<AttemptRecord> {
  const timestamp = Math.floor(options.now / 1000);
  const signature = await signStandardWebhook(options.secrets, options.id, timestamp, options.body);
  const started = Date.now();
  try {
    const response = await options.fetch(options.endpoint.toString(), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "checkpost-webhooks/1",
        "webhook-id": options.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
      },
      body: options.body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? DELIVERY_TIMEOUT_MS),
    });
    // The status is what counts; an answer whose body then stalls or breaks is still that status.
    const excerpt = await readStart(response).catch(() => null);
    return {
      at: options.now,
      status: response.status,
      latencyMs: Date.now() - started,
      error: null,
      response: excerpt,
    };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      at: options.now,
      status: null,
      latencyMs: Date.now() - started,
      error: timedOut ? "timeout" : "network",
      response: null,
    };
  }
}

/** Reads no more of the answer than the log keeps (4 bytes per character at most), then lets the rest go. */
async function readStart(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const limit = RESPONSE_EXCERPT_CHARS * 4;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const text = new TextDecoder().decode(bytes.subarray(0, limit));
  return text === "" ? null : responseExcerpt(text);
}
