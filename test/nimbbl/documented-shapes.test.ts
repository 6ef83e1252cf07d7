/**
 * Nimbbl against the shapes its docs show (nimbbl.md §3, §9; issue #15): refunds tracked by their own transaction id
 * among the order's enquiry entries (no refund fields there), documented refund entries in a status refresh,
 * dashboard refunds, `refund_amount` as a JSON number, the create-order `user` fields checked before anything is
 * stored, and encrypted API answers (§1.3) with error bodies sent with a 2xx (§5).
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/core/log";
import { GATEWAYS } from "../../src/gateways";
import type { ConfiguredGateway, GatewayIO } from "../../src/gateways/types";
import { addFault } from "../drivers";
import { api, expectProblem, gatewayCalls, objectOf, sim, uniqueOrderId } from "../helpers";
import { countCalls, createOrder, outcome, postWebhook, SECRET, simWebhooks } from "./support";

function gateway(settings: Record<string, string> = {}): ConfiguredGateway {
  const setup = GATEWAYS.nimbbl.configure({ ...env, ...settings }, loadConfig(env));
  if (setup.state !== "enabled") throw new Error(`nimbbl is ${setup.state}`);
  return setup.gateway;
}

function io(): GatewayIO {
  return { fetch: (input, init) => fetch(input, init), now: () => Date.now(), kv: env.KV, log: createLogger("silent") };
}

const INR = (minor: number) => ({ minor, currency: "INR" }) as const;

async function paidOrder(amount: number): Promise<string> {
  const { orderId } = await createOrder(amount);
  await outcome(orderId, "success");
  const res = await api(`/v1/orders/nimbbl/${orderId}?refresh=true`);
  expect(((await res.json()) as { status: string }).status).toBe("succeeded");
  return orderId;
}

function refund(orderId: string, amount: number, key = `k-${orderId}-${amount}`): Promise<Response> {
  return api(`/v1/orders/nimbbl/${orderId}/refunds`, {
    method: "POST",
    json: { amount },
    headers: { "idempotency-key": key },
  });
}

async function settle(ref: string, status: string): Promise<void> {
  const res = await sim(`/__control/nimbbl/refunds/${ref}/outcome`, { method: "POST", json: { status } });
  expect(res.status).toBe(200);
}

/** The order's entries as the simulated enquiry lists them (the control route shows the same entries). */
async function simEntries(orderId: string): Promise<Record<string, unknown>[]> {
  return ((await (await sim(`/__control/nimbbl/orders/${orderId}`)).json()) as any).transactions;
}

