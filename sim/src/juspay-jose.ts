/**
 * The simulated Juspay's JOSE endpoints (juspay.md §8, §12): `POST /juspay/v4/order-status` (`{order_id}`),
 * `POST /juspay/v4/session`, `POST /juspay/v4/txns` and `POST /juspay/v4/orders/:id/refunds` (all fields, `order_id` too, as JSON; PHP
 * `Order::encryptedOrderRefund`). The body is a JWE envelope `{header, encryptedKey, iv, encryptedPayload, tag}`
 * (RSA-OAEP-256 + A256GCM, AAD = the encoded header) around a JWS `{header, payload, signature}` (RS256), as the PHP
 * and .NET SDKs build them (`lib/Model/JuspayJWT.php`, `Juspay/Model/_base/JuspayJWTRSA.cs`). The simulator opens it
 * with Juspay's private key, verifies it with the merchant's public key, and answers a 2xx the same way, sealed to
 * the merchant (its `kid` echoes the request's: Juspay documents none). Errors stay plain JSON, as the SDKs expect
 * (they decrypt 2xx answers only). No Authorization is needed (Node and .NET send none); `x-merchantid` and
 * `version` still are.
 *
 * Refusals (the simulator's reading; Juspay documents none): JOSE not set up, a body that is not such an envelope,
 * other algorithms, or a key that does not open it → 400 `invalid_request`; a JWS that does not verify with the
 * merchant's key, or a `kid` other than the configured key id → 401 `access_denied`.
 *
 * Keys: `POST /__control/juspay/jose {private_key, merchant_public_key, key_id}` (tests), else the sim's vars
 * `JUSPAY_JWT_PRIVATE_KEY` (Juspay's RSA key, PKCS#8 PEM), `JUSPAY_MERCHANT_PUBLIC_KEY` (SPKI PEM) and
 * `JUSPAY_JWT_KEY_ID` (`npm start` with `JUSPAY_AUTH_MODE=jose` generates them). Own code: nothing from src/.
 */
import type { SimEnv } from "./index";

export interface JoseSimKeys {
  private_key: string;
  merchant_public_key: string;
  key_id: string;
}

export const joseConfig: Partial<JoseSimKeys> = {};

type Fields = Record<string, unknown>;

