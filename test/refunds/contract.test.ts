/**
 * The refund contract, run over every gateway against its simulator (issue 6): partial and full refunds, one gateway
 * call per idempotency key under concurrency, an over-refund guard that holds under concurrent keys, and an ambiguous
 * gateway failure resolved by asking the gateway about the same refund id — never by sending a second refund.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addFault, DRIVER_LIST, refundCalls, type Driver } from "../drivers";
import { API_KEY, api, expectProblem, objectOf, type OrderObject } from "../helpers";

interface RefundBody {
  refund_id: string;
  gateway_refund_id: string;
  gateway_reference: string | null;
  amount: number;
  status: string;
}

function refund(driver: Driver, orderId: string, amount: number, key: string, extra: Record<string, unknown> = {}) {
  return api(`/v1/orders/${driver.gateway}/${orderId}/refunds`, {
    method: "POST",
    json: { amount, ...extra },
    headers: { "idempotency-key": key },
  });
}

function stub(driver: Driver, orderId: string) {
  return objectOf(driver.gateway, orderId);
}

async function outboxTypes(driver: Driver, orderId: string): Promise<string[]> {
  return runInDurableObject(stub(driver, orderId), (_o: OrderObject, state) =>
    state.storage.sql
      .exec<{ type: string }>("SELECT type FROM outbox ORDER BY sequence")
      .toArray()
      .map((r) => r.type),
  );
}

describe.each(DRIVER_LIST)("refunds through $gateway", (driver) => {
  it("refunds part of a paid order, then settles it through the status sync", async () => {
    const orderId = await driver.paidOrder(10000);
    const res = await refund(driver, orderId, 3000, `k-partial-${orderId}`, { reason: "damaged" });
    expect(res.status).toBe(201);
    const created: RefundBody = await res.json();
    expect(created).toMatchObject({ amount: 3000, status: "pending" });
    expect(created.gateway_refund_id).toMatch(/^cp[0-9a-z]{18}$/);

    await driver.settleRefund(orderId, created, "succeeded");
    expect(await runDurableObjectAlarm(stub(driver, orderId))).toBe(true);
    const got = await (
      await api(`/v1/orders/${driver.gateway}/${orderId}/refunds/${created.refund_id}`)
    ).json<RefundBody>();
    expect(got.status).toBe("succeeded");
    expect(await outboxTypes(driver, orderId)).toEqual(["payment.succeeded", "refund.pending", "refund.succeeded"]);
    expect(await refundCalls(driver, orderId)).toBe(1);
  });

  it("accepts a full refund of what is left and refuses anything after it", async () => {
    const orderId = await driver.paidOrder(10000);
    expect((await refund(driver, orderId, 4000, `k-a-${orderId}`)).status).toBe(201);
    expect((await refund(driver, orderId, 6000, `k-b-${orderId}`)).status).toBe(201);
    await expectProblem(await refund(driver, orderId, 100, `k-c-${orderId}`), 422, "refund_exceeds_available");
    expect(await refundCalls(driver, orderId)).toBe(2);
  });

  it("makes exactly one gateway refund call for 50 concurrent requests with one key", async () => {
    const orderId = await driver.paidOrder(10000);
    const key = `k-same-${orderId}`;
    const responses = await Promise.all(Array.from({ length: 50 }, () => refund(driver, orderId, 2500, key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    const bodies = await Promise.all(responses.filter((r) => r.status === 201).map((r) => r.json<RefundBody>()));
    expect(new Set(bodies.map((b) => b.refund_id)).size).toBe(1);
    expect(await refundCalls(driver, orderId)).toBe(1);
    // After the first finished, the same key replays the same refund.
    const replay = await refund(driver, orderId, 2500, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await replay.json<RefundBody>()).refund_id).toBe(bodies[0]?.refund_id);
  });

  it("never over-refunds under concurrent requests with different keys", async () => {
    const orderId = await driver.paidOrder(10000);
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => refund(driver, orderId, 3000, `k-race-${i}-${orderId}`)),
    );
    const accepted = responses.filter((r) => r.status === 201);
    expect(accepted).toHaveLength(3);
    for (const r of responses.filter((x) => x.status !== 201)) await expectProblem(r, 422, "refund_exceeds_available");
    expect(await refundCalls(driver, orderId)).toBe(3);
    const order = await (await api(`/v1/orders/${driver.gateway}/${orderId}`)).json<{ refunds: RefundBody[] }>();
    expect(order.refunds.reduce((sum, r) => sum + r.amount, 0)).toBe(9000);
  });

  it.each([
    ["a 503", { kind: "status", status: 503 }],
    ["a connection reset", { kind: "reset" }],
  ])(
    "resolves a refund whose answer was lost to %s by asking about the same id, never sending it again",
    async (_label, lost) => {
      const orderId = await driver.paidOrder(10000);
      // The gateway makes the refund, then the answer is lost.
      await addFault(driver.gateway, driver.refund(orderId), { kind: "after_success", then: lost }, 1);
      const key = `k-lost-${orderId}`;
      const res = await refund(driver, orderId, 5000, key);
      expect(res.status).toBe(202);
      const pending: RefundBody = await res.json();
      expect(pending.status).toBe("pending");

      // A retry with the same key replays the answer; it does not reach the gateway.
      const retry = await refund(driver, orderId, 5000, key);
      expect(retry.status).toBe(202);
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      // The amount stays reserved while the outcome is unknown.
      await expectProblem(await refund(driver, orderId, 5001, `k-more-${orderId}`), 422, "refund_exceeds_available");
      expect(await refundCalls(driver, orderId)).toBe(1);

      // The alarm asks the gateway about that refund id and finds it.
      expect(await runDurableObjectAlarm(stub(driver, orderId))).toBe(true);
      const synced = await (
        await api(`/v1/orders/${driver.gateway}/${orderId}/refunds/${pending.refund_id}`)
      ).json<RefundBody>();
      if (driver.findsRefundById === false) {
        // Not findable by checkpost's id: still pending and reserved, not failed, and not sent again.
        expect(synced).toMatchObject({ status: "pending", gateway_reference: null });
        await expectProblem(await refund(driver, orderId, 5001, `k-more2-${orderId}`), 422, "refund_exceeds_available");
        expect(await refundCalls(driver, orderId)).toBe(1);
        return;
      }
      await driver.settleRefund(orderId, synced, "succeeded");
      const final = await (
        await api(`/v1/orders/${driver.gateway}/${orderId}/refunds/${pending.refund_id}?refresh=true`)
      ).json<RefundBody>();
      expect(final.status).toBe("succeeded");
      expect(await refundCalls(driver, orderId)).toBe(1);
    },
  );

  it("fails a refund the gateway refuses outright and releases what it reserved", async () => {
    const orderId = await driver.paidOrder(10000);
    await addFault(
      driver.gateway,
      driver.refund(orderId),
      { kind: "status", status: 400, body: '{"error":"refused"}' },
      1,
    );
    const refused = await refund(driver, orderId, 10000, `k-refused-${orderId}`);
    await expectProblem(refused, 422, "gateway_rejected");
    expect((await refund(driver, orderId, 10000, `k-after-${orderId}`)).status).toBe(201);
  });

  it("keeps a refund the gateway cannot find pending with its amount reserved, and refuses a second refund over the remainder", async () => {
    const orderId = await driver.paidOrder(10000);
    await addFault(driver.gateway, driver.refund(orderId), { kind: "status", status: 503 }, 1);
    const res = await refund(driver, orderId, 10000, `k-never-${orderId}`);
    expect(res.status).toBe(202);
    const pending: RefundBody = await res.json();
    // The gateway does not know it (yet): it stays pending, reserved.
    expect(await runDurableObjectAlarm(stub(driver, orderId))).toBe(true);
    const refreshed = await api(`/v1/orders/${driver.gateway}/${orderId}/refunds/${pending.refund_id}?refresh=true`);
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({
      status: "pending",
      gateway_status: "not_found",
      requires_review: false,
    });
    await expectProblem(await refund(driver, orderId, 1, `k-more-${orderId}`), 422, "refund_exceeds_available");
    expect(await refundCalls(driver, orderId)).toBe(1);
  });

  it("flags a refund the gateway still cannot find after 30 minutes for review, once, and never fails it on its own", async () => {
    const orderId = await driver.paidOrder(10000);
    await addFault(driver.gateway, driver.refund(orderId), { kind: "status", status: 503 }, 1);
    const pending: RefundBody = await (await refund(driver, orderId, 10000, `k-review-${orderId}`)).json();
    await runInDurableObject(stub(driver, orderId), (_o: OrderObject, state) => {
      state.storage.sql.exec("UPDATE refunds SET created_at = created_at - ?", 31 * 60 * 1000);
    });
    expect(await runDurableObjectAlarm(stub(driver, orderId))).toBe(true);
    expect(await runDurableObjectAlarm(stub(driver, orderId))).toBe(true);
    const held = await (
      await api(`/v1/orders/${driver.gateway}/${orderId}/refunds/${pending.refund_id}`)
    ).json<RefundBody & { requires_review: boolean; review_reason: string }>();
    expect(held).toMatchObject({ status: "pending", requires_review: true, review_reason: "not_found_at_gateway" });
    const types = await outboxTypes(driver, orderId);
    expect(types.filter((t) => t === "refund.requires_review")).toHaveLength(1);
    expect(types).not.toContain("refund.failed");
    await expectProblem(await refund(driver, orderId, 1, `k-more-${orderId}`), 422, "refund_exceeds_available");
    // It is still polled, on the slow cadence.
    const due = await runInDurableObject(stub(driver, orderId), (_o: OrderObject, state) => state.storage.getAlarm());
    expect(due).not.toBeNull();
    expect(await refundCalls(driver, orderId)).toBe(1);
  });

  it("releases a refund under review only when the merchant marks it failed, once, with an Idempotency-Key", async () => {
    const orderId = await driver.paidOrder(10000);
    await addFault(driver.gateway, driver.refund(orderId), { kind: "status", status: 503 }, 1);
    const pending: RefundBody = await (await refund(driver, orderId, 10000, `k-mark-${orderId}`)).json();
    const markFailed = (key: string | null) =>
      api(`/v1/orders/${driver.gateway}/${orderId}/refunds/${pending.refund_id}/mark-failed`, {
        method: "POST",
        json: { note: "checked with the gateway: never made" },
        headers: key === null ? {} : { "idempotency-key": key },
      });
    await expectProblem(await markFailed(`k-early-${orderId}`), 409, "refund_not_under_review");
    await runInDurableObject(stub(driver, orderId), (_o: OrderObject, state) => {
      state.storage.sql.exec("UPDATE refunds SET created_at = created_at - ?", 31 * 60 * 1000);
    });
    expect(await runDurableObjectAlarm(stub(driver, orderId))).toBe(true);
    await expectProblem(await markFailed(null), 400, "idempotency_key_missing");
    const marked = await markFailed(`k-fail-${orderId}`);
    expect(marked.status).toBe(200);
    expect(await marked.json()).toMatchObject({ status: "failed", failure_code: "marked_failed" });
    const again = await markFailed(`k-fail-${orderId}`);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await outboxTypes(driver, orderId)).filter((t) => t === "refund.failed")).toHaveLength(1);
    const audit = await (
      await api(`/v1/orders/${driver.gateway}/${orderId}/events?limit=200`)
    ).json<{
      data: { kind: string; detail: Record<string, unknown> }[];
    }>();
    const decision = audit.data.find((e) => e.kind === "refund_marked_failed");
    expect(decision?.detail["api_key"]).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
    expect((await refund(driver, orderId, 10000, `k-again-${orderId}`)).status).toBe(201);
    expect(await refundCalls(driver, orderId)).toBe(2);
  });
});