describe("Nimbbl refunds found among the order's enquiry entries", () => {
  it("a Nimbbl refund is found by its own transaction id when the enquiry lists no refund_request_id", async () => {
    const orderId = await paidOrder(1250);
    const created = await gateway().refund(
      { orderId, gatewayRefundId: `rf_${orderId}`, amount: INR(1250), reason: null },
      io(),
    );
    if (!created.ok) throw new Error(created.error.reason);
    const ref = created.value.gatewayRefundRef ?? "";
    expect(ref).not.toBe("");
    await settle(ref, "succeeded");
    const entry = (await simEntries(orderId)).find((t) => t["nimbbl_transaction_id"] === ref);
    expect(entry).toMatchObject({ transaction_type: "full_refund", payment_status: "succeeded" });
    expect(Object.keys(entry ?? {}).filter((k) => k.startsWith("refund_"))).toEqual([]);
    const status = await gateway().refundStatus(
      { orderId, gatewayRefundId: `rf_${orderId}`, gatewayRefundRef: ref },
      io(),
    );
    expect(status.ok && status.value).toEqual({
      gatewayRefundId: `rf_${orderId}`,
      gatewayRefundRef: ref,
      status: "succeeded",
      gatewayStatus: "succeeded",
      amount: INR(1250),
    });
  });

  it("a refund Nimbbl does not list stays pending (not found), never failed", async () => {
    const orderId = await paidOrder(10000);
    const missing = await gateway().refundStatus(
      { orderId, gatewayRefundId: "rf_never", gatewayRefundRef: `${orderId}-not-listed` },
      io(),
    );
    expect(!missing.ok && missing.error.reason).toBe("gateway_not_found");
    // Through the API: the refund call fails before Nimbbl makes anything; a refresh does not fail the refund.
    await addFault("nimbbl", { path: "/v3/refund", method: "POST" }, { kind: "status", status: 503 }, 1);
    const res = await refund(orderId, 3000);
    expect(res.status).toBe(202);
    const pending: any = await res.json();
    const refreshed: any = await (
      await api(`/v1/orders/nimbbl/${orderId}/refunds/${pending.refund_id}?refresh=true`)
    ).json();
    expect(refreshed).toMatchObject({ status: "pending", gateway_status: "not_found", amount: 3000 });
  });

  it("a refunded Nimbbl order's status refresh reads the partial_refund entry instead of failing", async () => {
    const orderId = await paidOrder(10000);
    const first: any = await (await refund(orderId, 3000)).json();
    const second: any = await (await refund(orderId, 2000)).json();
    expect([first.status, second.status]).toEqual(["pending", "pending"]);
    // Both documented spellings are in the enquiry now: `partial_refund` [D7] and `partial-refund` (seed 003).
    const types = (await simEntries(orderId)).map((t) => t["transaction_type"]);
    expect(types).toEqual(["payment", "partial_refund", "partial-refund"]);
    await settle(first.gateway_reference, "succeeded");
    await settle(second.gateway_reference, "failed");
    const res = await api(`/v1/orders/nimbbl/${orderId}?refresh=true`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).status).toBe("succeeded");
    // The reconciliation poll finds each refund among the entries by the transaction id kept from its create answer.
    expect(await runDurableObjectAlarm(objectOf("nimbbl", orderId))).toBe(true);
    const body: any = await (await api(`/v1/orders/nimbbl/${orderId}`)).json();
    const byRef = Object.fromEntries(body.refunds.map((r: any) => [r.gateway_reference, [r.status, r.origin]]));
    expect(byRef).toEqual({
      [first.gateway_reference]: ["succeeded", "api"],
      [second.gateway_reference]: ["failed", "api"],
    });
  });

  it("a refund made in Nimbbl's dashboard is recorded as gateway-origin and counted", async () => {
    const orderId = await paidOrder(10000);
    const made = await sim(`/__control/nimbbl/orders/${orderId}/refunds`, {
      method: "POST",
      json: { refund_amount: 40 },
    });
    const dashboard: any = await made.json();
    // Nimbbl's refund_pending webhook (no refund_request_id, §2) asks checkpost to look; the poll records the entry.
    const hooks = await simWebhooks(orderId);
    expect((await postWebhook(hooks[hooks.length - 1] ?? "")).status).toBe(200);
    await runDurableObjectAlarm(objectOf("nimbbl", orderId));
    const body: any = await (await api(`/v1/orders/nimbbl/${orderId}`)).json();
    expect(body.refunds).toEqual([
      expect.objectContaining({
        origin: "gateway",
        amount: 4000,
        status: "pending",
        gateway_reference: dashboard.transaction_id,
      }),
    ]);
    await expectProblem(await refund(orderId, 6001), 422, "refund_exceeds_available");
    expect((await refund(orderId, 6000)).status).toBe(201);
  });

  it("a status refresh records a dashboard refund the enquiry lists, with no webhook and no poll", async () => {
    const orderId = await paidOrder(10000);
    const made = await sim(`/__control/nimbbl/orders/${orderId}/refunds`, {
      method: "POST",
      json: { refund_amount: 40 },
    });
    const dashboard: any = await made.json();
    const body: any = await (await api(`/v1/orders/nimbbl/${orderId}?refresh=true`)).json();
    expect(body.refunds).toEqual([
      expect.objectContaining({ origin: "gateway", amount: 4000, gateway_reference: dashboard.transaction_id }),
    ]);
    await expectProblem(await refund(orderId, 6001), 422, "refund_exceeds_available");
  });
});

describe("pre-auth", () => {
  it("reports an authorized Nimbbl payment as held, still pending", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "authorized");
    const status = await gateway().fetchStatus(orderId, io());
    expect(status.ok && status.value).toMatchObject({ status: "pending", gatewayStatus: "authorized", held: true });
  });
});

