/**
 * Test-side helpers for Juspay JOSE mode (juspay.md §8). Every envelope here is built or opened with the `jose`
 * package, the independent oracle (RFC 7515/7516 as panva/jose implements them), never with checkpost's jose.ts or
 * the simulator's juspay-jose.ts. Keys: test/jose-keys.ts (test-only).
 */
import { env } from "cloudflare:test";
import {
  CompactEncrypt,
  CompactSign,
  compactDecrypt,
  compactVerify,
  importPKCS8,
  importSPKI,
  type CompactJWEHeaderParameters,
} from "jose";
import { expect } from "vitest";
import { gatewaySetup } from "../../src/gateways";
import { juspaySetup, type JuspaySettings } from "../../src/gateways/juspay/config";
import type { ConfiguredGateway } from "../../src/gateways/types";
import { gatewayCalls, sim } from "../helpers";
import {
  TEST_JOSE_KEY_ID,
  TEST_JUSPAY_PRIVATE_PEM,
  TEST_JUSPAY_PUBLIC_PEM,
  TEST_MERCHANT_PRIVATE_PEM,
  TEST_MERCHANT_PUBLIC_PEM,
} from "../jose-keys";

/** checkpost's settings in `jose` mode, over the test bindings (a new object: settings are read afresh). */
export const JOSE_ENV: Record<string, string> = {
  JUSPAY_AUTH_MODE: "jose",
  JUSPAY_JWT_KEY_ID: TEST_JOSE_KEY_ID,
  JUSPAY_JWT_PRIVATE_KEY: TEST_MERCHANT_PRIVATE_PEM,
  JUSPAY_JWT_PUBLIC_KEY: TEST_JUSPAY_PUBLIC_PEM,
};

/** Juspay configured in jose mode; `extra` overrides more settings (e.g. `JUSPAY_API_KEY: ""`). */
export function joseJuspay(extra: Record<string, string> = {}): ConfiguredGateway {
  const setup = gatewaySetup({ ...env, ...JOSE_ENV, ...extra }, "juspay");
  if (setup.state !== "enabled") throw new Error(`juspay is ${setup.state} in jose mode`);
  return setup.gateway;
}

export function joseSettings(extra: Record<string, string> = {}): JuspaySettings {
  const setup = juspaySetup({ ...env, ...JOSE_ENV, ...extra });
  if (setup.state !== "enabled") throw new Error(`juspay is ${setup.state} in jose mode`);
  return setup.settings;
}

export interface Envelope {
  header: string;
  encryptedKey: string;
  iv: string;
  encryptedPayload: string;
  tag: string;
}

const ENVELOPE_KEYS = ["header", "encryptedKey", "iv", "encryptedPayload", "tag"] as const;

function toEnvelope(compact: string): Envelope {
  const parts = compact.split(".");
  return Object.fromEntries(ENVELOPE_KEYS.map((k, i) => [k, parts[i] ?? ""])) as unknown as Envelope;
}

const compactOf = (e: Envelope) => ENVELOPE_KEYS.map((k) => e[k]).join(".");

/** A request body checkpost sent, opened as Juspay would: decrypted, verified; both protected headers returned. */
export async function openRequest(body: string): Promise<{ jwe: object; jws: object; payload: unknown }> {
  const juspayKey = await importPKCS8(TEST_JUSPAY_PRIVATE_PEM, "RSA-OAEP-256");
  const merchantKey = await importSPKI(TEST_MERCHANT_PUBLIC_PEM, "RS256");
  const envelope = JSON.parse(body) as Envelope;
  expect(Object.keys(envelope).sort()).toEqual([...ENVELOPE_KEYS].sort());
  const opened = await compactDecrypt(compactOf(envelope), juspayKey);
  const signed = JSON.parse(new TextDecoder().decode(opened.plaintext)) as Record<string, string>;
  expect(Object.keys(signed).sort()).toEqual(["header", "payload", "signature"]);
  const verified = await compactVerify(`${signed["header"]}.${signed["payload"]}.${signed["signature"]}`, merchantKey);
  return {
    jwe: opened.protectedHeader,
    jws: verified.protectedHeader,
    payload: JSON.parse(new TextDecoder().decode(verified.payload)),
  };
}

export interface AnswerOptions {
  /** The JWE protected header (default RSA-OAEP-256 / A256GCM / kid). */
  jweHeader?: CompactJWEHeaderParameters;
  /** The JWS algorithm (default RS256). */
  jwsAlg?: string;
  /** The key the JWS is signed with (PKCS#8 PEM; default Juspay's). */
  signingPem?: string;
  /** The key the CEK is wrapped to (SPKI PEM; default the merchant's). */
  encryptToPem?: string;
}

/** An answer as Juspay sends it (juspay.md §8), built with `jose`: `payload` signed, then encrypted. */
export async function juspayAnswer(payload: unknown, options: AnswerOptions = {}): Promise<Envelope> {
  const alg = options.jwsAlg ?? "RS256";
  const signKey = await importPKCS8(options.signingPem ?? TEST_JUSPAY_PRIVATE_PEM, alg);
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg, kid: TEST_JOSE_KEY_ID })
    .sign(signKey);
  const [header, body, signature] = jws.split(".");
  const jweHeader = options.jweHeader ?? { alg: "RSA-OAEP-256", enc: "A256GCM", kid: TEST_JOSE_KEY_ID };
  const encKey = await importSPKI(options.encryptToPem ?? TEST_MERCHANT_PUBLIC_PEM, jweHeader.alg ?? "RSA-OAEP-256");
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ header, payload: body, signature })))
    .setProtectedHeader(jweHeader)
    .encrypt(encKey);
  return toEnvelope(jwe);
}

/** One base64url part with its first byte's low bit flipped. */
export function flipped(part: string): string {
  const bin = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function withFlip(e: Envelope, part: keyof Envelope): Envelope {
  return { ...e, [part]: flipped(e[part]) };
}

/** The call to a `/v4` path whose opened payload is about `orderId` (other test files share the simulator). */
export async function sentFor(
  path: string,
  orderId: string,
): Promise<Awaited<ReturnType<typeof openRequest>> & { headers: Record<string, string> }> {
  for (const call of (await gatewayCalls("juspay", path)).reverse()) {
    const opened = await openRequest(call.body);
    if ((opened.payload as { order_id?: unknown }).order_id === orderId) return { ...opened, headers: call.headers };
  }
  throw new Error(`no ${path} call about ${orderId}`);
}

/** The simulated Juspay answers the next call whose path contains `path` with this 200 body. */
export async function nextAnswer(path: string, body: string, status = 200): Promise<void> {
  const res = await sim("/__control/faults", {
    method: "POST",
    json: { gateway: "juspay", path, fault: { kind: "status", status, body } },
  });
  expect(res.status).toBe(200);
}
