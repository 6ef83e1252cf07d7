/**
 * Juspay pre-authorisation through checkpost: `POST /v1/orders/juspay/:order_id/capture` and `…/void` (product.md
 * §2, juspay.md §12) against the simulated `POST /v2/txns/:txn_uuid/capture|void`.
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { toSnapshot } from "../../src/gateways/juspay/map";
import { addFault, clearFaults } from "../drivers";
import { JOSE_ENV } from "./jose-support";
import { runAlarmsUntil } from "../events/support";
import { api, callWithEnv, expectProblem, gatewayCalls, objectOf, sim, type OrderObject } from "../helpers";
import {
  auditOf,
  configureJuspaySim,
  getOrder,
  newOrderId,
  postWebhook,
  registerOrder,
  simOrder,
  simSet,
  simWebhook,
} from "./support";

beforeAll(configureJuspaySim);

/** An order registered through checkpost for 100.00 that Juspay holds AUTHORIZED (`auto_capture=false`). */
async function authorized(): Promise<string> {
  const id = newOrderId("pa");
  await registerOrder(id, 10000);
  await simOrder(id, { amount: "100.00", status: "AUTHORIZED" });
  return id;
}

function preauth(id: string, action: "capture" | "void", key: string, json: unknown = {}): Promise<Response> {
  return api(`/v1/orders/juspay/${id}/${action}`, { method: "POST", headers: { "idempotency-key": key }, json });
}

/** The capture or void calls Juspay received for this order's transaction. */
async function preauthCalls(id: string, action: "capture" | "void") {
  const txn = ((await (await sim(`/__control/juspay/orders/${id}`)).json()) as any).txn_uuid as string;
  return gatewayCalls("juspay", `/v2/txns/${txn}/${action}`);
}

async function outbox(id: string): Promise<string[]> {
  return runInDurableObject(objectOf("juspay", id), (_obj: OrderObject, state) =>
    state.storage.sql
      .exec("SELECT type FROM outbox ORDER BY sequence")
      .toArray()
      .map((r) => r["type"] as string),
  );
}

