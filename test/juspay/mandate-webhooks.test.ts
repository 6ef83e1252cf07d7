/**
 * MANDATE_* webhooks (juspay.md §7, §12): authenticated, recorded in the mandate's object, and confirmed with the
 * customer's mandate list before any `mandate.*` event; final states are never left.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers";
import { configureJuspaySim, newOrderId, postWebhook, simMandate } from "./support";
import {
  activeMandate,
  approveMandate,
  createMandateOrder,
  eventually,
  getMandate,
  mandateEvents,
  mandateWebhook,
  runMandateAlarm,
} from "./mandate-support";

beforeAll(configureJuspaySim);

async function post(webhook: { headers: Record<string, string>; body: string }): Promise<any> {
  const res = await postWebhook(webhook);
  expect(res.status).toBe(200);
  return res.json();
}

describe("mandate webhooks", () => {
  it("turns a MANDATE_ACTIVATED webhook, confirmed by the customer's mandate list, into one mandate.activated", async () => {
    const { orderId } = await createMandateOrder();
    const mandateId = await approveMandate(orderId);
    const hook = await mandateWebhook(mandateId, { event_name: "MANDATE_ACTIVATED", order_id: orderId });
    expect(await post(hook)).toMatchObject({ recorded: true, duplicate: false });
    expect((await getMandate(mandateId)).status).toBe(404); // recorded, not yet confirmed
    await runMandateAlarm(mandateId);
    expect((await getMandate(mandateId)).body).toMatchObject({ status: "ACTIVE", order_id: orderId });
    const events = await eventually(
      () => mandateEvents(mandateId),
      (e) => e.length >= 1,
    );
    expect(events.map((e) => [e.type, e.sequence])).toEqual([["mandate.activated", 1]]);
  });

  it("turns a MANDATE_REVOKED webhook into one mandate.revoked only after the customer's list confirms it", async () => {
    const { mandateId } = await activeMandate();
    const hook = await mandateWebhook(mandateId, { event_name: "MANDATE_REVOKED", status: "REVOKED" });
    expect(await post(hook)).toMatchObject({ recorded: true, duplicate: false });
    expect((await getMandate(mandateId)).body.status).toBe("ACTIVE");
    await runMandateAlarm(mandateId);
    expect((await getMandate(mandateId)).body.status).toBe("REVOKED");
    const events = await eventually(
      () => mandateEvents(mandateId),
      (e) => e.length >= 2,
    );
    expect(events.map((e) => [e.type, e.sequence])).toEqual([
      ["mandate.activated", 1],
      ["mandate.revoked", 2],
    ]);
  });

  it("answers a redelivered mandate webhook as a duplicate and asks for no confirmation", async () => {
    const { mandateId } = await activeMandate();
    const hook = await mandateWebhook(mandateId, { event_name: "MANDATE_PAUSED", status: "PAUSED" });
    expect(await post(hook)).toMatchObject({ duplicate: false });
    await runMandateAlarm(mandateId);
    expect(await post(hook)).toMatchObject({ recorded: true, duplicate: true });
    expect(await runMandateAlarm(mandateId)).toBe(false);
    const events = await eventually(
      () => mandateEvents(mandateId),
      (e) => e.length >= 2,
    );
    expect(events.map((e) => e.type)).toEqual(["mandate.activated", "mandate.paused"]);
  });

  it("makes no event from a webhook the customer's mandate list does not bear out", async () => {
    const { mandateId } = await activeMandate();
    // The webhook claims REVOKED; Juspay's list still says ACTIVE.
    const hook = await mandateWebhook(mandateId, { event_name: "MANDATE_REVOKED", claimed: "REVOKED" });
    expect(await post(hook)).toMatchObject({ duplicate: false });
    await runMandateAlarm(mandateId);
    expect((await getMandate(mandateId)).body.status).toBe("ACTIVE");
    expect((await mandateEvents(mandateId)).map((e) => e.type)).toEqual(["mandate.activated"]);
  });

  it("keeps a webhook whose mandate the customer's list does not show unconfirmed, and retries it", async () => {
    const mandateId = `mnd_${newOrderId("u")}`;
    await simMandate({ customer_id: `cust_${mandateId}`, mandate_id: mandateId, status: "ACTIVE" });
    const hook = await mandateWebhook(mandateId, { event_name: "MANDATE_REVOKED", claimed: "REVOKED" });
    const body = JSON.parse(hook.body);
    body.content.mandate.customer_id = "cust_someone_else"; // a list that does not show this mandate
    expect(await post({ headers: hook.headers, body: JSON.stringify(body) })).toMatchObject({ duplicate: false });
    expect(await runMandateAlarm(mandateId)).toBe(true);
    expect((await getMandate(mandateId)).status).toBe(404);
    // The confirmation failed and is due again (backing off), never turned into REVOKED.
    expect(await runMandateAlarm(mandateId)).toBe(true);
    expect((await getMandate(mandateId)).status).toBe(404);
    expect(await mandateEvents(mandateId)).toEqual([]);
  });

  it("never moves a revoked mandate back to ACTIVE", async () => {
    const { mandateId } = await activeMandate();
    await post(await mandateWebhook(mandateId, { event_name: "MANDATE_REVOKED", status: "REVOKED" }));
    await runMandateAlarm(mandateId);
    await post(await mandateWebhook(mandateId, { event_name: "MANDATE_ACTIVATED", status: "ACTIVE" }));
    await runMandateAlarm(mandateId);
    await runMandateAlarm(mandateId);
    expect((await getMandate(mandateId)).body.status).toBe("REVOKED");
    const trail = await api(`/v1/juspay/mandates/${mandateId}`);
    expect(trail.status).toBe(200);
  });

  it("confirms the mandate with Juspay first on ?refresh=true", async () => {
    const { mandateId } = await activeMandate();
    await mandateWebhook(mandateId, { status: "REVOKED" }); // revoked at Juspay; no webhook posted
    expect((await getMandate(mandateId)).body.status).toBe("ACTIVE");
    const res = await api(`/v1/juspay/mandates/${mandateId}?refresh=true`);
    expect(await res.json()).toMatchObject({ status: "REVOKED" });
  });

  it("lists mandate deliveries in /v1/deliveries and reads one by its id", async () => {
    const { mandateId } = await activeMandate();
    const [event] = await eventually(
      () => mandateEvents(mandateId),
      (e) => e.length >= 1,
    );
    const res = await api(`/v1/deliveries/${event?.webhook_id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      order_id: `mandate:${mandateId}`,
      type: "mandate.activated",
      sequence: 1,
    });
  });
});
