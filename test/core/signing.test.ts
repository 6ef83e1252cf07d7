import { describe, expect, it } from "vitest";
import {
  canonicalParams,
  orderToken,
  parseCheckpostSecret,
  signRedirectParams,
  verifyOrderToken,
} from "../../src/core/signing";
import { authenticateApiKey } from "../../src/http/auth";
import { CHECKPOST_KEYS, checkpostToken, parsedTokenSecrets } from "../tokens";

const KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER = "whsec_c2Vjb25kLWtleS1mb3Itcm90YXRpb24=";

/** Independent HMAC-SHA256 → base64 with WebCrypto, from the README's algorithm. */
async function referenceSignature(whsec: string, canonical: string): Promise<string> {
  const raw = Uint8Array.from(atob(whsec.slice(6)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(canonical)));
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

describe("the signed return redirect", () => {
  it("covers every parameter except signature, encoded and sorted as the README says", () => {
    expect(
      canonicalParams([
        ["status", "succeeded"],
        ["order_id", "o 1/é"],
        ["signature", "ignored"],
        ["amount", "100"],
      ]),
    ).toBe("amount=100&order_id=o%201%2F%C3%A9&status=succeeded");
  });

  it("signs with the first key exactly as a merchant recomputes it", async () => {
    const params: [string, string][] = [
      ["gateway", "juspay"],
      ["order_id", "ord_1"],
      ["status", "succeeded"],
      ["amount", "123450"],
      ["currency", "INR"],
      ["ts", "1700000000"],
    ];
    const expected = await referenceSignature(
      KEY,
      "amount=123450&currency=INR&gateway=juspay&order_id=ord_1&status=succeeded&ts=1700000000",
    );
    expect(await signRedirectParams([KEY, OTHER], params)).toBe(expected);
  });

  it("cannot sign without a key", async () => {
    expect(await signRedirectParams([], [["a", "b"]])).toBeNull();
  });
});

describe("checkpost's order tokens", () => {
  // Keyed by CHECKPOST_SECRET (test/bindings.ts): the first and the second, rotated, key.
  const [FIRST, SECOND] = parsedTokenSecrets() as [Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>];

  it("verifies a token it minted for the same purpose, gateway and order", async () => {
    const t = (await orderToken([FIRST], "return", "phonepe", "MO1")) ?? "";
    expect(await verifyOrderToken([FIRST], "return", "phonepe", "MO1", t)).toBe(true);
  });
  it("refuses the token for another order, gateway or purpose", async () => {
    const t = (await orderToken([FIRST], "return", "phonepe", "MO1")) ?? "";
    expect(await verifyOrderToken([FIRST], "return", "phonepe", "MO2", t)).toBe(false);
    expect(await verifyOrderToken([FIRST], "return", "nimbbl", "MO1", t)).toBe(false);
    expect(await verifyOrderToken([FIRST], "status", "phonepe", "MO1", t)).toBe(false);
  });
  it("accepts a token minted with an older key while keys rotate", async () => {
    const t = (await orderToken([SECOND], "return", "phonepe", "MO1")) ?? "";
    expect(await verifyOrderToken([FIRST, SECOND], "return", "phonepe", "MO1", t)).toBe(true);
    expect(await verifyOrderToken([FIRST], "return", "phonepe", "MO1", t)).toBe(false);
  });
  it("refuses an empty token", async () => {
    expect(await verifyOrderToken([FIRST], "return", "phonepe", "MO1", "")).toBe(false);
  });
  it("mints exactly HMAC(HKDF-SHA-256(secret, info = the purpose's label), gateway:order_id), as documented", async () => {
    expect(await orderToken([FIRST, SECOND], "return", "phonepe", "MO1")).toBe(
      await checkpostToken("return", "phonepe", "MO1", CHECKPOST_KEYS[0]),
    );
    expect(await orderToken([FIRST], "status", "nimbbl", "o-2")).toBe(await checkpostToken("status", "nimbbl", "o-2"));
  });
  it("mints nothing and verifies nothing without a CHECKPOST_SECRET", async () => {
    expect(await orderToken([], "return", "phonepe", "MO1")).toBeNull();
    const t = await checkpostToken("return", "phonepe", "MO1");
    expect(await verifyOrderToken([], "return", "phonepe", "MO1", t)).toBe(false);
  });
});

describe("CHECKPOST_SECRET", () => {
  it("takes one or more base64 values of at least 32 bytes, space-separated, the first first", () => {
    const parsed = parseCheckpostSecret(CHECKPOST_KEYS.join(" "));
    expect("keys" in parsed && parsed.keys.map((k) => k.byteLength)).toEqual([32, 32]);
  });
  it.each([
    ["missing", "", "is not set"],
    ["short (31 bytes)", btoa("x".repeat(31)), "key #1 is not base64 of at least 32 bytes"],
    ["not base64", "not*base64*at*all*but*long*enough*to*pass*a*length*check", "key #1"],
    ["one bad rotated key", `${CHECKPOST_KEYS[0]} ${btoa("short")}`, "key #2"],
    ["a whsec_ key", KEY, "key #1"],
  ])("is unusable when %s, and the problem never holds the value", (_name, raw, problem) => {
    const parsed = parseCheckpostSecret(raw);
    expect("problem" in parsed && parsed.problem).toContain(problem);
    if ("problem" in parsed && raw) expect(parsed.problem).not.toContain(raw.split(" ").at(-1));
  });
});

describe("API key authentication", () => {
  it("accepts any configured key and refuses the rest", async () => {
    expect((await authenticateApiKey("Bearer k2", ["k1", "k2"])).ok).toBe(true);
    expect(await authenticateApiKey("Bearer k3", ["k1", "k2"])).toEqual({
      ok: false,
      error: { reason: "api_key_invalid" },
    });
  });
  it("refuses everything when no key is configured", async () => {
    expect((await authenticateApiKey("Bearer anything", [])).ok).toBe(false);
  });
  it("calls a missing or non-Bearer header missing", async () => {
    expect(await authenticateApiKey(null, ["k1"])).toEqual({ ok: false, error: { reason: "api_key_missing" } });
    expect(await authenticateApiKey("Token k1", ["k1"])).toEqual({ ok: false, error: { reason: "api_key_missing" } });
  });
});
