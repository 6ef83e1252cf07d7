/**
 * The return_url signature verifier (juspay.md §3.4) and the webhook Basic-auth check (§7), as pure functions.
 * Expected signatures come from the spec's worked example or from `juspaySign` in support.ts (the documented
 * algorithm, written independently in the test).
 */
import { describe, expect, it } from "vitest";
import {
  javaUrlEncode,
  returnSigningString,
  verifyJuspayReturn,
  verifyReturnParams,
  verifyWebhookAuth,
} from "../../src/gateways/juspay/verify";
import type { ReturnInput } from "../../src/gateways/types";
import { basicAuth, hmacBase64, J, javaEnc, juspaySign, returnQuery, type Pairs } from "./support";

const KEY = J.JUSPAY_RESPONSE_KEY;

function getInput(query: string): ReturnInput {
  return {
    method: "GET",
    url: new URL(`https://checkpost.test/return/juspay?${query}`),
    body: new Uint8Array(0),
    contentType: null,
  };
}

function postInput(body: string, contentType = "application/x-www-form-urlencoded"): ReturnInput {
  return {
    method: "POST",
    url: new URL("https://checkpost.test/return/juspay"),
    body: new TextEncoder().encode(body) as Uint8Array<ArrayBuffer>,
    contentType,
  };
}

const WORKED: Pairs = [
  ["order_id", "order_1727694028"],
  ["status", "AUTHORIZATION_FAILED"],
  ["status_id", "27"],
  ["myQP", "aGVsbG9Xb3JsZA=="],
];
const WORKED_SIGNATURE = "8Esx2nrz3KE059rdsTkffYKu6AXXk07KzBo3KOexl3I=";

describe("the worked example of juspay.md §3.2", () => {
  it("builds the documented string after step 5", () => {
    expect(returnSigningString(WORKED)).toBe(
      "myQP%3DaGVsbG9Xb3JsZA%253D%253D%26order_id%3Dorder_1727694028%26status%3DAUTHORIZATION_FAILED%26status_id%3D27",
    );
  });

  it("matches the documented HMAC under key 92206A0A4A75499C9B11206C2B3B9A53 (the test key)", async () => {
    expect(KEY).toBe("92206A0A4A75499C9B11206C2B3B9A53");
    expect(await juspaySign(WORKED, KEY)).toBe(WORKED_SIGNATURE);
  });

  it("accepts the worked example with the signature double-encoded, as in the docs' sample", async () => {
    const res = await verifyJuspayReturn(getInput(returnQuery(WORKED, WORKED_SIGNATURE)), KEY);
    expect(res).toEqual({ ok: true, value: { orderId: "order_1727694028", status: "AUTHORIZATION_FAILED" } });
  });

  it("accepts the worked example with the signature single-encoded", async () => {
    const res = await verifyJuspayReturn(getInput(returnQuery(WORKED, WORKED_SIGNATURE, { encoding: "single" })), KEY);
    expect(res.ok).toBe(true);
  });
});

describe("the per-pair encoder is Java's URLEncoder", () => {
  it.each([
    ["a b", "a+b"],
    ["a+b", "a%2Bb"],
    ["x/y=z@w&v", "x%2Fy%3Dz%40w%26v"],
    ["keep.-*_AZaz09", "keep.-*_AZaz09"],
    ["~!'()", "%7E%21%27%28%29"],
    ["₹ é", "%E2%82%B9+%C3%A9"],
    ["%41", "%2541"],
    ["order ₹1 for é!", "order+%E2%82%B91+for+%C3%A9%21"],
    ["x😀y", "x%F0%9F%98%80y"],
  ])("encodes %j as %j", (input, expected) => {
    expect(javaUrlEncode(input)).toBe(expected);
    expect(javaEnc(input)).toBe(expected);
  });
});