describe("refund_amount on the wire", () => {
  it.each([
    [1, "0.01"],
    [10, "0.1"],
    [2550, "25.5"],
    [100000001, "1000000.01"],
  ])("refund_amount is sent as a JSON number with exactly the paise given (%i paise → %s)", async (paise, text) => {
    const orderId = await paidOrder(paise);
    const result = await gateway().refund(
      { orderId, gatewayRefundId: `rfa_${orderId}`, amount: INR(paise), reason: null },
      io(),
    );
    expect(result.ok && result.value.status).toBe("pending");
    const sent = (await gatewayCalls("nimbbl", "/v3/refund")).filter((c) => c.body.includes(orderId));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toBe(
      `{"invoice_id":"${orderId}","refund_amount":${text},"refund_request_id":"rfa_${orderId}"}`,
    );
  });

  it("the simulated Nimbbl refuses refund_amount sent as a string, as its docs type it a number", async () => {
    const orderId = await paidOrder(5000);
    const token: any = await (
      await sim("/nimbbl/api/v3/generate-token", {
        method: "POST",
        json: { access_key: env.NIMBBL_ACCESS_KEY, access_secret: SECRET },
      })
    ).json();
    const res = await sim("/nimbbl/api/v3/refund", {
      method: "POST",
      headers: { authorization: `Bearer ${token.token}` },
      json: { invoice_id: orderId, refund_amount: "25.50" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.nimbbl_error_code).toBe("INVALID_REQUEST_PARAMETER");
  });
});

describe("POST /v1/orders for Nimbbl checks the documented user fields first", () => {
  async function refused(customer: Record<string, string>, fields: string[]): Promise<void> {
    const orderId = uniqueOrderId("nbu");
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "nimbbl", order_id: orderId, amount: 1000, currency: "INR", customer },
    });
    const problem = await expectProblem(res, 400, "invalid_request");
    expect((problem["errors"] as { path: string }[]).map((e) => e.path)).toEqual(fields);
    expect(await countCalls("create-order", orderId)).toBe(0);
    expect((await api(`/v1/orders/nimbbl/${orderId}`)).status).toBe(404);
  }

  it("POST /v1/orders for Nimbbl without a customer email is a 400 naming customer.email and stores nothing", () =>
    refused({ name: "Asha Rao", phone: "+919876543210" }, ["customer.email"]));

  it("names customer.name and customer.phone for a customer with an email only", () =>
    refused({ email: "a@b.test" }, ["customer.name", "customer.phone"]));

  it("names customer.phone for a number it cannot split into Nimbbl's country_code and mobile_number", () =>
    refused({ email: "a@b.test", name: "Ann", phone: "+14155550123" }, ["customer.phone"]));

  it("sends no user for an order without a customer, which Nimbbl's create-order accepts", async () => {
    const { orderId } = await createOrder(1000);
    expect(await countCalls("create-order", orderId)).toBe(1);
  });
});

describe("encrypted Nimbbl answers (§1.3)", () => {
  /** A merchant of its own with encrypted responses on, so other tests' merchant is untouched. */
  async function encryptedMerchant(): Promise<ConfiguredGateway> {
    const key = `access_key_enc${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
    const nimbbl = gateway({ NIMBBL_ACCESS_KEY: key });
    // The simulated Nimbbl enrols a merchant on its first token request.
    await sim("/nimbbl/api/v3/generate-token", { method: "POST", json: { access_key: key, access_secret: SECRET } });
    const res = await sim(`/__control/nimbbl/merchants/${key}`, { method: "POST", json: { encrypt_responses: true } });
    expect(res.status).toBe(200);
    const raw: any = await (
      await sim("/nimbbl/api/v3/generate-token", { method: "POST", json: { access_key: key, access_secret: SECRET } })
    ).json();
    expect(Object.keys(raw)).toEqual(["encrypted_response"]);
    return nimbbl;
  }

  it("an encrypted Nimbbl enquiry answer is decrypted", async () => {
    const nimbbl = await encryptedMerchant();
    const orderId = uniqueOrderId("nbc");
    const created = await nimbbl.createOrder(
      {
        orderId,
        amount: INR(1250),
        customer: null,
        description: null,
        metadata: null,
        returnUrl: new URL("https://checkpost.test/return/nimbbl"),
        returnToken: null,
        sdk: true,
        expireAfterSeconds: null,
      },
      io(),
    );
    expect(created.ok && created.value.gatewayOrderRef).toMatch(/^o_/);
    await outcome(orderId, "success");
    const status = await nimbbl.fetchStatus(orderId, io());
    expect(status.ok && status.value).toMatchObject({ status: "succeeded", amount: INR(1250) });
    const made = await nimbbl.refund(
      { orderId, gatewayRefundId: `rfe_${orderId}`, amount: INR(500), reason: null },
      io(),
    );
    expect(made.ok && made.value.status).toBe("pending");
  });

  it("an encrypted error body sent with HTTP 200 is a refusal, not an answer", async () => {
    const nimbbl = await encryptedMerchant();
    const result = await nimbbl.fetchStatus(uniqueOrderId("nbn"), io());
    expect(!result.ok && result.error).toMatchObject({
      reason: "gateway_rejected",
      detail: "gateway error code NOT_FOUND",
    });
  });
});
