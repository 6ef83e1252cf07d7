/**
 * Nimbbl's legacy webhooks sign six fields of the transaction (nimbbl.md §1.1, §2); `event_type` is not among them,
 * it only picks the formula. The attacker holds one genuine signed body (a delivery they intercepted or were sent)
 * and posts it again under made-up event types, hoping each one counts as a new event: audit rows, looks at the
 * gateway and merchant notifications for free. De-duplication keys come only from the signed fields, so it is one
 * event however it is labelled.
 */
import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { createOrder, outcome, postWebhook, simWebhooks } from "../nimbbl/support";

async function webhookRows(orderId: string): Promise<any[]> {
  const events: any = await (await api(`/v1/orders/nimbbl/${orderId}/events`)).json();
  return events.data.filter((e: any) => e.source === "webhook");
}

describe("Nimbbl webhook de-duplication", () => {
  it("the same signed payload posted with 12 made-up event_types is one event (1 new, 11 duplicates)", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "success");
    const [genuine] = await simWebhooks(orderId);
    const signed = JSON.parse(genuine ?? "{}");
    expect(signed.event_type).toBe("payment_success");

    const made = Array.from({ length: 12 }, (_, i) => `payment_success_${i}_${crypto.randomUUID().slice(0, 8)}`);
    const answers: any[] = [];
    for (const eventType of made) {
      const res = await postWebhook(JSON.stringify({ ...signed, event_type: eventType }));
      expect(res.status).toBe(200);
      answers.push(await res.json());
    }
    expect(answers.filter((a) => a.duplicate === false)).toHaveLength(1);
    expect(answers.filter((a) => a.duplicate === true)).toHaveLength(11);
    expect(answers[0]).toMatchObject({ recorded: true, duplicate: false });
    expect(await webhookRows(orderId)).toHaveLength(1);
  });

  it("the genuine delivery after the relabelled copies is the same event, not a new one", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "success");
    const [genuine = ""] = await simWebhooks(orderId);
    const relabelled = JSON.stringify({ ...JSON.parse(genuine), event_type: "made_up_event" });
    expect(await (await postWebhook(relabelled)).json()).toMatchObject({ duplicate: false });
    expect(await (await postWebhook(genuine)).json()).toMatchObject({ duplicate: true });
    expect(await webhookRows(orderId)).toHaveLength(1);
  });
});