describe("capture", () => {
  it("captures the whole authorised amount: CHARGED, succeeded and verified, with no amount sent", async () => {
    const id = await authorized();
    const res = await preauth(id, "capture", "cap-full-1");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "succeeded",
      gateway_status: "CHARGED",
      amount: 10000,
      amount_verified: true,
      requires_review: false,
    });
    const calls = await preauthCalls(id, "capture");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toBe("");
    expect(await outbox(id)).toEqual(["payment.pending", "payment.succeeded"]);
  });

  it("captures part of the authorised amount: PARTIAL_CHARGED, succeeded, and the captured amount becomes the order's", async () => {
    const id = await authorized();
    const res = await preauth(id, "capture", "cap-part-1", { amount: 6000, currency: "INR" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "succeeded",
      gateway_status: "PARTIAL_CHARGED",
      amount: 6000,
      amount_verified: true,
      requires_review: false,
    });
    const sent = new URLSearchParams((await preauthCalls(id, "capture"))[0]!.body);
    expect(sent.get("amount")).toBe("60.00");
    expect(sent.get("idempotence_key")).toMatch(/^cap[0-9a-f]{17}$/);
    expect((await auditOf(id)).some((e) => e.kind === "amount_captured")).toBe(true);
  });

  it("emits payment.succeeded once, though Juspay's ORDER_SUCCEEDED webhook and the polls follow the capture", async () => {
    const id = await authorized();
    expect((await preauth(id, "capture", "cap-once-1")).status).toBe(200);
    expect((await postWebhook(await simWebhook(id, { event_name: "ORDER_SUCCEEDED" }))).status).toBe(200);
    let runs = 0;
    await runAlarmsUntil("juspay", id, () => Promise.resolve(runs++ >= 3));
    expect((await outbox(id)).filter((t) => t === "payment.succeeded")).toHaveLength(1);
  });

  it("answers 202 for CAPTURE_INITIATED: the money is still held, the order pending and polled", async () => {
    const id = await authorized();
    await simSet(id, { capture_outcome: "CAPTURE_INITIATED" });
    const res = await preauth(id, "capture", "cap-init-1");
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "pending", gateway_status: "CAPTURE_INITIATED" });
    await simSet(id, { status: "CHARGED" });
    await runAlarmsUntil("juspay", id, async () => (await getOrder(id)).status === "succeeded");
  });

  it("refuses an amount over the authorised one with 422 capture_exceeds_authorized, storing nothing and calling no one", async () => {
    const id = await authorized();
    await expectProblem(
      await preauth(id, "capture", "cap-over-1", { amount: 10001 }),
      422,
      "capture_exceeds_authorized",
    );
    expect(await preauthCalls(id, "capture")).toHaveLength(0);
    // Nothing was stored under the key: the same key with a valid body runs.
    expect((await preauth(id, "capture", "cap-over-1", { amount: 5000 })).status).toBe(200);
  });

  it("refuses another currency with 400 invalid_request", async () => {
    const id = await authorized();
    await expectProblem(
      await preauth(id, "capture", "cap-cur-1", { amount: 5000, currency: "USD" }),
      400,
      "invalid_request",
    );
  });

  it("refuses an order Juspay no longer holds with 409 order_not_held and sends no capture", async () => {
    const id = newOrderId("pa");
    await registerOrder(id, 10000);
    await simOrder(id, { amount: "100.00", status: "CHARGED" });
    await expectProblem(await preauth(id, "capture", "cap-held-1"), 409, "order_not_held");
    expect(await preauthCalls(id, "capture")).toHaveLength(0);
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", gateway_status: "CHARGED" });
  });

  it("refuses an order checkpost does not know with 404 order_not_found", async () => {
    await expectProblem(await preauth(newOrderId("pa"), "capture", "cap-unk-1"), 404, "order_not_found");
  });

  it("requires an Idempotency-Key", async () => {
    const id = await authorized();
    const res = await api(`/v1/orders/juspay/${id}/capture`, { method: "POST", json: {} });
    await expectProblem(res, 400, "idempotency_key_missing");
  });
});

describe("a PARTIAL_CHARGED answer", () => {
  it("is for the amount in effective_amount, and for no amount without it (never the authorised amount)", () => {
    const order = { order_id: "o1", status: "PARTIAL_CHARGED", amount: 100, currency: "INR" };
    const partial = toSnapshot({ ...order, effective_amount: 60 });
    expect(partial.ok && partial.value.amount).toEqual({ minor: 6000, currency: "INR" });
    const silent = toSnapshot(order);
    expect(silent.ok && silent.value.amount).toBeNull();
  });
});

describe("void", () => {
  it("voids: VOIDED, failed, with one payment.failed event", async () => {
    const id = await authorized();
    const res = await preauth(id, "void", "void-1");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "failed", gateway_status: "VOIDED" });
    expect(await preauthCalls(id, "void")).toHaveLength(1);
    expect(await outbox(id)).toEqual(["payment.pending", "payment.failed"]);
  });

  it("answers Juspay's 'Cannot Void CHARGED Transaction' with 409 order_not_held and refreshes the order to succeeded", async () => {
    const id = await authorized();
    const stale = await (await sim(`/__control/juspay/orders/${id}`)).json();
    await simSet(id, { status: "CHARGED" });
    // checkpost's look still sees AUTHORIZED (the capture happened between the look and the void).
    await addFault(
      "juspay",
      { path: `/orders/${id}`, method: "GET" },
      { kind: "status", status: 200, body: JSON.stringify(stale) },
    );
    try {
      await expectProblem(await preauth(id, "void", "void-charged-1"), 409, "order_not_held");
    } finally {
      await clearFaults("juspay");
    }
    expect(await preauthCalls(id, "void")).toHaveLength(1);
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", gateway_status: "CHARGED" });
  });
});

