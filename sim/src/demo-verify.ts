/**
 * How the demo merchant checks what checkpost sends it, written from checkpost's public documentation only (nothing
 * from checkpost's `src/` is imported):
 * - the signed result on the customer's redirect: README "Verifying checkpost's signed redirect", with WebCrypto;
 * - events: the Standard Webhooks spec, with the `standardwebhooks` library (pure JS: base64 and SHA-256 in plain
 *   TypeScript, no Node built-ins, so it bundles into a Worker as it is).
 */
import { Webhook } from "standardwebhooks";

/** README: a redirect whose `ts` is more than 5 minutes away from now is refused. */
const REDIRECT_TOLERANCE_SECONDS = 300;

export type RedirectCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function keyBytes(whsec: string): Uint8Array<ArrayBuffer> | null {
  if (!whsec.startsWith("whsec_")) return null;
  try {
    return Uint8Array.from(atob(whsec.slice("whsec_".length)), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * README steps 1-3: every query parameter but `signature` as `encodeURIComponent(name)=encodeURIComponent(value)`,
 * sorted, joined with `&`; HMAC-SHA256 keyed by the `whsec_` key's bytes must equal the base64 after `v1,` (checked
 * with `crypto.subtle.verify`, which compares in constant time); `ts` within 5 minutes of now.
 */
export async function verifyCheckpostRedirect(url: URL, whsec: string, nowSeconds: number): Promise<RedirectCheck> {
  const params = [...url.searchParams];
  const signature = url.searchParams.get("signature") ?? "";
  const key = keyBytes(whsec);
  if (!key) return { ok: false, reason: "the demo has no whsec_ key" };
  const given = signature.startsWith("v1,") ? base64Bytes(signature.slice(3)) : null;
  if (!given) return { ok: false, reason: "no v1 signature" };
  const canonical = params
    .filter(([k]) => k !== "signature")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join("&");
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  if (!(await crypto.subtle.verify("HMAC", hmac, given, new TextEncoder().encode(canonical)))) {
    return { ok: false, reason: "signature does not match" };
  }
  const ts = Number(url.searchParams.get("ts"));
  if (!Number.isFinite(ts) || Math.abs(nowSeconds - ts) > REDIRECT_TOLERANCE_SECONDS) {
    return { ok: false, reason: "ts is more than 5 minutes away" };
  }
  return { ok: true };
}

export interface VerifiedEvent {
  readonly id: string;
  readonly type: string;
  readonly sequence: number | null;
  readonly order: { readonly gateway?: string; readonly order_id?: string; readonly status?: string } | null;
}

/** A Standard Webhooks delivery, verified by the library (signature over `id.timestamp.body`, 5-minute window). */
export function verifyEvent(whsec: string, body: string, headers: Headers): VerifiedEvent | null {
  const wanted = ["webhook-id", "webhook-timestamp", "webhook-signature"];
  const picked = Object.fromEntries(wanted.map((h) => [h, headers.get(h) ?? ""]));
  let payload: unknown;
  try {
    payload = new Webhook(whsec).verify(body, picked);
  } catch {
    return null;
  }
  const event = payload as { type?: unknown; data?: { sequence?: unknown; order?: VerifiedEvent["order"] } };
  return {
    id: picked["webhook-id"] ?? "",
    type: typeof event.type === "string" ? event.type : "unknown",
    sequence: typeof event.data?.sequence === "number" ? event.data.sequence : null,
    order: event.data?.order ?? null,
  };
}
