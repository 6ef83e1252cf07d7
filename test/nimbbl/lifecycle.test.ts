/**
 * Nimbbl's status model over time (nimbbl.md §4, seed 003 "edge cases"): webhooks are hints confirmed by the
 * transaction enquiry from the order's alarm; duplicates and out-of-order deliveries never move an order backwards;
 * a late success inside the authorisation period moves `failed → succeeded`; a success after it is reversed.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, objectOf } from "../helpers";
import {
  createOrder,
  countCalls,
  getOrder,
  outcome,
  paymentJson,
  postWebhook,
  redirectStatus,
  returnWith,
  simWebhooks,
} from "./support";

async function audit(orderId: string): Promise<any[]> {
  return ((await (await api(`/v1/orders/nimbbl/${orderId}/events`)).json()) as any).data;
}

/** Runs the order's reconciliation alarm now (it may also have fired on its own: the result is the same). */
async function settle(orderId: string): Promise<any> {
  await runDurableObjectAlarm(objectOf("nimbbl", orderId));
  return getOrder(orderId);
}

async function confirmViaReturn(orderId: string, callbackUrl: string, txn: string, status: string) {
  const json = await paymentJson({ invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50", status });
  return redirectStatus(await returnWith(callbackUrl, json));
}

describe("webhooks are confirmed server-to-server", () => {
  it("does not settle an order from a payment_success webhook alone; the alarm's enquiry does", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "success");
    const [body] = await simWebhooks(orderId);
    expect((await postWebhook(body ?? "")).status).toBe(200);
    const hint = (await audit(orderId)).find((e) => e.source === "webhook");
    expect(hint.outcome).toBe("needs_confirmation");
    const order = await settle(orderId);
    expect(order.status).toBe("succeeded");
    expect(await countCalls("transaction-enquiry", orderId)).toBeGreaterThanOrEqual(1);
    const applied = (await audit(orderId)).find((e) => e.to_status === "succeeded" && e.outcome === "applied");
    expect(applied.source).toBe("poll");
  });

  it("keeps refund_details from the enquiry on the order", async () => {
    const { orderId, callbackUrl } = await createOrder(1250);
    const txn = await outcome(orderId, "success");
    await confirmViaReturn(orderId, callbackUrl, txn, "succeeded");
    const order = await getOrder(orderId);
    expect(order.details.refund_details).toEqual({
      refundable_currency: "INR",
      total_refundable_amount: "12.50",
      refunded_amount: "0.00",
      available_refundable_amount: "12.50",
    });
  });

  it("applies 50 concurrent deliveries of the same webhook once", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "success");
    const [success] = await simWebhooks(orderId);
    const replies = await Promise.all(Array.from({ length: 50 }, () => postWebhook(success ?? "")));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const bodies: any[] = await Promise.all(replies.map((r) => r.json()));
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    const order = await settle(orderId);
    expect(order.status).toBe("succeeded");
    expect(order.sequence).toBe(1);
  });
});

describe("order of events", () => {
  it("never moves a succeeded order back when an older payment_failed arrives after the success", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "failure");
    await outcome(orderId, "success");
    const [failed, succeeded] = await simWebhooks(orderId);
    expect((await postWebhook(succeeded ?? "")).status).toBe(200);
    expect((await settle(orderId)).status).toBe("succeeded");
    expect((await postWebhook(failed ?? "")).status).toBe(200);
    const order = await settle(orderId);
    expect(order.status).toBe("succeeded");
    const late = (await audit(orderId)).filter((e) => e.source === "webhook" && e.gateway_status === "failed");
    expect(late.map((e) => e.outcome)).toEqual(["stale"]);
  });

  it("acknowledges a repeated delivery as a duplicate and changes nothing", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "failure");
    const [failed] = await simWebhooks(orderId);
    const first: any = await (await postWebhook(failed ?? "")).json();
    const second: any = await (await postWebhook(failed ?? "")).json();
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
  });
});

describe("authorisation period", () => {
  it("moves a failed order to succeeded on a late success inside the window, once confirmed", async () => {
    const { orderId, callbackUrl } = await createOrder(1250);
    const txn = await outcome(orderId, "failure");
    expect(await confirmViaReturn(orderId, callbackUrl, txn, "failed")).toBe("failed");
    await outcome(orderId, "late_success");
    const success = (await simWebhooks(orderId)).at(-1) ?? "";
    expect(JSON.parse(success).event_type).toBe("payment_success");
    expect((await postWebhook(success)).status).toBe(200);
    const order = await settle(orderId);
    expect(order.status).toBe("succeeded");
    const late = (await audit(orderId)).find((e) => e.from_status === "failed" && e.to_status === "succeeded");
    expect(late).toMatchObject({ source: "poll", outcome: "applied" });
  });

  it("reports reversed when a success after the window is reversed (reversing stays pending until then)", async () => {
    const { orderId, callbackUrl } = await createOrder(1250);
    const txn = await outcome(orderId, "pending");
    expect(await confirmViaReturn(orderId, callbackUrl, txn, "pending")).toBe("pending");
    await outcome(orderId, "reversing");
    const reversing = (await simWebhooks(orderId)).at(-1) ?? "";
    expect(JSON.parse(reversing).event_type).toBe("payment_reversing");
    expect((await postWebhook(reversing)).status).toBe(200);
    const during = await settle(orderId);
    expect(during.status).toBe("pending");
    expect(during.gateway_status).toBe("reversing");
    await outcome(orderId, "reversal");
    expect((await postWebhook((await simWebhooks(orderId)).at(-1) ?? "")).status).toBe(200);
    const after = await settle(orderId);
    expect(after.status).toBe("reversed");
    expect(after.gateway_status).toBe("reversed");
  });

  it("moves a failed order to reversed when its late success came after the window", async () => {
    const { orderId, callbackUrl } = await createOrder(1250);
    const txn = await outcome(orderId, "failure");
    expect(await confirmViaReturn(orderId, callbackUrl, txn, "failed")).toBe("failed");
    await outcome(orderId, "reversal");
    const reversed = (await simWebhooks(orderId)).at(-1) ?? "";
    expect(JSON.parse(reversed).event_type).toBe("payment_reversed");
    expect((await postWebhook(reversed)).status).toBe(200);
    expect((await settle(orderId)).status).toBe("reversed");
  });

  it("reports an order that lapsed without any attempt as expired", async () => {
    const { orderId } = await createOrder(1250);
    await outcome(orderId, "lapse");
    const res = await api(`/v1/orders/nimbbl/${orderId}?refresh=true`);
    const order: any = await res.json();
    expect(order.status).toBe("expired");
    expect(order.gateway_status).toBe("order:lapsed");
  });
});