describe("idempotency", () => {
  it("replays the stored answer for the same key and body with Idempotent-Replayed, without calling Juspay again", async () => {
    const id = await authorized();
    const first = await preauth(id, "capture", "cap-replay-1", { amount: 4000 });
    const again = await preauth(id, "capture", "cap-replay-1", { amount: 4000 });
    expect(again.status).toBe(first.status);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(await first.text());
    expect(await preauthCalls(id, "capture")).toHaveLength(1);
  });

  it("answers 422 idempotency_key_reused for the same key with another body", async () => {
    const id = await authorized();
    expect((await preauth(id, "capture", "cap-reuse-1", { amount: 4000 })).status).toBe(200);
    await expectProblem(await preauth(id, "capture", "cap-reuse-1", { amount: 3000 }), 422, "idempotency_key_reused");
  });
});

describe("one at a time", () => {
  it("refuses a void while a capture of the order runs, whatever its key, with 409 preauth_in_progress", async () => {
    const id = await authorized();
    await addFault("juspay", { path: "/capture", method: "POST" }, { kind: "slow_body", ms: 800 });
    const first = preauth(id, "capture", "cap-busy-1");
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expectProblem(await preauth(id, "void", "void-busy-1"), 409, "preauth_in_progress");
    expect((await first).status).toBe(200);
    expect(await preauthCalls(id, "void")).toHaveLength(0);
  });
});

describe("an unknown outcome", () => {
  async function timedOutCapture(id: string, key: string): Promise<Response> {
    await addFault("juspay", { path: "/capture", method: "POST" }, { kind: "timeout", ms: 1500 });
    return callWithEnv({ GATEWAY_TIMEOUT_MS: "300" }, `/v1/orders/juspay/${id}/capture`, {
      method: "POST",
      headers: { "idempotency-key": key },
      json: {},
    });
  }

  it("leaves the order held (202, AUTHORIZED, pending) and polled, never failed", async () => {
    const id = await authorized();
    const res = await timedOutCapture(id, "cap-to-1");
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "pending", gateway_status: "AUTHORIZED" });
    expect((await auditOf(id)).some((e) => e.kind === "capture_unknown")).toBe(true);
    // The capture did go through at Juspay: the order's polls find it.
    await simSet(id, { status: "CHARGED" });
    await runAlarmsUntil("juspay", id, async () => (await getOrder(id)).status === "succeeded");
    expect(await outbox(id)).toEqual(["payment.pending", "payment.succeeded"]);
  });

  it("makes a replay of the key re-read the status, never send the capture again", async () => {
    const id = await authorized();
    expect((await timedOutCapture(id, "cap-to-2")).status).toBe(202);
    await simSet(id, { status: "CHARGED" });
    const replay = await preauth(id, "capture", "cap-to-2");
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toMatchObject({ status: "succeeded", gateway_status: "CHARGED" });
    expect(await preauthCalls(id, "capture")).toHaveLength(1);
  });

  it("keeps a partial capture under a new key out while the first one's outcome is unknown: 409, nothing sent", async () => {
    const id = await authorized();
    expect((await timedOutCapture(id, "cap-to-3")).status).toBe(202);
    // Juspay still shows AUTHORIZED (the first capture may yet land): a second key with its own idempotence_key
    // could capture twice, so it is refused until the first one settles.
    await expectProblem(await preauth(id, "capture", "cap-to-4", { amount: 4000 }), 409, "preauth_in_progress");
    await expectProblem(await preauth(id, "void", "void-to-4"), 409, "preauth_in_progress");
    expect(await preauthCalls(id, "capture")).toHaveLength(1);
    expect(await preauthCalls(id, "void")).toHaveLength(0);
  });

  it("answers 404 gateway_not_configured and keeps no unknown outcome when JOSE mode has no Basic key to send it with", async () => {
    const id = await authorized();
    const res = await callWithEnv({ ...JOSE_ENV, JUSPAY_API_KEY: "" }, `/v1/orders/juspay/${id}/capture`, {
      method: "POST",
      headers: { "idempotency-key": "cap-jose-1" },
      json: {},
    });
    await expectProblem(res, 404, "gateway_not_configured");
    expect(await preauthCalls(id, "capture")).toHaveLength(0);
    // Nothing was sent, so another key may capture at once (Basic mode here).
    expect((await preauth(id, "capture", "cap-jose-2")).status).toBe(200);
  });
});
