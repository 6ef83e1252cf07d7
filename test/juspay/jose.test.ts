/**
 * Juspay JOSE mode's envelopes (juspay.md §8) checked against an independent implementation, the `jose` package:
 * checkpost's requests open and verify with it, its answers are read by checkpost, and every tampered or foreign
 * answer is `gateway_bad_response` (502) with nothing recorded. Plus the keys' per-isolate cache.
 */
import { generateKeyPair, exportPKCS8, exportSPKI } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { joseKeys } from "../../src/gateways/juspay/jose";
import { gatewayCalls } from "../helpers";
import { TEST_JOSE_KEY_ID, TEST_JUSPAY_PUBLIC_PEM, TEST_MERCHANT_PRIVATE_PEM } from "../jose-keys";
import { configureJuspaySim, io, newOrderId, simOrder } from "./support";
import { joseJuspay, joseSettings, juspayAnswer, nextAnswer, sentFor, withFlip } from "./jose-support";

beforeAll(configureJuspaySim);

/** The order object Juspay answers Order Status with, as the simulator renders it. */
async function orderAnswer(orderId: string, status = "CHARGED"): Promise<unknown> {
  return simOrder(orderId, { amount: "100.00", status });
}

describe("the request envelope", () => {
  it("is a JWE RSA-OAEP-256/A256GCM around an RS256 JWS of {order_id}, both with the key id, that jose opens", async () => {
    const id = newOrderId("jr");
    await simOrder(id, { status: "CHARGED" });
    const status = await joseJuspay().fetchStatus(id, io);
    expect(status).toMatchObject({ ok: true, value: { status: "succeeded" } });
    const opened = await sentFor("/v4/order-status", id);
    expect(opened.jwe).toEqual({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: TEST_JOSE_KEY_ID });
    expect(opened.jws).toEqual({ alg: "RS256", kid: TEST_JOSE_KEY_ID });
    expect(opened.payload).toEqual({ order_id: id });
  });
});

describe("the answer envelope", () => {
  it("is read when jose built it: Juspay's signature, encrypted to the merchant's key", async () => {
    const id = newOrderId("ja");
    // The simulator holds the order as pending: only the jose-built answer says CHARGED.
    const order = (await orderAnswer(id, "PENDING_VBV")) as Record<string, unknown>;
    await nextAnswer("/v4/order-status", JSON.stringify(await juspayAnswer({ ...order, status: "CHARGED" })));
    const status = await joseJuspay().fetchStatus(id, io);
    expect(status).toMatchObject({ ok: true, value: { status: "succeeded", gatewayStatus: "CHARGED" } });
  });

  describe("is refused as gateway_bad_response", () => {
    let stranger: { privatePem: string; publicPem: string };
    beforeAll(async () => {
      const pair = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
      stranger = { privatePem: await exportPKCS8(pair.privateKey), publicPem: await exportSPKI(pair.publicKey) };
    });

    const tampered: [string, (order: unknown) => Promise<unknown>][] = [
      [
        "a tampered protected header",
        async (o) => {
          const e = await juspayAnswer(o);
          const other = btoa(JSON.stringify({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: "other" }));
          return { ...e, header: other.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_") };
        },
      ],
      ["a tampered tag", async (o) => withFlip(await juspayAnswer(o), "tag")],
      ["a tampered encrypted key", async (o) => withFlip(await juspayAnswer(o), "encryptedKey")],
      ["a tampered ciphertext", async (o) => withFlip(await juspayAnswer(o), "encryptedPayload")],
      ["a tampered iv", async (o) => withFlip(await juspayAnswer(o), "iv")],
      ["a signature by another key", (o) => juspayAnswer(o, { signingPem: stranger.privatePem })],
      ["a CEK wrapped to another key", (o) => juspayAnswer(o, { encryptToPem: stranger.publicPem })],
      [
        "RSA-OAEP (SHA-1) key wrapping",
        (o) => juspayAnswer(o, { jweHeader: { alg: "RSA-OAEP", enc: "A256GCM", kid: TEST_JOSE_KEY_ID } }),
      ],
      [
        "A128GCM content encryption",
        (o) => juspayAnswer(o, { jweHeader: { alg: "RSA-OAEP-256", enc: "A128GCM", kid: TEST_JOSE_KEY_ID } }),
      ],
      ["a PS256 signature", (o) => juspayAnswer(o, { jwsAlg: "PS256" })],
      ["a plain order object (no envelope)", (o) => Promise.resolve(o)],
      ["an envelope missing its tag", async (o) => ({ ...(await juspayAnswer(o)), tag: undefined })],
    ];

    it.each(tampered)("%s", async (_name, build) => {
      const id = newOrderId("jt");
      const order = await orderAnswer(id, "CHARGED");
      await nextAnswer("/v4/order-status", JSON.stringify(await build(order)));
      const status = await joseJuspay().fetchStatus(id, io);
      expect(status).toMatchObject({ ok: false, error: { reason: "gateway_bad_response" } });
    });
  });
});

describe("the keys", () => {
  it("are imported once per isolate: every settings object with the same PEMs shares one import", () => {
    const first = joseSettings().jose!;
    const second = joseSettings({ JUSPAY_MERCHANT_ID: "another_env_object" }).jose!;
    expect(first).not.toBe(second);
    expect(joseKeys(first)).toBe(joseKeys(second));
  });

  it("that cannot be imported answer gateway_not_configured and send nothing", async () => {
    const id = newOrderId("jk");
    // The right armour and OID (config.ts's cheap check passes) but a truncated body WebCrypto refuses.
    const pem = TEST_MERCHANT_PRIVATE_PEM;
    const broken = pem.replace(/(-----BEGIN PRIVATE KEY-----\n(?:.*\n){2})(?:.*\n)+(?=-----END)/, "$1");
    const before = (await gatewayCalls("juspay", "/v4/order-status")).length;
    const status = await joseJuspay({ JUSPAY_JWT_PRIVATE_KEY: broken }).fetchStatus(id, io);
    expect(status).toMatchObject({ ok: false, error: { reason: "gateway_not_configured" } });
    expect((await gatewayCalls("juspay", "/v4/order-status")).length).toBe(before);
  });
});

describe("the simulated Juspay's /v4 endpoints", () => {
  const post = (body: string) =>
    fetch("http://sim.test/juspay/v4/order-status", {
      method: "POST",
      headers: { "content-type": "application/json", "x-merchantid": "checkpost_test", version: "2024-06-24" },
      body,
    });

  it("refuse a body that is not an envelope with a plain JSON 400", async () => {
    const res = await post(JSON.stringify({ order_id: "x" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: "invalid_request" });
  });

  it("refuse an envelope signed by another key with a plain JSON 401", async () => {
    const pair = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
    // Built as checkpost would, but signed by a stranger: encrypted to Juspay (the simulator), verified with the
    // merchant's public key, which does not match.
    const envelope = await juspayAnswer(
      { order_id: "x" },
      { signingPem: await exportPKCS8(pair.privateKey), encryptToPem: TEST_JUSPAY_PUBLIC_PEM },
    );
    const res = await post(JSON.stringify(envelope));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error_code: "access_denied" });
  });
});