describe("values with special characters verify under the documented algorithm", () => {
  const cases: [string, Pairs][] = [
    ["spaces", [["note", "hello big world"]]],
    ["a plus sign", [["note", "a+b+c"]]],
    ["slashes", [["path", "/cart/42/items"]]],
    ["an at sign", [["email", "buyer@example.com"]]],
    ["equals signs and ampersands", [["q", "a=b&c=d"]]],
    ["non-ASCII text", [["name", "Ünïcödé ₹ 名前"]]],
    ["a key with a space", [["my param", "v"]]],
    ["an empty value", [["empty", ""]]],
    ["~ * ! ' ( )", [["odd", "~*!'()"]]],
  ];
  it.each(cases)("accepts a merchant parameter with %s", async (_name, extra) => {
    const params: Pairs = [["order_id", "ord_1"], ["status", "CHARGED"], ["status_id", "21"], ...extra];
    const signature = await juspaySign(params);
    for (const encoding of ["single", "double"] as const) {
      const res = await verifyJuspayReturn(getInput(returnQuery(params, signature, { encoding })), KEY);
      expect(res.ok, encoding).toBe(true);
    }
  });

  it("accepts parameters in any order on the wire, since the signature sorts by encoded key", async () => {
    const params: Pairs = [
      ["status_id", "21"],
      ["zeta", "1"],
      ["order_id", "o9"],
      ["Alpha", "2"],
      ["status", "CHARGED"],
    ];
    const signature = await juspaySign(params);
    const res = await verifyJuspayReturn(getInput(returnQuery([...params].reverse(), signature)), KEY);
    expect(res.ok).toBe(true);
  });
});

describe("what the verifier rejects", () => {
  const base: Pairs = [
    ["order_id", "ord_42"],
    ["status", "AUTHORIZATION_FAILED"],
    ["status_id", "27"],
    ["cart", "c 1/2"],
  ];

  async function verify(params: Pairs, signature: string | null, options = {}) {
    return verifyJuspayReturn(getInput(returnQuery(params, signature, options)), KEY);
  }

  function replace(params: Pairs, key: string, value: string): Pairs {
    return params.map(([k, v]) => [k, k === key ? value : v]);
  }

  it.each([
    ["status", "CHARGED"],
    ["status_id", "21"],
    ["order_id", "ord_43"],
    ["cart", "c 1/3"],
  ])("rejects a redirect whose %s was changed after signing", async (key, value) => {
    const signature = await juspaySign(base);
    expect((await verify(base, signature)).ok).toBe(true);
    const res = await verify(replace(base, key, value), signature);
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
  });

  it("rejects a redirect with an added parameter the signature does not cover", async () => {
    const signature = await juspaySign(base);
    const res = await verify([...base, ["extra", "1"]], signature);
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
  });

  it("rejects a signature computed over the raw, unencoded join (the HDFC kits' scheme)", async () => {
    const raw = [...base]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const kitSignature = await hmacBase64(KEY, encodeURIComponent(raw));
    expect(kitSignature).not.toBe(await juspaySign(base));
    const res = await verify(base, kitSignature);
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
  });

  it("rejects a signature made with another key", async () => {
    const res = await verify(base, await juspaySign(base, "0000000000000000000000000000000A"));
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
  });

  it("rejects a signature made with the hex-decoded key bytes (the key is used as UTF-8 text)", async () => {
    const bytes = Uint8Array.from(KEY.match(/../g)!.map((h) => parseInt(h, 16)));
    const k = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const message = new TextEncoder().encode(returnSigningString(base));
    const sig = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", k, message))));
    expect((await verify(base, sig)).ok).toBe(false);
  });

  it("rejects a redirect without a signature", async () => {
    expect(await verify(base, null)).toMatchObject({ ok: false, error: { reason: "signature_missing" } });
  });

  it("rejects an empty signature", async () => {
    expect(await verify(base, "")).toMatchObject({ ok: false, error: { reason: "signature_missing" } });
  });

  it("rejects a foreign signature_algorithm even with a valid HMAC", async () => {
    const signature = await juspaySign(base);
    const res = await verify(base, signature, { algorithm: "HMAC-SHA1" });
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_unsupported" } });
  });

  it("accepts a valid signature without signature_algorithm (the official verifiers ignore it)", async () => {
    const signature = await juspaySign(base);
    expect((await verify(base, signature, { algorithm: null })).ok).toBe(true);
  });

  it("rejects a repeated parameter, even one whose pairs are all signed", async () => {
    const params: Pairs = [...base, ["cart", "c 1/2"]];
    const signature = await juspaySign(params);
    const res = await verify(params, signature);
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
  });

  it("rejects a repeated signature parameter", async () => {
    const signature = await juspaySign(base);
    const query = `${returnQuery(base, signature)}&signature=${encodeURIComponent(encodeURIComponent(signature))}`;
    const res = await verifyJuspayReturn(getInput(query), KEY);
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
  });

  it("does not turn a space back into + in the signature (a raw + in the query decodes to a space)", async () => {
    let params = base;
    let signature = await juspaySign(params);
    for (let i = 0; !signature.includes("+"); i++) {
      params = replace(base, "cart", `c${i}`);
      signature = await juspaySign(params);
    }
    const query = returnQuery(params, null) + `&signature=${signature}`;
    const res = await verifyJuspayReturn(getInput(query), KEY);
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
    // …while the same signature, properly encoded, is accepted.
    expect((await verify(params, signature)).ok).toBe(true);
  });

  it("rejects a signature that is not percent-decodable", async () => {
    const res = await verifyJuspayReturn(getInput(`${returnQuery(base, null)}&signature=%25E0%25A4%25A`), KEY);
    expect(res).toMatchObject({ ok: false, error: { reason: "signature_invalid" } });
  });
});

