/**
 * Juspay mandates on the merchant API (juspay.md §6) and HyperSDK signed payloads (§8, seeds 001-002). The RSA key
 * pair is generated here, at test time, with WebCrypto; no private key is committed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, call, callWithEnv, expectProblem, gatewayCalls } from "../helpers";
import { configureJuspaySim, getOrder, J, newOrderId, simMandate } from "./support";

beforeAll(configureJuspaySim);

describe("GET /v1/juspay/customers/:customer_id/mandates", () => {
  it("lists the customer's mandates, revoked ones too, in minor units and without tokens", async () => {
    const customer = `cust_${newOrderId("m")}`;
    await simMandate({ customer_id: customer, mandate_id: `${customer}_a`, max_amount: "999.50" });
    await simMandate({ customer_id: customer, mandate_id: `${customer}_b`, status: "REVOKED" });
    const res = await api(`/v1/juspay/customers/${customer}/mandates`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.customer_id).toBe(customer);
    expect(body.mandates).toHaveLength(2);
    expect(body.mandates[0]).toEqual({
      mandate_id: `${customer}_a`,
      status: "ACTIVE",
      mandate_type: "EMANDATE",
      frequency: "MONTHLY",
      start_date: "1767225600",
      end_date: "1924992000",
      amount_rule: "VARIABLE",
      max_amount: 99950,
      currency: "INR",
      payment_method_type: "UPI",
      payment_method: "UPI",
    });
    expect(body.mandates[1].status).toBe("REVOKED");
    expect(JSON.stringify(body)).not.toMatch(/mandate_debit_token|mdt_|payer_vpa/);
    const [sent] = await gatewayCalls("juspay", `/customers/${customer}/mandates`);
    expect(sent?.headers).toMatchObject({ "x-routing-id": customer, version: J.JUSPAY_API_VERSION });
  });

  it("answers an empty list for a customer without mandates", async () => {
    const res = await api(`/v1/juspay/customers/nobody_${newOrderId()}/mandates`);
    expect(await res.json()).toMatchObject({ mandates: [] });
  });

  it("answers 400 for a customer id with characters Juspay does not use", async () => {
    await expectProblem(await api("/v1/juspay/customers/a%20b/mandates"), 400, "invalid_request");
  });

  it("requires the API key", async () => {
    await expectProblem(await call("/v1/juspay/customers/c1/mandates"), 401, "unauthorized");
  });
});

describe("POST /v1/juspay/mandates/:mandate_id/revoke", () => {
  it("revokes the mandate at Juspay with command=revoke, routed by the customer id", async () => {
    const customer = `cust_${newOrderId("r")}`;
    const mandate = `${customer}_m`;
    await simMandate({ customer_id: customer, mandate_id: mandate });
    const res = await api(`/v1/juspay/mandates/${mandate}/revoke`, { method: "POST", json: { customer_id: customer } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ mandate_id: mandate, mandate_status: "REVOKED" });
    const [sent] = await gatewayCalls("juspay", `/mandates/${mandate}`);
    expect(sent?.body).toBe("command=revoke");
    expect(sent?.headers).toMatchObject({
      "content-type": "application/x-www-form-urlencoded",
      "x-routing-id": customer,
    });
    const list = (await (await api(`/v1/juspay/customers/${customer}/mandates`)).json()) as any;
    expect(list.mandates[0].status).toBe("REVOKED");
  });

  it("accepts an empty body", async () => {
    const mandate = `m_${newOrderId("r")}`;
    await simMandate({ customer_id: "c_empty", mandate_id: mandate });
    expect((await api(`/v1/juspay/mandates/${mandate}/revoke`, { method: "POST" })).status).toBe(200);
  });

  it("answers 404 gateway_not_found for a mandate Juspay does not know", async () => {
    const res = await api(`/v1/juspay/mandates/unknown_${newOrderId()}/revoke`, { method: "POST", json: {} });
    await expectProblem(res, 404, "gateway_not_found");
  });
});

async function keyPair(): Promise<{ pem: string; publicKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const b64 = btoa(String.fromCharCode(...der));
  const pem = `-----BEGIN PRIVATE KEY-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END PRIVATE KEY-----\n`;
  return { pem, publicKey: pair.publicKey };
}

async function verifies(publicKey: CryptoKey, signature: string, payload: string): Promise<boolean> {
  const sig = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
  return crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, sig, new TextEncoder().encode(payload));
}

describe("POST /v1/juspay/sdk/signed-payload", () => {
  let key: { pem: string; publicKey: CryptoKey };
  beforeAll(async () => {
    key = await keyPair();
  });
  const sign = (json: unknown, overrides: Record<string, string> = { JUSPAY_SDK_SIGNING_KEY: key.pem }) =>
    callWithEnv(overrides, "/v1/juspay/sdk/signed-payload", { method: "POST", json });

  it("answers 404 gateway_not_configured without JUSPAY_SDK_SIGNING_KEY", async () => {
    const res = await api("/v1/juspay/sdk/signed-payload", {
      method: "POST",
      json: { type: "initiate", customer_id: "c1" },
    });
    await expectProblem(res, 404, "gateway_not_configured");
  });

  it("answers 404 gateway_not_configured without JUSPAY_SDK_KEY_ID", async () => {
    const res = await sign(
      { type: "initiate", customer_id: "c1" },
      { JUSPAY_SDK_SIGNING_KEY: key.pem, JUSPAY_SDK_KEY_ID: "" },
    );
    await expectProblem(res, 404, "gateway_not_configured");
  });

  it("signs the initiate signaturePayload RSA-SHA256 so the merchant's public key verifies it", async () => {
    const before = Date.now();
    const res = await sign({
      type: "initiate",
      customer_id: "cust_1",
      customer_phone: "9999999999",
      customer_email: "a@b.in",
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.merchantKeyId).toBe(J.JUSPAY_SDK_KEY_ID);
    expect(body.signaturePayload).toBe(body.payload);
    const payload = JSON.parse(body.payload);
    expect(payload).toEqual({
      merchant_id: J.JUSPAY_MERCHANT_ID,
      customer_id: "cust_1",
      mobile_number: "9999999999",
      email_address: "a@b.in",
      timestamp: expect.stringMatching(/^\d{13}$/),
    });
    expect(Number(payload.timestamp)).toBeGreaterThanOrEqual(before);
    expect(await verifies(key.publicKey, body.signature, body.payload)).toBe(true);
    expect(await verifies(key.publicKey, body.signature, body.payload.replace("cust_1", "cust_2"))).toBe(false);
  });

  it("signs the process orderDetails and registers the order's amount for the return leg", async () => {
    const id = newOrderId("sdk");
    const res = await sign({ type: "process", order_id: id, amount: 1250, currency: "INR", customer_id: "cust_9" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.orderDetails).toBe(body.payload);
    expect(JSON.parse(body.payload)).toEqual({
      order_id: id,
      merchant_id: J.JUSPAY_MERCHANT_ID,
      amount: "12.50",
      currency: "INR",
      timestamp: expect.stringMatching(/^\d{13}$/),
      customer_id: "cust_9",
      return_url: `${J.PUBLIC_BASE_URL}/return/juspay`,
    });
    expect(await verifies(key.publicKey, body.signature, body.payload)).toBe(true);
    expect(await getOrder(id)).toMatchObject({ amount: 1250, amount_verified: true, status: "created" });
  });

  it("refuses to sign order details with another amount than the registered one (409)", async () => {
    const id = newOrderId("sdk");
    expect((await sign({ type: "process", order_id: id, amount: 1000, currency: "INR" })).status).toBe(200);
    await expectProblem(
      await sign({ type: "process", order_id: id, amount: 1, currency: "INR" }),
      409,
      "order_conflict",
    );
  });

  it("accepts a PEM whose newlines were pasted as literal \\n", async () => {
    const res = await sign(
      { type: "initiate", customer_id: "c1" },
      { JUSPAY_SDK_SIGNING_KEY: key.pem.replace(/\n/g, "\\n") },
    );
    const body = (await res.json()) as any;
    expect(await verifies(key.publicKey, body.signature, body.payload)).toBe(true);
  });

  it("answers 404 gateway_not_configured when the key is not a PKCS#8 PEM", async () => {
    const pkcs1 = key.pem.replace(/PRIVATE KEY/g, "RSA PRIVATE KEY");
    for (const pem of [pkcs1, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "garbage"]) {
      const res = await sign({ type: "initiate", customer_id: "c1" }, { JUSPAY_SDK_SIGNING_KEY: pem });
      await expectProblem(res, 404, "gateway_not_configured");
    }
  });

  it("registers nothing for process order details when the key is not usable", async () => {
    const id = newOrderId("sdk");
    const json = { type: "process", order_id: id, amount: 1250, currency: "INR", customer_id: "c1" };
    await expectProblem(await sign(json, { JUSPAY_SDK_SIGNING_KEY: "garbage" }), 404, "gateway_not_configured");
    expect(await getOrder(id)).toMatchObject({ status: 404, code: "order_not_found" });
  });

  it.each([
    ["an unknown type", { type: "refund", customer_id: "c1" }],
    ["a missing customer id on initiate", { type: "initiate" }],
    ["a process payload without an amount", { type: "process", order_id: "o1", currency: "INR" }],
  ])("answers 400 for %s", async (_name, json) => {
    await expectProblem(await sign(json), 400, "invalid_request");
  });
});
