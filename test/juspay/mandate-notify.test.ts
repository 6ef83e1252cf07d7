/**
 * `POST /v1/juspay/mandates/:mandate_id/notify` (juspay.md §12, pre-debit notification) and the NOTIFICATION_*
 * webhooks, confirmed by `GET /notifications/{id}` before `mandate.notification.*`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, gatewayCalls, sim } from "../helpers";
import { configureJuspaySim, newOrderId, postWebhook } from "./support";
import { activeMandate, eventually, mandateEvents, runMandateAlarm } from "./mandate-support";

beforeAll(configureJuspaySim);

function notify(mandateId: string, json: Record<string, unknown>, key: string | null = `n-${newOrderId()}`) {
  return api(`/v1/juspay/mandates/${mandateId}/notify`, {
    method: "POST",
    json,
    headers: key ? { "idempotency-key": key } : {},
  });
}

const notifyCalls = async (mandateId: string) =>
  (await gatewayCalls("juspay", `/mandates/${mandateId}`)).filter((c) => c.body.includes("pre_debit_notify"));

async function outcome(ref: string, fields: Record<string, unknown>) {
  const res = await sim(`/__control/juspay/notifications/${ref}`, { method: "POST", json: fields });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ headers: Record<string, string>; body: string }>;
}

describe("pre-debit notification", () => {
  it("sends pre_debit_notify with a derived object_reference_id and source_info; the same key notifies once", async () => {
    const { mandateId } = await activeMandate();
    const json = { amount: 49_900, currency: "INR", txn_date: 1_767_312_000, description: "June" };
    const first = await notify(mandateId, json, "same-key");
    expect(first.status).toBe(201);
    const body = (await first.json()) as any;
    expect(body.notification).toMatchObject({ status: "PENDING", amount: 49_900 });
    expect(body.notification.object_reference_id).toMatch(/^N[0-9a-f]{24}$/);
    const again = await notify(mandateId, json, "same-key");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const calls = await notifyCalls(mandateId);
    expect(calls).toHaveLength(1);
    const form = Object.fromEntries(new URLSearchParams(calls[0]?.body));
    expect(form).toMatchObject({
      command: "pre_debit_notify",
      object_reference_id: body.notification.object_reference_id,
      description: "June",
    });
    expect(JSON.parse(form["source_info"] ?? "{}")).toEqual({ amount: "499.00", txn_date: "1767312000" });
  });

  it("refuses a notice over the mandate's maximum and sends nothing", async () => {
    const { mandateId } = await activeMandate();
    await expectProblem(await notify(mandateId, { amount: 100_000, currency: "INR" }), 422, "mandate_amount_exceeded");
    expect(await notifyCalls(mandateId)).toHaveLength(0);
  });

  it("turns a NOTIFICATION_SUCCEEDED webhook, confirmed by its status call, into one mandate.notification.succeeded", async () => {
    const { mandateId } = await activeMandate();
    const sent = (await (await notify(mandateId, { amount: 10_000, currency: "INR" })).json()) as any;
    const webhook = await outcome(sent.notification.object_reference_id, { status: "SUCCESS" });
    expect((await postWebhook(webhook)).status).toBe(200);
    await runMandateAlarm(mandateId);
    const events = await eventually(
      () => mandateEvents(mandateId),
      (e) => e.length >= 2,
    );
    expect(events.map((e) => [e.type, e.sequence])).toEqual([
      ["mandate.activated", 1],
      ["mandate.notification.succeeded", 2],
    ]);
    expect(JSON.parse(events[1]?.body ?? "{}").data.notification).toMatchObject({
      object_reference_id: sent.notification.object_reference_id,
      status: "SUCCESS",
    });
  });

  it("makes no event from a notification webhook its status call does not bear out", async () => {
    const { mandateId } = await activeMandate();
    const sent = (await (await notify(mandateId, { amount: 10_000, currency: "INR" })).json()) as any;
    const webhook = await outcome(sent.notification.object_reference_id, { status: "PENDING", claimed: "SUCCESS" });
    expect((await postWebhook(webhook)).status).toBe(200);
    await runMandateAlarm(mandateId);
    expect((await mandateEvents(mandateId)).map((e) => e.type)).toEqual(["mandate.activated"]);
  });
});
