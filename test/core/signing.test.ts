import { describe, expect, it } from "vitest";
import { canonicalParams, orderToken, signRedirectParams, verifyOrderToken } from "../../src/core/signing";
import { authenticateApiKey } from "../../src/http/auth";

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
  it("verifies a token it minted for the same purpose, gateway and order", async () => {
    const t = (await orderToken([KEY], "return", "phonepe", "MO1")) ?? "";
    expect(await verifyOrderToken([KEY], "return", "phonepe", "MO1", t)).toBe(true);
  });
  it("refuses the token for another order, gateway or purpose", async () => {
    const t = (await orderToken([KEY], "return", "phonepe", "MO1")) ?? "";
    expect(await verifyOrderToken([KEY], "return", "phonepe", "MO2", t)).toBe(false);
    expect(await verifyOrderToken([KEY], "return", "nimbbl", "MO1", t)).toBe(false);
    expect(await verifyOrderToken([KEY], "status", "phonepe", "MO1", t)).toBe(false);
  });
  it("accepts a token minted with an older key while keys rotate", async () => {
    const t = (await orderToken([OTHER], "return", "phonepe", "MO1")) ?? "";
    expect(await verifyOrderToken([KEY, OTHER], "return", "phonepe", "MO1", t)).toBe(true);
    expect(await verifyOrderToken([KEY], "return", "phonepe", "MO1", t)).toBe(false);
  });
  it("refuses an empty token", async () => {
    expect(await verifyOrderToken([KEY], "return", "phonepe", "MO1", "")).toBe(false);
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