describe("POST return legs (form body)", () => {
  const params: Pairs = [
    ["order_id", "ord_post"],
    ["status", "CHARGED"],
    ["status_id", "21"],
  ];

  it("verifies the form body, not the query", async () => {
    const signature = await juspaySign(params);
    const res = await verifyJuspayReturn(postInput(returnQuery(params, signature)), KEY);
    expect(res).toEqual({ ok: true, value: { orderId: "ord_post", status: "CHARGED" } });
  });

  it("accepts a charset parameter on the form content type", async () => {
    const signature = await juspaySign(params);
    const body = returnQuery(params, signature);
    const res = await verifyJuspayReturn(postInput(body, "application/x-www-form-urlencoded; charset=UTF-8"), KEY);
    expect(res.ok).toBe(true);
  });

  it("refuses a body that is not a form (415)", async () => {
    const res = await verifyJuspayReturn(postInput('{"order_id":"x"}', "application/json"), KEY);
    expect(res).toMatchObject({ ok: false, error: { reason: "unsupported_media_type" } });
  });

  it("refuses a tampered form body", async () => {
    const signature = await juspaySign(params);
    const body = returnQuery(params, signature).replace("CHARGED", "CHARGED2");
    expect((await verifyJuspayReturn(postInput(body), KEY)).ok).toBe(false);
  });
});

describe("verifyReturnParams on decoded pairs", () => {
  it("reports order_id and status from the verified parameters", async () => {
    const params: Pairs = [
      ["order_id", "a"],
      ["status", "NEW"],
    ];
    const signature = await juspaySign(params);
    expect(await verifyReturnParams([...params, ["signature", signature]], KEY)).toEqual({
      ok: true,
      value: { orderId: "a", status: "NEW" },
    });
  });
});

describe("webhook Basic authentication", () => {
  const user = J.JUSPAY_WEBHOOK_USERNAME;
  const pass = J.JUSPAY_WEBHOOK_PASSWORD;

  it("accepts the configured username and password", async () => {
    expect(await verifyWebhookAuth(basicAuth(user, pass), user, pass)).toEqual({ ok: true, value: null });
  });

  it("accepts a lower-case scheme", async () => {
    expect((await verifyWebhookAuth(basicAuth(user, pass).replace("Basic", "basic"), user, pass)).ok).toBe(true);
  });

  it.each([
    ["a wrong password", basicAuth(user, "nope")],
    ["a wrong username", basicAuth("someone", pass)],
    ["the password as a prefix", basicAuth(user, pass.slice(0, -1))],
    ["no colon", `Basic ${btoa(user + pass)}`],
    ["username and password swapped", basicAuth(pass, user)],
    ["a Bearer scheme", `Bearer ${btoa(`${user}:${pass}`)}`],
    ["no header", null],
    ["non-base64 credentials", "Basic !!!notbase64"],
  ])("rejects %s", async (_name, header) => {
    expect(await verifyWebhookAuth(header, user, pass)).toMatchObject({
      ok: false,
      error: { reason: "credentials_invalid" },
    });
  });
});
