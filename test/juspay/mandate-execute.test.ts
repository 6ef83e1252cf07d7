/**
 * `POST /v1/juspay/mandates/:mandate_id/execute` (juspay.md §12): a debit is a checkpost order registered before
 * `/txns` is sent, sent at most once, and reconciled like any order.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, gatewayCalls, objectOf, sim } from "../helpers";
import { configureJuspaySim, getOrder, newOrderId, simSet } from "./support";
import { activeMandate, mandateWebhook } from "./mandate-support";

beforeAll(configureJuspaySim);

function execute(mandateId: string, json: Record<string, unknown>, key: string | null = `k-${newOrderId()}`) {
  return api(`/v1/juspay/mandates/${mandateId}/execute`, {
    method: "POST",
    json,
    headers: key ? { "idempotency-key": key } : {},
  });
}

const txnsFor = async (orderId: string) =>
  (await gatewayCalls("juspay", "/txns")).filter((c) => new URLSearchParams(c.body).get("order.order_id") === orderId);

describe("mandate execution", () => {
  it("registers the debit order with its amount, then sends /txns once; the same key replays without a second", async () => {
    const { mandateId, customer } = await activeMandate();
    const orderId = newOrderId("dx");
    const json = { order_id: orderId, amount: 49_900, currency: "INR", execution_date: 1_767_312_000 };
    const first = await execute(mandateId, json, "key-one");
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ mandate_id: mandateId, order: { order_id: orderId, amount: 49_900 } });
    const replay = await execute(mandateId, json, "key-one");
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const sent = await txnsFor(orderId);
    expect(sent).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(sent[0]?.body))).toMatchObject({
      "order.order_id": orderId,
      "order.amount": "499.00",
      "order.customer_id": customer,
      mandate_id: mandateId,
      format: "json",
      "mandate.execution_date": "1767312000",
    });
  });

  it("reconciles the debit order like any order: Order Status CHARGED makes it succeeded", async () => {
    const { mandateId } = await activeMandate();
    const orderId = newOrderId("dc");
    expect((await execute(mandateId, { order_id: orderId, amount: 10_000, currency: "INR" })).status).toBe(202);
    await simSet(orderId, { status: "CHARGED" });
    await runDurableObjectAlarm(objectOf("juspay", orderId));
    expect(await getOrder(orderId)).toMatchObject({ status: "succeeded", amount_verified: true });
  });

  it("leaves the order pending and polled when the /txns answer is lost, and never sends /txns again", async () => {
    const { mandateId } = await activeMandate();
    const orderId = newOrderId("dl");
    await sim("/__control/faults", {
      method: "POST",
      json: {
        gateway: "juspay",
        path: "/txns",
        fault: { kind: "after_success", then: { kind: "status", status: 502 } },
      },
    });
    const json = { order_id: orderId, amount: 10_000, currency: "INR" };
    expect((await execute(mandateId, json)).status).toBe(202);
    expect((await execute(mandateId, json)).status).toBe(202); // another key: still not sent again
    expect(await txnsFor(orderId)).toHaveLength(1);
    expect((await getOrder(orderId)).status).not.toBe("failed");
    await simSet(orderId, { status: "CHARGED" });
    expect(await runDurableObjectAlarm(objectOf("juspay", orderId))).toBe(true);
    expect((await getOrder(orderId)).status).toBe("succeeded");
  });

  it("refuses a debit over the mandate's maximum with mandate_amount_exceeded, and stores no order", async () => {
    const { mandateId } = await activeMandate();
    const orderId = newOrderId("dm");
    const res = await execute(mandateId, { order_id: orderId, amount: 99_901, currency: "INR" });
    await expectProblem(res, 422, "mandate_amount_exceeded");
    await expectProblem(await api(`/v1/orders/juspay/${orderId}`), 404, "order_not_found");
    expect(await txnsFor(orderId)).toHaveLength(0);
  });

  it("refuses a debit in another currency than the mandate's with 400, storing no order and sending nothing", async () => {
    const { mandateId } = await activeMandate();
    const orderId = newOrderId("dc");
    // 500.00 USD in minor units is under the ₹999.00 maximum as a bare number: it must not be read as rupees.
    const res = await execute(mandateId, { order_id: orderId, amount: 50_000, currency: "USD" });
    const problem = await expectProblem(res, 400, "invalid_request");
    expect(JSON.stringify(problem)).toContain("currency");
    await expectProblem(await api(`/v1/orders/juspay/${orderId}`), 404, "order_not_found");
    expect(await txnsFor(orderId)).toHaveLength(0);
  });

  it("refuses a debit on a mandate checkpost does not know as ACTIVE", async () => {
    const res = await execute(`mnd_unknown${newOrderId()}`, {
      order_id: newOrderId("du"),
      amount: 100,
      currency: "INR",
    });
    await expectProblem(res, 404, "mandate_not_found");
  });

  it("answers Juspay's JP_852 (the mandate is no longer active at Juspay) as mandate_not_active", async () => {
    const { mandateId } = await activeMandate();
    await mandateWebhook(mandateId, { status: "PAUSED" }); // paused at Juspay; checkpost not told yet
    const orderId = newOrderId("dp");
    const res = await execute(mandateId, { order_id: orderId, amount: 100, currency: "INR" });
    await expectProblem(res, 409, "mandate_not_active");
  });

  it("requires an Idempotency-Key", async () => {
    const { mandateId } = await activeMandate();
    const res = await execute(mandateId, { order_id: newOrderId("dk"), amount: 100, currency: "INR" }, null);
    await expectProblem(res, 400, "idempotency_key_missing");
  });
});