const plainError = (status: number, code: string, message: string, kind = "invalid_request_error") =>
  Response.json({ status: kind, error_code: code, error_message: message }, { status });

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function b64uEncode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function b64uDecode(text: unknown): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function der(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/\\n/g, "\n").split(`-----BEGIN ${label}-----`)[1]?.split(`-----END ${label}-----`)[0];
  if (!body) throw new Error(`not a ${label} PEM`);
  return Uint8Array.from(atob(body.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

interface Keys {
  juspayDecrypt: CryptoKey;
  juspaySign: CryptoKey;
  merchantEncrypt: CryptoKey;
  merchantVerify: CryptoKey;
  keyId: string;
}

const cache = new Map<string, Promise<Keys>>();

function keysFor(env: SimEnv): Promise<Keys> | null {
  const priv = joseConfig.private_key ?? env.JUSPAY_JWT_PRIVATE_KEY;
  const pub = joseConfig.merchant_public_key ?? env.JUSPAY_MERCHANT_PUBLIC_KEY;
  const keyId = joseConfig.key_id ?? env.JUSPAY_JWT_KEY_ID ?? "";
  if (!priv || !pub) return null;
  const id = `${priv}|${pub}|${keyId}`;
  let keys = cache.get(id);
  if (!keys) {
    const sha = { name: "RSA-OAEP", hash: "SHA-256" };
    const rs = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const s = crypto.subtle;
    keys = (async () => ({
      juspayDecrypt: await s.importKey("pkcs8", der(priv, "PRIVATE KEY"), sha, false, ["decrypt"]),
      juspaySign: await s.importKey("pkcs8", der(priv, "PRIVATE KEY"), rs, false, ["sign"]),
      merchantEncrypt: await s.importKey("spki", der(pub, "PUBLIC KEY"), sha, false, ["encrypt"]),
      merchantVerify: await s.importKey("spki", der(pub, "PUBLIC KEY"), rs, false, ["verify"]),
      keyId,
    }))();
    cache.set(id, keys);
  }
  return keys;
}

function header(encoded: string): Record<string, unknown> {
  return JSON.parse(dec.decode(b64uDecode(encoded))) as Record<string, unknown>;
}

type Opened = { fields: Fields; kid: string; keys: Keys } | Response;

/** Decrypts and verifies a request body; a plain JSON error Response when anything is off. */
async function open(request: Request, env: SimEnv): Promise<Opened> {
  const pending = keysFor(env);
  if (!pending) return plainError(400, "invalid_request", "JWT keys are not set up for this merchant");
  const keys = await pending;
  let signed: Record<string, string>;
  let kid: unknown;
  try {
    const envelope = await request.json<Record<string, string>>();
    const h = header(envelope["header"] ?? "");
    if (h["alg"] !== "RSA-OAEP-256" || h["enc"] !== "A256GCM") throw new Error("algorithms");
    kid = h["kid"];
    const cek = await crypto.subtle.decrypt(
      { name: "RSA-OAEP" },
      keys.juspayDecrypt,
      b64uDecode(envelope["encryptedKey"]),
    );
    const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
    const data = new Uint8Array([...b64uDecode(envelope["encryptedPayload"]), ...b64uDecode(envelope["tag"])]);
    const iv = b64uDecode(envelope["iv"]);
    const aad = enc.encode(envelope["header"]);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, aes, data);
    signed = JSON.parse(dec.decode(plain)) as Record<string, string>;
  } catch {
    return plainError(400, "invalid_request", "Unable to decrypt the request");
  }
  try {
    const h = header(signed["header"] ?? "");
    const input = enc.encode(`${signed["header"]}.${signed["payload"]}`);
    const sig = b64uDecode(signed["signature"]);
    const good =
      h["alg"] === "RS256" && (await crypto.subtle.verify("RSASSA-PKCS1-v1_5", keys.merchantVerify, sig, input));
    const kids = keys.keyId === "" || (kid === keys.keyId && h["kid"] === keys.keyId);
    if (!good || !kids) return plainError(401, "access_denied", "Signature verification failed", "error");
    const fields = JSON.parse(dec.decode(b64uDecode(signed["payload"]))) as unknown;
    if (typeof fields !== "object" || fields === null) throw new Error("payload");
    return { fields: fields as Fields, kid: typeof kid === "string" ? kid : keys.keyId, keys };
  } catch {
    return plainError(400, "invalid_request", "Unable to read the signed request");
  }
}

/** A 2xx JSON answer signed with Juspay's key and encrypted to the merchant's; anything else as it is. */
async function seal(answer: Response, kid: string, keys: Keys): Promise<Response> {
  if (answer.status < 200 || answer.status > 299) return answer;
  const s = crypto.subtle;
  const h = b64uEncode(enc.encode(JSON.stringify({ alg: "RS256", kid })));
  const p = b64uEncode(enc.encode(await answer.text()));
  const sig = b64uEncode(new Uint8Array(await s.sign("RSASSA-PKCS1-v1_5", keys.juspaySign, enc.encode(`${h}.${p}`))));
  const jweHeader = b64uEncode(enc.encode(JSON.stringify({ alg: "RSA-OAEP-256", enc: "A256GCM", kid })));
  const cek = crypto.getRandomValues(new Uint8Array(32));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aes = await s.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const plain = enc.encode(JSON.stringify({ header: h, payload: p, signature: sig }));
  const out = new Uint8Array(
    await s.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(jweHeader) }, aes, plain),
  );
  return Response.json({
    header: jweHeader,
    encryptedKey: b64uEncode(new Uint8Array(await s.encrypt({ name: "RSA-OAEP" }, keys.merchantEncrypt, cek))),
    iv: b64uEncode(iv),
    encryptedPayload: b64uEncode(out.subarray(0, -16)),
    tag: b64uEncode(out.subarray(-16)),
  });
}

/** What juspay.ts hands over: its own handlers, called with the opened fields. */
export interface V4Handlers {
  status(fields: Fields): Response;
  session(fields: Fields): Response;
  refund(orderId: string, fields: Fields): Response;
  /** Mandate execution (`/v4/txns`, inferred from the Node SDK; juspay.md §12). */
  txns(fields: Fields): Response;
}

/** `POST /juspay/v4/…`: `rest` is the path after `/v4`, decoded. */
export async function joseApi(request: Request, rest: string[], env: SimEnv, handlers: V4Handlers): Promise<Response> {
  const [first, id, sub] = rest;
  const known =
    request.method === "POST" &&
    ((first === "order-status" && !id) ||
      (first === "session" && !id) ||
      (first === "txns" && !id) ||
      (first === "orders" && id && sub === "refunds"));
  if (!known) return plainError(404, "object_not_found", "Cannot find what you are looking for");
  const opened = await open(request, env);
  if (opened instanceof Response) return opened;
  const { fields } = opened;
  let answer: Response;
  if (first === "order-status") answer = handlers.status(fields);
  else if (first === "session") answer = handlers.session(fields);
  else if (first === "txns") answer = handlers.txns(fields);
  // Only the PHP SDK sends `order_id` in this body (juspay.md §12): refused only when present and another order's.
  else if (fields["order_id"] !== undefined && fields["order_id"] !== id)
    answer = plainError(400, "invalid_request", "order_id must match the path");
  else answer = handlers.refund(id ?? "", fields);
  return seal(answer, opened.kid, opened.keys);
}

/** `POST /__control/juspay/jose`: the keys the simulated dashboard holds (empty strings clear them). */
export function configureJose(fields: Fields): Response {
  for (const key of ["private_key", "merchant_public_key", "key_id"] as const) {
    const value = fields[key];
    if (typeof value === "string") {
      if (value === "") delete joseConfig[key];
      else joseConfig[key] = value;
    }
  }
  return Response.json({ ok: true });
}
