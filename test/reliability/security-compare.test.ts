/**
 * Secrets are compared in constant time everywhere (product.md §2, style.md habit 7). Two checks:
 * 1. the source: no plain `===`/`!==`/`==`/`!=` has a secret-named operand anywhere in src/ (reviewed exceptions are
 *    listed below with their reason), and every verifier imports a constant-time helper from src/core/crypto.ts;
 * 2. at run time: every route that checks a caller-supplied secret reaches `crypto.subtle.timingSafeEqual` (which
 *    `bytesEqual`, `stringsEqual` and `secretsEqual` use) when given a wrong value of the right length.
 */
/// <reference types="vite/client" />
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { DRIVER_LIST, flip } from "../drivers";
import { api, call, uniqueOrderId } from "../helpers";

const SOURCES = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });

/** Names of values that hold a secret or something derived from one (signatures, MACs, tokens, credentials). */
const SECRET_NAME = /secret|passw|signature|\bsig\b|token|api_?key|credential|hmac|\bmac\b|digest|expected|provided/i;
const COMPARISON = /([\w$.?[\]"'`]+(?:\(\))?)\s*(===|!==|==|!=)\s*([\w$.?[\]"'`]+)/g;
/** Literals and SCREAMING_SNAKE constants (e.g. `SIGNATURE_ALGORITHM`): public values, not secrets. */
const LITERAL = /^(["'`].*["'`]|\d+|null|undefined|true|false|[A-Z][A-Z0-9_]*)$/;

/**
 * Reviewed plain comparisons on secret-named values, by file and operand text, with why they are safe: both sides
 * are checkpost's own values (cache bookkeeping of access tokens it fetched), never a caller's input.
 */
const REVIEWED: readonly { file: string; text: RegExp; why: string }[] = [
  {
    file: "gateways/phonepe/token.ts",
    text: /accessToken (===|!==) rejected/,
    why: "compares two tokens checkpost fetched itself: the cached one and the one PhonePe just refused",
  },
  {
    file: "gateways/nimbbl/token.ts",
    text: /token (===|!==) refused(Tokens\.get)?/,
    why: "compares two tokens checkpost fetched itself: the cached (memory or KV) one and the one Nimbbl refused",
  },
];

function plainSecretComparisons(): string[] {
  const found: string[] = [];
  for (const [path, source] of Object.entries(SOURCES)) {
    const file = path.replace("../../src/", "");
    source.split("\n").forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*\*)/.test(line)) return;
      for (const m of line.matchAll(COMPARISON)) {
        const [text, left = "", , right = ""] = m;
        const sides = [left, right].filter((side) => !LITERAL.test(side));
        // A check against a literal (`=== null`, `=== "signature"`, `typeof x === "string"`) compares no secret.
        if (sides.length < 2) continue;
        if (!sides.some((side) => SECRET_NAME.test(side))) continue;
        if (REVIEWED.some((r) => file === r.file && r.text.test(text))) continue;
        found.push(`${file}:${i + 1}: ${text}`);
      }
    });
  }
  return found;
}

describe("constant-time comparisons in the source", () => {
  it("reads the whole of src/", () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
    expect(Object.keys(SOURCES)).toContain("../../src/core/crypto.ts");
  });

  it("has no plain equality on a secret-named value outside the reviewed exceptions", () => {
    expect(plainSecretComparisons()).toEqual([]);
  });

  it("would catch a plain comparison of a signature", () => {
    const line = "  if (expectedSignature === provided) return ok(null);";
    const hits = [...line.matchAll(COMPARISON)].filter(([, l = "", , r = ""]) => SECRET_NAME.test(l + r));
    expect(hits).toHaveLength(1);
  });

  /** The shared checks, then every gateway's verifier (`Driver.verifier`). */
  const VERIFIERS: [file: string, helper: string][] = [
    ["http/auth.ts", "secretsEqual"],
    ["core/signing.ts", "bytesEqual"],
    ...DRIVER_LIST.flatMap((d) => d.verifier.helpers.map((helper): [string, string] => [d.verifier.file, helper])),
  ];

  it.each(VERIFIERS)("routes the comparisons in %s through core/crypto's %s", (file, helper) => {
    const source = SOURCES[`../../src/${file}`] ?? "";
    expect(source).toMatch(new RegExp(`import \\{[^}]*\\b${helper}\\b[^}]*\\} from "(\\.\\.?/)+(core/)?crypto"`));
    expect(source).toMatch(new RegExp(`\\b${helper}\\(`));
  });

  it("keeps timingSafeEqual inside core/crypto.ts", () => {
    const users = Object.entries(SOURCES)
      .filter(([, source]) => source.includes("timingSafeEqual("))
      .map(([path]) => path.replace("../../src/", ""));
    expect(users).toEqual(["core/crypto.ts"]);
  });
});

describe("constant-time comparisons at run time", () => {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored as it was, and called with its receiver
  const original = crypto.subtle.timingSafeEqual;
  let compared = 0;
  beforeEach(() => {
    compared = 0;
    crypto.subtle.timingSafeEqual = ((a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView) => {
      compared += 1;
      return original.call(crypto.subtle, a, b);
    }) as typeof original;
  });
  afterEach(() => {
    crypto.subtle.timingSafeEqual = original;
  });

  it("compares a wrong API key against every configured key in constant time", async () => {
    const wrong = flip(TEST_BINDINGS.PROXY_API_KEYS.split(",")[0] ?? "");
    const res = await api("/v1/orders/juspay/whatever", { headers: { authorization: `Bearer ${wrong}` } });
    expect(res.status).toBe(401);
    expect(compared).toBeGreaterThanOrEqual(2);
  });

  // Every caller-supplied secret each gateway's routes check (`Driver.forgeries`), one character wrong.
  it.each(DRIVER_LIST.flatMap((d) => d.forgeries))("compares $what in constant time", async (forgery) => {
    const spec = await forgery.make();
    compared = 0;
    const res = await call(spec.path, spec.init);
    expect(res.status).toBe(401);
    expect(compared).toBeGreaterThanOrEqual(forgery.comparisons);
  });

  it("compares the status page's token in constant time", async () => {
    const orderId = uniqueOrderId("CT");
    const res = await call(`/status/juspay/${orderId}?t=${"A".repeat(43)}`);
    expect(res.status).toBe(404);
    expect(compared).toBeGreaterThanOrEqual(1);
  });
});
