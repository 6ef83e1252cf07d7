/**
 * HyperSDK signature auth (juspay.md §8; seeds 001-002 steps 2 and 4): the merchant server signs the stringified JSON
 * `signaturePayload` (initiate) or `orderDetails` (process) with its 2048-bit RSA key, RSA-SHA256 (RSASSA-PKCS1-v1_5),
 * Base64, and hands payload, signature and `merchantKeyId` to the app. WebCrypto only; the key is imported from a
 * PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) and cached per isolate.
 */
import { fromBase64, toBase64, utf8 } from "../../core/crypto";

const imported = new Map<string, Promise<CryptoKey>>();

/**
 * The DER bytes of a PEM with this label (`PRIVATE KEY`: PKCS#8; `PUBLIC KEY`: SPKI), or null. Secrets pasted into an
 * environment often carry literal `\n` instead of newlines; both are accepted. A PKCS#1 `RSA PRIVATE KEY` is refused
 * (convert it with `openssl pkcs8 -topk8 -nocrypt`).
 */
export function pemDer(pem: string, label: "PRIVATE KEY" | "PUBLIC KEY"): Uint8Array<ArrayBuffer> | null {
  const text = pem.replace(/\\n/g, "\n");
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  if (!match?.[1]) return null;
  return fromBase64(match[1].replace(/\s+/g, ""));
}

/** The SDK signing key, imported once per isolate, or null when the PEM is not a usable PKCS#8 RSA key. */
export async function sdkSigningKey(pem: string): Promise<CryptoKey | null> {
  let key = imported.get(pem);
  if (!key) {
    const der = pemDer(pem, "PRIVATE KEY");
    if (!der) return null;
    key = crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
    imported.set(pem, key);
  }
  try {
    return await key;
  } catch {
    imported.delete(pem);
    return null;
  }
}

/** Base64 RSA-SHA256 signature of the payload's UTF-8 bytes. */
export async function signSdkPayload(key: CryptoKey, payload: string): Promise<string> {
  return toBase64(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, utf8(payload)));
}
