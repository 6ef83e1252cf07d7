/**
 * Juspay / HDFC SmartGateway JOSE mode (juspay.md §8, §12 "JOSE endpoints and headers, per SDK"): sign, then encrypt.
 *
 * Request: the JSON body becomes a compact JWS, protected header `{"alg":"RS256","kid":keyId}`, signed with the
 * merchant's private key and carried as JSON `{header, payload, signature}`; that string is the plaintext of a JWE,
 * protected header `{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":keyId}`, AAD = the ASCII of the header's base64url,
 * the CEK wrapped with OAEP-SHA-256 to Juspay's public key; sent as `{header, encryptedKey, iv, encryptedPayload,
 * tag}`. Answers are the mirror: decrypt with the merchant's key, verify RS256 with Juspay's key. Sources, read not
 * copied: expresscheckout-php-sdk@3a33a1b `lib/Model/JuspayJWT.php` (both envelopes as JSON), `lib/JWT/JWE.php`,
 * `lib/JWT/AES256GCM.php` (AAD = encoded header), `lib/JWT/RSAOAEP256.php` (SHA-256 + MGF1-SHA-256),
 * `lib/JWT/JWS.php`, `lib/Model/SignRSA.php` / `EncRSAOEAP.php` (`kid` added to both headers);
 * expresscheckout-dotnet-sdk@622f844 `Juspay/Model/_base/JWT.cs` (`JWS.Encode`, `JWE.CreateJWE`) and
 * `Juspay/Model/_base/JuspayJWTRSA.cs` (`PreparePayload` / `ConsumePayload`).
 *
 * Answers, where the SDKs are lax and checkpost is not (the least convenient reading): both SDKs decrypt with fixed
 * algorithms and never look at the answer's headers; checkpost refuses an answer whose JWE header is not
 * RSA-OAEP-256 / A256GCM, whose JWS header is not RS256, or that names `crit` or `zip` (nothing here implements
 * them). `kid` on answers is not checked: no SDK reads it and Juspay documents no value for it. Only 2xx answers are
 * envelopes (PHP `JuspayEntity::makeServiceCall` and .NET `HttpClient.BuildJuspayResponse` decrypt only on success);
 * error answers stay plain JSON, mapped as in Basic mode.
 *
 * WebCrypto only: the `jose` package is a devDependency, the tests' independent oracle, never bundled: the Worker's
 * budget is 64 KiB gzipped and it was ~61.4 KiB before this file. Keys are imported once per isolate, cached by PEM.
 */
import { fromBase64Url, toBase64Url, utf8 } from "../../core/crypto";
import type { JuspayJoseSettings } from "./config";
import { pemDer } from "./sdk";

export interface JoseKeys {
  readonly sign: CryptoKey;
  readonly decrypt: CryptoKey;
  readonly encrypt: CryptoKey;
  readonly verify: CryptoKey;
}

const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const OAEP256 = { name: "RSA-OAEP", hash: "SHA-256" } as const;
const imported = new Map<string, Promise<JoseKeys | null>>();

async function importAll(privatePem: string, publicPem: string): Promise<JoseKeys | null> {
  const priv = pemDer(privatePem, "PRIVATE KEY");
  const pub = pemDer(publicPem, "PUBLIC KEY");
  if (!priv || !pub) return null;
  const subtle = crypto.subtle;
  try {
    const [sign, decrypt, encrypt, verify] = await Promise.all([
      subtle.importKey("pkcs8", priv, RS256, false, ["sign"]),
      subtle.importKey("pkcs8", priv, OAEP256, false, ["decrypt"]),
      subtle.importKey("spki", pub, OAEP256, false, ["encrypt"]),
      subtle.importKey("spki", pub, RS256, false, ["verify"]),
    ]);
    return { sign, decrypt, encrypt, verify };
  } catch {
    return null;
  }
}

/**
 * The four keys, imported on first use and cached per isolate by the two PEM strings (the same promise for every
 * caller); null when a PEM cannot be imported (a misconfiguration: config.ts checks only the PEM's shape).
 */
export function joseKeys(jose: JuspayJoseSettings): Promise<JoseKeys | null> {
  const id = `${jose.privateKeyPem}\n${jose.publicKeyPem}`;
  let keys = imported.get(id);
  if (!keys) {
    keys = importAll(jose.privateKeyPem, jose.publicKeyPem);
    imported.set(id, keys);
  }
  return keys;
}

