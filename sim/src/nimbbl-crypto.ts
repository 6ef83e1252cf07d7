/**
 * How the simulated Nimbbl signs and encrypts (nimbbl.md §1.1, §1.3, §2), written from the spec on its own: nothing
 * here is shared with checkpost's verifiers, so a mistake in one cannot hide the same mistake in the other.
 */

const enc = new TextEncoder();

/** A decimal written into JSON as is: Nimbbl's JSON carries `12.50`, which `JSON.stringify` cannot produce. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** Compact JSON, like `JSON.stringify`, except that `RawNumber`s are written verbatim. */
export function toJson(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${toJson(v)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Paise → `"12.50"`: two decimals, `.` separator, no grouping. */
export function rupees(paise: number): string {
  const whole = Math.floor(paise / 100);
  return `${whole}.${String(paise % 100).padStart(2, "0")}`;
}

export function amount(paise: number): RawNumber {
  return new RawNumber(rupees(paise));
}

/** A JSON amount (number or numeric string, at most two decimals) → paise, or null. */
export function toPaise(value: unknown): number | null {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : "";
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

export async function hmacHex(secret: string, data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return hex(await crypto.subtle.sign("HMAC", key, typeof data === "string" ? enc.encode(data) : data));
}

/** The six-field v3 signature: `invoice|txn|amount2dp|currency|status|type`. */
export function signFields(secret: string, fields: readonly string[]): Promise<string> {
  return hmacHex(secret, fields.join("|"));
}

export function base64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** `{version: "v4", payload: base64(json), <field>: hex HMAC over exactly those bytes}`. */
export async function v4Envelope(
  secret: string,
  json: string,
  field: "signature" | "nimbbl_signature",
): Promise<Record<string, unknown>> {
  const bytes = enc.encode(json) as Uint8Array<ArrayBuffer>;
  return { version: "v4", payload: base64(bytes), [field]: await hmacHex(secret, bytes), sub_merchant_id: null };
}

/** AES-256-GCM, key = SHA-256(secret without `access_secret_`), output hex(nonce[16] ‖ ciphertext ‖ tag[16]). */
export async function encryptHex(secret: string, plaintext: string): Promise<string> {
  const bare = secret.replace(/^access_secret_/, "");
  const raw = await crypto.subtle.digest("SHA-256", enc.encode(bare));
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt"]);
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, enc.encode(plaintext));
  return hex(nonce) + hex(sealed);
}

/** `expires_at` as Nimbbl writes it: UTC, microseconds, no zone suffix. */
export function nimbblTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().replace("Z", "")}000`;
}

export function randomId(prefix: string, length = 16): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}
