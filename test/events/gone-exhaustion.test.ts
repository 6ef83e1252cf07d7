import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { deliveryId } from "../../src/core/delivery";
import { clearEndpointGone, endpointGoneAt } from "../../src/delivery/kv-index";
import { TEST_BINDINGS } from "../bindings";
import { api, objectOf, type OrderObject, uniqueOrderId } from "../helpers";
import {
  acceptedCount,
  deliveryOf,
  merchantEvents,
  merchantFault,
  merchantRecovers,
  runAlarmsUntil,
  seedChanges,
} from "./support";

const ENDPOINT = new URL(TEST_BINDINGS.MERCHANT_WEBHOOK_URL);
const HOUR = 60 * 60 * 1000;

const failed = (orderId: string, sequence: number) => async () =>
  (await deliveryOf("juspay", orderId, sequence)).status === "failed";

/** Order A's first event gets a 410; its second, and order B's event, are then stopped without being sent. */
async function endpointGoes(a: string, b: string): Promise<void> {
  await merchantFault(a, { kind: "status", status: 410, body: "endpoint removed" }, 1);
  await seedChanges("juspay", a, ["pending", "succeeded"]);
  await runAlarmsUntil("juspay", a, failed(a, 2));
  await seedChanges("juspay", b, ["succeeded"]);
  await runAlarmsUntil("juspay", b, failed(b, 1));
}

describe("410 Gone from the merchant", () => {
  afterEach(async () => {
    await clearEndpointGone(env.KV, ENDPOINT);
  });

  it("stops delivery to the endpoint for this order and every other, and records why", async () => {
    const [a, b] = [uniqueOrderId("ord_goneA"), uniqueOrderId("ord_goneB")];
    await endpointGoes(a, b);

    expect((await merchantEvents(a)).map((e) => [e.sequence, e.answered])).toEqual([[1, 410]]);
    expect(await merchantEvents(b)).toEqual([]);
    expect(await deliveryOf("juspay", a, 1)).toMatchObject({
      status: "failed",
      attempts: 1,
      last_status: 410,
      last_error: "endpoint_gone",
    });
    expect(await deliveryOf("juspay", a, 2)).toMatchObject({
      status: "failed",
      attempts: 0,
      last_error: "endpoint_gone",
    });
    expect(await deliveryOf("juspay", b, 1)).toMatchObject({
      status: "failed",
      attempts: 0,
      last_error: "endpoint_gone",
    });
    expect(await endpointGoneAt(env.KV, ENDPOINT)).not.toBeNull();
  });

  it("lists the stopped deliveries as failed, and a retry through the API lifts the stop and delivers", async () => {
    const [a, b] = [uniqueOrderId("ord_goneC"), uniqueOrderId("ord_goneD")];
    await endpointGoes(a, b);
    const ids = [deliveryId("juspay", a, 1), deliveryId("juspay", a, 2), deliveryId("juspay", b, 1)];
    const listed = (await (await api("/v1/deliveries?status=failed&limit=100")).json()) as { data: { id: string }[] };
    expect(listed.data.map((d) => d.id)).toEqual(expect.arrayContaining(ids));

    const res = await api(`/v1/deliveries/${ids[2]}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: ids[2], status: "pending", attempts: 0, last_error: null });
    expect(await endpointGoneAt(env.KV, ENDPOINT)).toBeNull();
    await runAlarmsUntil("juspay", b, acceptedCount(b, 1));
    expect((await merchantEvents(b, true)).map((e) => e.sequence)).toEqual([1]);
    // Order A's deliveries stay failed until they are retried too.
    expect((await deliveryOf("juspay", a, 2)).status).toBe("failed");
  });

  it("re-queued deliveries go out in sequence order, whatever order they were retried in", async () => {
    const [a, b] = [uniqueOrderId("ord_goneE"), uniqueOrderId("ord_goneF")];
    await endpointGoes(a, b);
    const ref = { gateway: "juspay" as const, orderId: a };
    await runInDurableObject(objectOf("juspay", a), (object: OrderObject) => {
      expect(object.retryDelivery(ref, 2).ok).toBe(true);
      expect(object.retryDelivery(ref, 1).ok).toBe(true);
    });
    await runAlarmsUntil("juspay", a, acceptedCount(a, 2));
    expect((await merchantEvents(a, true)).map((e) => e.sequence)).toEqual([1, 2]);
  });
});

describe("exhaustion", () => {
  it("fails a delivery only after at least 16 attempts over at least 24 hours, then moves on to the next event", async () => {
    const orderId = uniqueOrderId("ord_exhaust");
    await merchantFault(orderId, { kind: "status", status: 503 }, null);
    await seedChanges("juspay", orderId, ["pending", "succeeded"]);
    await runAlarmsUntil("juspay", orderId, failed(orderId, 1), 400);

    const first = await deliveryOf("juspay", orderId, 1);
    expect(first).toMatchObject({ status: "failed", last_status: 503, last_error: "exhausted" });
    expect(first.attempts).toBeGreaterThanOrEqual(16);
    const span = Date.parse(first.last_attempt_at ?? "") - Date.parse(first.first_attempt_at ?? "");
    expect(span).toBeGreaterThanOrEqual(24 * HOUR);
    expect(span).toBeLessThan(28 * HOUR);
    expect(first.attempt_log).toHaveLength(first.attempts);

    // Event 2 was held back until event 1 was exhausted, and is delivered once the merchant is back.
    await merchantRecovers(orderId);
    await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, 1));
    const all = await merchantEvents(orderId);
    const lastOfFirst = all.map((e) => e.sequence).lastIndexOf(1);
    expect(lastOfFirst).toBe(first.attempts - 1);
    expect(all.slice(lastOfFirst + 1).every((e) => e.sequence === 2)).toBe(true);
    expect((await merchantEvents(orderId, true)).map((e) => e.sequence)).toEqual([2]);

    const listed = (await (await api("/v1/deliveries?status=failed")).json()) as { data: { id: string }[] };
    expect(listed.data.map((d) => d.id)).toContain(first.id);
  });
});
