import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { deliveryId } from "../../src/core/delivery";
import { createLogger } from "../../src/core/log";
import { deliverDue, eventsEndpoint } from "../../src/delivery/run";
import type { Env } from "../../src/env";
import { enqueueEvent, nextDeliveryAt, outboxRow } from "../../src/storage/order/outbox";
import { TEST_BINDINGS } from "../bindings";
import { api, objectOf, type OrderObject, uniqueOrderId } from "../helpers";
import { acceptedCount, AMOUNT, merchantEvents, runAlarmsUntil, seedChanges } from "./support";

const KEY = TEST_BINDINGS.MERCHANT_WEBHOOK_SECRET.split(" ")[0];

describe("events when MERCHANT_WEBHOOK_URL is unset", () => {
  it("are off without a URL or without a usable signing key", () => {
    const endpoint = (vars: Partial<Env>) => eventsEndpoint(loadConfig(vars as Env))?.toString() ?? null;
    expect(endpoint({ MERCHANT_WEBHOOK_SECRET: KEY })).toBeNull();
    expect(endpoint({ MERCHANT_WEBHOOK_URL: "", MERCHANT_WEBHOOK_SECRET: KEY })).toBeNull();
    expect(endpoint({ MERCHANT_WEBHOOK_URL: "https://m.test/hooks" })).toBeNull();
    expect(endpoint({ MERCHANT_WEBHOOK_URL: "https://m.test/hooks", MERCHANT_WEBHOOK_SECRET: "not-a-key" })).toBeNull();
    expect(endpoint({ MERCHANT_WEBHOOK_URL: "https://m.test/hooks", MERCHANT_WEBHOOK_SECRET: KEY })).toBe(
      "https://m.test/hooks",
    );
  });

  it("keeps the outbox row, marked undeliverable, and sends nothing", async () => {
    const orderId = uniqueOrderId("ord_off");
    await seedChanges("juspay", orderId, []);
    const sent = await runInDurableObject(objectOf("juspay", orderId), async (_o: OrderObject, state) => {
      const sql = state.storage.sql;
      const data = { order: { order_id: orderId, amount: AMOUNT.minor } };
      enqueueEvent(sql, { sequence: 1, type: "payment.pending", data }, Date.now(), false);
      // A row queued while events were on, reached after they were turned off.
      enqueueEvent(sql, { sequence: 2, type: "payment.succeeded", data }, Date.now(), true);
      await deliverDue(sql, "juspay", orderId, {
        endpoint: null,
        secrets: [],
        fetch: () => Promise.reject(new Error("must not send")),
        kv: env.KV,
        clock: () => Date.now(),
        random: () => 0.5,
        log: createLogger("silent"),
      });
      return { first: outboxRow(sql, 1), second: outboxRow(sql, 2), next: nextDeliveryAt(sql) };
    });
    expect(sent.first).toMatchObject({ state: "undeliverable", last_error: "not_configured", attempts: 0 });
    expect(sent.second).toMatchObject({ state: "undeliverable", last_error: "not_configured", attempts: 0 });
    expect(sent.next).toBeNull();
    expect(await merchantEvents(orderId)).toEqual([]);
  });

  it("can deliver an event kept while events were off, once they are on, through a retry", async () => {
    const orderId = uniqueOrderId("ord_later");
    await seedChanges("juspay", orderId, []);
    await runInDurableObject(objectOf("juspay", orderId), (_o: OrderObject, state) => {
      const data = { order: { order_id: orderId } };
      enqueueEvent(state.storage.sql, { sequence: 1, type: "payment.pending", data }, Date.now(), false);
    });
    const res = await api(`/v1/deliveries/${deliveryId("juspay", orderId, 1)}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, 1));
    expect((await merchantEvents(orderId, true)).map((e) => e.type)).toEqual(["payment.pending"]);
  });
});
