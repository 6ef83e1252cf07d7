/**
 * Reconciliation and events end to end, through a real adapter (Nimbbl) and its simulator: orders created with
 * `POST /v1/orders`, gateway state changed only at the simulator, the alarm walked through its schedule as of the
 * times it is armed for, and the merchant's receiver checked for what arrived.
 */
import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { createOrder, getOrder, outcome, postWebhook, simWebhooks } from "../nimbbl/support";
import { acceptedCount, merchantEvents, runAlarmsUntil } from "./support";

const statusIs = (orderId: string, status: string) => async () => (await getOrder(orderId)).status === status;

async function audit(orderId: string): Promise<{ source: string; kind: string; outcome: string; to_status: string }[]> {
  const page = (await (await api(`/v1/orders/nimbbl/${orderId}/events?limit=200`)).json()) as { data: never[] };
  return page.data;
}

describe("reconciliation through the alarm alone", () => {
  it("brings a pending order to its final state by polling when no webhook or return ever comes", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "pending");
    await runAlarmsUntil("nimbbl", orderId, statusIs(orderId, "pending"));
    await outcome(orderId, "late_success");
    await runAlarmsUntil("nimbbl", orderId, statusIs(orderId, "succeeded"));

    const trail = await audit(orderId);
    expect(trail.some((e) => e.source === "webhook" || e.source === "return")).toBe(false);
    const changes = trail.filter((e) => e.kind === "observation" && e.outcome === "applied");
    expect(changes.map((e) => [e.source, e.to_status])).toEqual([
      ["poll", "pending"],
      ["poll", "succeeded"],
    ]);
    await runAlarmsUntil("nimbbl", orderId, acceptedCount(orderId, 2));
    expect((await merchantEvents(orderId, true)).map((e) => [e.sequence, e.type])).toEqual([
      [1, "payment.pending"],
      [2, "payment.succeeded"],
    ]);
  });

  it("expires an order the gateway still calls pending when the window closes, and a later confirmed success still applies", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "pending");
    // Nimbbl's window is six days: about 150 polls, walked without waiting.
    await runAlarmsUntil("nimbbl", orderId, statusIs(orderId, "expired"), 400);
    const closing = (await audit(orderId)).find((e) => e.to_status === "expired" && e.outcome === "applied");
    expect(closing).toMatchObject({ source: "poll", kind: "observation" });
    expect(JSON.stringify(closing)).toContain("reconciliation window closed");
    expect((await getOrder(orderId)).gateway_status).toContain("pending");

    // The payment completes after all (inside Nimbbl's authorisation period): the webhook is confirmed S2S.
    await outcome(orderId, "late_success");
    const webhook = (await simWebhooks(orderId)).at(-1) ?? "";
    expect((await postWebhook(webhook)).status).toBe(200);
    await runAlarmsUntil("nimbbl", orderId, statusIs(orderId, "succeeded"));
    await runAlarmsUntil("nimbbl", orderId, acceptedCount(orderId, 3));
    expect((await merchantEvents(orderId, true)).map((e) => e.type)).toEqual([
      "payment.pending",
      "payment.expired",
      "payment.succeeded",
    ]);
  });
});

describe("money the gateway still holds when the window closes", () => {
  it("is never expired: the order stays pending, flagged authorized_not_captured, with one payment.requires_review event", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "authorized");
    const flagged = async () => (await getOrder(orderId)).requires_review === true;
    await runAlarmsUntil("nimbbl", orderId, flagged, 400);
    const order = await getOrder(orderId);
    expect(order).toMatchObject({ status: "pending", review_reason: "authorized_not_captured" });
    expect((await audit(orderId)).some((e) => e.to_status === "expired")).toBe(false);
    await runAlarmsUntil("nimbbl", orderId, acceptedCount(orderId, 2));
    expect((await merchantEvents(orderId, true)).map((e) => e.type)).toEqual([
      "payment.pending",
      "payment.requires_review",
    ]);
  });
});

describe("webhooks to events", () => {
  it("turns 100 concurrent deliveries of the same webhook into one transition and one merchant event", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "success");
    const [webhook] = await simWebhooks(orderId);
    const answers = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const res = await postWebhook(webhook ?? "");
        expect(res.status).toBe(200);
        return (await res.json()) as { recorded: boolean; duplicate: boolean };
      }),
    );
    expect(answers.filter((a) => a.recorded && !a.duplicate)).toHaveLength(1);

    await runAlarmsUntil("nimbbl", orderId, statusIs(orderId, "succeeded"));
    await runAlarmsUntil("nimbbl", orderId, acceptedCount(orderId, 1));
    const transitions = (await audit(orderId)).filter((e) => e.outcome === "applied" && e.kind === "observation");
    expect(transitions).toHaveLength(1);
    const received = await merchantEvents(orderId);
    expect(received.map((e) => [e.sequence, e.type, e.answered])).toEqual([[1, "payment.succeeded", 200]]);
  });
});
