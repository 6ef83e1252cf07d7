import { describe, expect, it } from "vitest";
import { deliveryId } from "../../src/core/delivery";
import { api, call, expectProblem, order, uniqueOrderId } from "../helpers";
import { openApiDoc } from "../helpers";
import {
  acceptedCount,
  deliveryOf,
  merchantEvents,
  merchantFault,
  merchantRecovers,
  runAlarmsUntil,
  seedChanges,
} from "./support";

interface Page {
  data: { id: string; status: string; order_id: string; attempts: number; type: string }[];
  next_cursor: string | null;
}

async function allPages(query: string): Promise<Page["data"][]> {
  const pages: Page["data"][] = [];
  let cursor: string | null = null;
  do {
    const res = await api(`/v1/deliveries?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    pages.push(page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return pages;
}

const attempted = (orderId: string) => async () => (await deliveryOf("nimbbl", orderId, 1)).attempts >= 1;

describe("GET /v1/deliveries", () => {
  it("lists pending and then delivered deliveries across orders, a page at a time", async () => {
    const orders = [uniqueOrderId("ord_list"), uniqueOrderId("ord_list"), uniqueOrderId("ord_list")];
    for (const orderId of orders) {
      await merchantFault(orderId, { kind: "status", status: 503 }, null);
      await seedChanges("nimbbl", orderId, ["succeeded"]);
      await runAlarmsUntil("nimbbl", orderId, attempted(orderId));
    }
    const ids = orders.map((o) => deliveryId("nimbbl", o, 1));

    const pending = await allPages("status=pending&limit=2");
    expect(pending.every((p) => p.length <= 2)).toBe(true);
    const listed = pending.flat();
    for (const id of ids) expect(listed.filter((d) => d.id === id)).toHaveLength(1);
    expect(listed.find((d) => d.id === ids[0])).toMatchObject({
      status: "pending",
      type: "payment.succeeded",
      order_id: orders[0],
    });

    for (const orderId of orders) {
      await merchantRecovers(orderId);
      await runAlarmsUntil("nimbbl", orderId, acceptedCount(orderId, 1));
    }
    const delivered = (await allPages("status=delivered&limit=2")).flat().map((d) => d.id);
    expect(delivered).toEqual(expect.arrayContaining(ids));
    const stillPending = (await allPages("status=pending")).flat().map((d) => d.id);
    for (const id of ids) expect(stillPending).not.toContain(id);
  });

  it("lists failed deliveries by default and refuses an unknown status or limit", async () => {
    const res = await api("/v1/deliveries");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: expect.any(Array) });
    await expectProblem(await api("/v1/deliveries?status=exhausted"), 400, "invalid_request");
    await expectProblem(await api("/v1/deliveries?limit=0"), 400, "invalid_request");
    await expectProblem(await api("/v1/deliveries?limit=1000"), 400, "invalid_request");
  });

  it("requires an API key", async () => {
    await expectProblem(await call("/v1/deliveries"), 401, "unauthorized");
    await expectProblem(await call("/v1/deliveries/evt_x/retry", { method: "POST" }), 401, "unauthorized");
  });
});

describe("GET /v1/deliveries/:id", () => {
  it("shows each attempt's status, latency and the start of the answer, never the body sent", async () => {
    const orderId = uniqueOrderId("ord_log");
    await merchantFault(orderId, { kind: "status", status: 500, body: "e".repeat(1000) }, 1);
    await seedChanges("nimbbl", orderId, ["succeeded"]);
    await runAlarmsUntil("nimbbl", orderId, acceptedCount(orderId, 1));

    const res = await api(`/v1/deliveries/${deliveryId("nimbbl", orderId, 1)}`);
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { status: string; attempt_log: Record<string, unknown>[] };
    expect(detail.status).toBe("delivered");
    const [failedAttempt, okAttempt] = detail.attempt_log;
    expect(Object.keys(failedAttempt ?? {}).sort()).toEqual([
      "at",
      "attempt",
      "error",
      "latency_ms",
      "response",
      "status",
    ]);
    expect(failedAttempt).toMatchObject({ attempt: 1, status: 500, error: null, response: "e".repeat(256) });
    expect(failedAttempt?.["latency_ms"]).toEqual(expect.any(Number));
    expect(okAttempt).toMatchObject({ attempt: 2, status: 200, response: "ok" });
    expect(JSON.stringify(detail)).not.toContain('"data"');
  });

  it("answers 404 for an unknown, malformed or foreign id", async () => {
    const orderId = uniqueOrderId("ord_404");
    await seedChanges("juspay", orderId, ["succeeded"]);
    for (const id of [
      deliveryId("juspay", orderId, 2),
      deliveryId("juspay", uniqueOrderId("ord_none"), 1),
      "evt_not-base64!",
      "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    ]) {
      await expectProblem(await api(`/v1/deliveries/${encodeURIComponent(id)}`), 404, "delivery_not_found");
      await expectProblem(
        await api(`/v1/deliveries/${encodeURIComponent(id)}/retry`, { method: "POST" }),
        404,
        "delivery_not_found",
      );
    }
  });
});

describe("POST /v1/deliveries/:id/retry", () => {
  it("replays a delivered event with the same webhook-id, ahead of the order's later pending events", async () => {
    const orderId = uniqueOrderId("ord_replay");
    await seedChanges("phonepe", orderId, ["pending"]);
    await runAlarmsUntil("phonepe", orderId, acceptedCount(orderId, 1));
    // The merchant starts failing; event 2 is queued and retrying.
    await merchantFault(orderId, { kind: "status", status: 500 }, null);
    await order("phonepe", orderId).observe(
      { gateway: "phonepe", orderId },
      { source: "api", confirmed: true, gatewayStatus: "SIM_SUCCEEDED", status: "succeeded", amount: null },
    );
    await runAlarmsUntil("phonepe", orderId, async () => (await deliveryOf("phonepe", orderId, 2)).attempts >= 1);

    const id = deliveryId("phonepe", orderId, 1);
    const res = await api(`/v1/deliveries/${id}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id, status: "pending", sequence: 1 });

    await merchantRecovers(orderId);
    await runAlarmsUntil("phonepe", orderId, acceptedCount(orderId, 3));
    const accepted = await merchantEvents(orderId, true);
    expect(accepted.map((e) => e.sequence)).toEqual([1, 1, 2]);
    expect(accepted[1]?.webhook_id).toBe(accepted[0]?.webhook_id);
    expect(accepted[1]?.body).toBe(accepted[0]?.body);
  });

  it("leaves a pending delivery as it is", async () => {
    const orderId = uniqueOrderId("ord_pend");
    await merchantFault(orderId, { kind: "status", status: 500 }, null);
    await seedChanges("juspay", orderId, ["succeeded"]);
    await runAlarmsUntil("juspay", orderId, async () => (await deliveryOf("juspay", orderId, 1)).attempts >= 2);
    const res = await api(`/v1/deliveries/${deliveryId("juspay", orderId, 1)}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "pending", attempts: 2 });
  });
});

describe("OpenAPI", () => {
  it("documents the deliveries routes and their query", () => {
    const doc = openApiDoc() as { paths: Record<string, Record<string, any>> };
    const list = doc.paths["/v1/deliveries"]?.["get"];
    const status = list.parameters.find((p: { name: string }) => p.name === "status");
    expect(status.schema.enum).toEqual(["failed", "pending", "delivered"]);
    expect(list.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/v1/deliveries/{id}/retry"]?.["post"].responses["202"]).toBeDefined();
    expect(doc.paths["/v1/deliveries/{id}"]?.["get"]).toBeDefined();
  });
});