const b64u = (text: string) => toBase64Url(utf8(text));
/** Strict UTF-8 (a malformed byte throws: the answer is refused). */
const decode = (b: ArrayBuffer | Uint8Array) => new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(b);
/** ASCII bytes of a base64url string (the JWS signing input and the JWE AAD: RFC 7515 §5.1, RFC 7516 §5.1). */
const ascii = utf8;

/** The request body as Juspay's `/v4` endpoints take it: signed, then encrypted (the JSON envelope above). */
export async function sealJuspayRequest(keyId: string, keys: JoseKeys, body: string): Promise<string> {
  const subtle = crypto.subtle;
  const jwsHeader = b64u(JSON.stringify({ alg: "RS256", kid: keyId }));
  const payload = b64u(body);
  const signature = toBase64Url(await subtle.sign(RS256, keys.sign, ascii(`${jwsHeader}.${payload}`)));
  const signed = JSON.stringify({ header: jwsHeader, payload, signature });
  const header = b64u(JSON.stringify({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: keyId }));
  const cek = crypto.getRandomValues(new Uint8Array(32));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aes = await subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(
    await subtle.encrypt({ name: "AES-GCM", iv, additionalData: ascii(header) }, aes, utf8(signed)),
  );
  return JSON.stringify({
    header,
    encryptedKey: toBase64Url(await subtle.encrypt(OAEP256, keys.encrypt, cek)),
    iv: toBase64Url(iv),
    encryptedPayload: toBase64Url(sealed.subarray(0, -16)),
    tag: toBase64Url(sealed.subarray(-16)),
  });
}

/** The string fields of a JSON object, or null when it is not an object with all of them as strings. */
function strings<K extends string>(value: unknown, keys: readonly K[]): Record<K, string> | null {
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  return keys.every((k) => typeof record[k] === "string") ? (record as Record<K, string>) : null;
}

/** A protected header's JSON, when it has exactly the algorithms expected and no `crit` / `zip`. */
function headerOk(encoded: string, expected: Readonly<Record<string, string>>): boolean {
  const bytes = fromBase64Url(encoded);
  if (!bytes) return false;
  const header = JSON.parse(decode(bytes)) as Record<string, unknown>;
  if (typeof header !== "object" || header === null || "crit" in header || "zip" in header) return false;
  return Object.entries(expected).every(([k, v]) => header[k] === v);
}

function bytes(text: string, length?: number): Uint8Array<ArrayBuffer> {
  const out = fromBase64Url(text);
  if (!out || (length !== undefined && out.length !== length)) throw new Error("bad part");
  return out;
}

/**
 * A 2xx answer's envelope (already parsed JSON) opened: decrypted, verified, its payload parsed as JSON. Null when
 * anything is wrong (shape, algorithms, key, tag, signature, payload): the caller answers `gateway_bad_response`.
 */
export async function openJuspayAnswer(keys: JoseKeys, envelope: unknown): Promise<unknown> {
  const subtle = crypto.subtle;
  try {
    const jwe = strings(envelope, ["header", "encryptedKey", "iv", "encryptedPayload", "tag"] as const);
    if (!jwe || !headerOk(jwe.header, { alg: "RSA-OAEP-256", enc: "A256GCM" })) return null;
    const cek = await subtle.decrypt(OAEP256, keys.decrypt, bytes(jwe.encryptedKey));
    if (cek.byteLength !== 32) return null;
    const aes = await subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
    const sealed = new Uint8Array([...bytes(jwe.encryptedPayload), ...bytes(jwe.tag, 16)]);
    const iv = bytes(jwe.iv, 12);
    const plain = await subtle.decrypt({ name: "AES-GCM", iv, additionalData: ascii(jwe.header) }, aes, sealed);
    const jws = strings(JSON.parse(decode(plain)), ["header", "payload", "signature"] as const);
    if (!jws || !headerOk(jws.header, { alg: "RS256" })) return null;
    const input = ascii(`${jws.header}.${jws.payload}`);
    if (!(await subtle.verify(RS256, keys.verify, bytes(jws.signature), input))) return null;
    return JSON.parse(decode(bytes(jws.payload))) as unknown;
  } catch {
    return null;
  }
}
