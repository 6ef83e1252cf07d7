/**
 * `POST /webhooks/juspay` (juspay.md §7): Basic auth, dedupe on the event id and on (order, event, status), and final
 * transitions confirmed by Order Status from the order Durable Object's alarm before they apply.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { toWebhookEvent } from "../../src/gateways/juspay/map";
import { JuspayWebhookSchema } from "../../src/gateways/juspay/wire";
import { api, expectProblem, objectOf } from "../helpers";
import {
  auditOf,
  basicAuth,
  configureJuspaySim,
  followReturn,
  getOrder,
  J,
  newOrderId,
  postWebhook,
  registerOrder,
  simApi,
  simOrder,
  simRedirect,
  simRefund,
  simSet,
  simWebhook,
} from "./support";

beforeAll(configureJuspaySim);

async function recorded(res: Response): Promise<{ received: boolean; recorded: boolean; duplicate?: boolean }> {
  expect(res.status).toBe(200);
  return res.json();
}

const observations = async (orderId: string) =>
  (await auditOf(orderId)).filter((e) => e.kind === "observation" && e.outcome === "applied");

describe("authentication", () => {
  it.each([
    ["a wrong password", basicAuth(J.JUSPAY_WEBHOOK_USERNAME, "wrong")],
    ["a wrong username", basicAuth("intruder", J.JUSPAY_WEBHOOK_PASSWORD)],
    ["no credentials", null],
    ["the API key as Basic username", `Basic ${btoa(`${J.JUSPAY_API_KEY}:`)}`],
  ])("answers 401 and stores nothing for %s", async (_name, authorization) => {
    const id = newOrderId("wh");
    await simOrder(id, { status: "CHARGED" });
    const webhook = await simWebhook(id);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (authorization) headers["authorization"] = authorization;
    await expectProblem(await postWebhook({ headers, body: webhook.body }), 401, "invalid_credentials");
    await expectProblem(await api(`/v1/orders/juspay/${id}`), 404, "order_not_found");
  });

  it("answers 400 for a malformed body after valid authentication, and stores nothing", async () => {
    const headers = { authorization: basicAuth(J.JUSPAY_WEBHOOK_USERNAME, J.JUSPAY_WEBHOOK_PASSWORD) };
    await expectProblem(await postWebhook({ headers, body: "{nope" }), 400, "malformed_body");
    const noEvent = JSON.stringify({ content: { order: { order_id: "x1", status: "CHARGED" } } });
    await expectProblem(await postWebhook({ headers, body: noEvent }), 400, "malformed_body");
    await expectProblem(await api("/v1/orders/juspay/x1"), 404, "order_not_found");
  });

  it("answers 413 for a body over 64 KiB", async () => {
    const headers = { authorization: basicAuth(J.JUSPAY_WEBHOOK_USERNAME, J.JUSPAY_WEBHOOK_PASSWORD) };
    await expectProblem(await postWebhook({ headers, body: "x".repeat(70_000) }), 413, "payload_too_large");
  });
});

describe("final transitions wait for Order Status", () => {
  it("does not make an order succeeded on a CHARGED webhook until Order Status says CHARGED", async () => {
    const id = newOrderId("wh");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const webhook = await simWebhook(id, { event_name: "ORDER_SUCCEEDED" });
    await simSet(id, { status: "PENDING_VBV" });

    expect(await recorded(await postWebhook(webhook))).toMatchObject({ recorded: true, duplicate: false });
    expect((await getOrder(id)).status).not.toBe("succeeded");
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect((await getOrder(id)).status).toBe("pending");

    await simSet(id, { status: "CHARGED" });
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", sequence: 2 });
  });

  it("applies a non-final TXN_CREATED at once, before any confirmation", async () => {
    const id = newOrderId("wh");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "PENDING_VBV" });
    await recorded(await postWebhook(await simWebhook(id, { event_name: "TXN_CREATED" })));
    expect((await getOrder(id)).status).toBe("pending");
  });

  it("settles ORDER_FAILED as failed once confirmed", async () => {
    const id = newOrderId("wh");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "AUTHENTICATION_FAILED" });
    await recorded(await postWebhook(await simWebhook(id, { event_name: "ORDER_FAILED" })));
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect(await getOrder(id)).toMatchObject({ status: "failed", gateway_status: "AUTHENTICATION_FAILED" });
  });

  it("settles an auto-refund event as reversed once confirmed", async () => {
    const id = newOrderId("wh");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "AUTO_REFUNDED" });
    await recorded(await postWebhook(await simWebhook(id, { event_name: "AUTO_REFUND_SUCCEEDED" })));
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect((await getOrder(id)).status).toBe("reversed");
  });

  it("creates an unknown order from what Order Status confirms, its amount unverified", async () => {
    const id = newOrderId("wh");
    await simOrder(id, { amount: "42.00", status: "CHARGED" });
    await recorded(await postWebhook(await simWebhook(id)));
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", amount: 4200, amount_verified: false });
  });

  it("never makes succeeded a confirmed CHARGED whose amount differs from the registered one", async () => {
    const id = newOrderId("wh");
    await registerOrder(id, 10000);
    await simOrder(id, { amount: "1.00", status: "CHARGED" });
    await recorded(await postWebhook(await simWebhook(id)));
    await runDurableObjectAlarm(objectOf("juspay", id));
    const order = await getOrder(id);
    expect(order).toMatchObject({ requires_review: true, review_reason: "amount_mismatch" });
    expect(order.status).not.toBe("succeeded");
  });
});

describe("duplicates and races", () => {
  it("acknowledges a replayed webhook with 200 and changes nothing", async () => {
    const id = newOrderId("dup");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const webhook = await simWebhook(id);
    expect(await recorded(await postWebhook(webhook))).toMatchObject({ duplicate: false });
    await runDurableObjectAlarm(objectOf("juspay", id));
    const before = await getOrder(id);
    expect(await recorded(await postWebhook(webhook))).toMatchObject({ duplicate: true });
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", sequence: before.sequence });
    // The replay adds no audit row: the first delivery's row counts it.
    const rows = (await auditOf(id)).filter((e) => e.source === "webhook");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ repeats: 1 });
  });

  it("treats the same order, event and status under a new event id as a duplicate", async () => {
    const id = newOrderId("dup");
    await simOrder(id, { status: "PENDING_VBV" });
    await recorded(await postWebhook(await simWebhook(id, { event_name: "TXN_CREATED" })));
    const again = await recorded(await postWebhook(await simWebhook(id, { event_name: "TXN_CREATED" })));
    expect(again.duplicate).toBe(true);
  });

  it("applies 50 concurrent deliveries of one webhook as one transition", async () => {
    const id = newOrderId("dup");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "PENDING_VBV" });
    const webhook = await simWebhook(id, { event_name: "TXN_CREATED" });
    const answers = await Promise.all(Array.from({ length: 50 }, () => postWebhook(webhook)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(await observations(id)).toHaveLength(1);
    expect((await getOrder(id)).sequence).toBe(1);
  });

  it("settles a redirect racing the webhook once: one transition, one merchant event", async () => {
    const id = newOrderId("race");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const [redirect, webhook] = await Promise.all([simRedirect(id), simWebhook(id)]);
    const [ret, hook] = await Promise.all([followReturn(redirect), postWebhook(webhook)]);
    expect(ret.status).toBe(303);
    expect(hook.status).toBe(200);
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", sequence: 1 });
    expect((await observations(id)).map((e) => e.to_status)).toEqual(["succeeded"]);
  });

  it("ignores a webhook that arrives after the redirect settled the order", async () => {
    const id = newOrderId("race");
    await registerOrder(id, 10000);
    await simOrder(id, { status: "CHARGED" });
    const webhook = await simWebhook(id);
    expect((await followReturn(await simRedirect(id))).status).toBe(303);
    await recorded(await postWebhook(webhook));
    await runDurableObjectAlarm(objectOf("juspay", id));
    expect(await getOrder(id)).toMatchObject({ status: "succeeded", sequence: 1 });
  });
});

describe("refund and other events", () => {
  async function chargedWithRefunds(id: string, urids: string[]): Promise<void> {
    await simOrder(id, { amount: "100.00", status: "CHARGED", refund_settle_reads: 1000 });
    for (const urid of urids) {
      expect((await simApi(`/orders/${id}/refunds`, { unique_request_id: urid, amount: "10.00" })).status).toBe(200);
    }
  }

  it("records ORDER_REFUNDED as a refund event naming the refund, and looks at the gateway", async () => {
    const id = newOrderId("rf");
    await chargedWithRefunds(id, [`r1${id}`.slice(0, 20)]);
    const urid = `r1${id}`.slice(0, 20);
    await simRefund(id, urid, "SUCCESS");
    expect(await recorded(await postWebhook(await simWebhook(id, { event_name: "ORDER_REFUNDED" })))).toMatchObject({
      duplicate: false,
    });
    const entry = (await auditOf(id)).find((e) => e.kind === "refund_event");
    expect(entry).toMatchObject({ gateway_status: "SUCCESS", detail: { event: "ORDER_REFUNDED", refund_id: urid } });
  });

  it("records an ORDER_REFUNDED for each of two refunds of one order", async () => {
    const id = newOrderId("rf");
    const [a, b] = [`ra${id}`.slice(0, 20), `rb${id}`.slice(0, 20)];
    await chargedWithRefunds(id, [a]);
    const first = await recorded(await postWebhook(await simWebhook(id, { event_name: "ORDER_REFUNDED" })));
    expect((await simApi(`/orders/${id}/refunds`, { unique_request_id: b, amount: "10.00" })).status).toBe(200);
    const second = await recorded(await postWebhook(await simWebhook(id, { event_name: "ORDER_REFUNDED" })));
    expect([first.duplicate, second.duplicate]).toEqual([false, false]);
  });

  it("records a mandate event without an order in the mandate's object only, and confirms nothing yet", async () => {
    const headers = {
      "content-type": "application/json",
      authorization: basicAuth(J.JUSPAY_WEBHOOK_USERNAME, J.JUSPAY_WEBHOOK_PASSWORD),
    };
    const body = JSON.stringify({
      id: "evt_V2_mandate1",
      event_name: "MANDATE_ACTIVATED",
      date_created: "2026-01-01T00:00:00Z",
      // demo payv3-forms/webhook/response-mandatecreated.txt: the mandate's state is `status`.
      content: { mandate: { mandate_id: "mnd_1", status: "ACTIVE" } },
    });
    // The mandate's object records it (storage/order/mandate.ts); no order, and no mandate until a list confirms it.
    expect(await recorded(await postWebhook({ headers, body }))).toMatchObject({ recorded: true, duplicate: false });
    await expectProblem(await api("/v1/juspay/mandates/mnd_1"), 404, "mandate_not_found");
  });
});

describe("translating payloads", () => {
  const payload = (event_name: string, order: Record<string, unknown> | null) =>
    JuspayWebhookSchema().parse({
      id: "evt_V2_abc",
      event_name,
      date_created: "2026-01-01T00:00:00Z",
      content: order ? { order } : {},
    });

  it.each([
    ["ORDER_SUCCEEDED", "payment"],
    ["ORDER_FAILED", "payment"],
    ["TXN_CREATED", "payment"],
    ["ORDER_REFUNDED", "refund"],
    ["ORDER_REFUND_FAILED", "refund"],
    ["REFUND_MANUAL_REVIEW_NEEDED", "refund"],
    ["AUTO_REFUND_SUCCEEDED", "refund"],
    ["AUTO_REFUND_FAILED", "refund"],
    ["MANDATE_CREATED", "notice"],
    ["NOTIFICATION_SUCCEEDED", "notice"],
    ["CHARGEBACK_RECEIVED", "notice"],
    ["CHARGEBACK_SOMETHING_NEW", "notice"],
    ["SOMETHING_ELSE", "other"],
  ])("maps %s to a %s event", (name, kind) => {
    const event = toWebhookEvent(payload(name, { order_id: "o1", status: "CHARGED", amount: 10 }));
    expect(event.kind).toBe(kind);
  });

  it("dedupes on the event id and on (order, event, status)", () => {
    const event = toWebhookEvent(payload("ORDER_SUCCEEDED", { order_id: "o1", status: "CHARGED", amount: 12.5 }));
    expect(event).toMatchObject({
      orderId: "o1",
      dedupeKeys: ["juspay:evt:evt_V2_abc", "juspay:o1:ORDER_SUCCEEDED:CHARGED"],
      status: "succeeded",
      gatewayStatus: "CHARGED",
      amount: { minor: 1250, currency: "INR" },
      refund: null,
    });
  });

  it("names the refund in refund events and keys them by refund id and status", () => {
    const refunds = [
      { unique_request_id: "ref1", status: "SUCCESS", amount: 5, id: "rfnd_1" },
      { unique_request_id: "ref2", status: "FAILURE", amount: 6, id: "rfnd_2" },
    ];
    const failed = toWebhookEvent(payload("ORDER_REFUND_FAILED", { order_id: "o1", status: "CHARGED", refunds }));
    expect(failed).toMatchObject({
      kind: "refund",
      gatewayStatus: "FAILURE",
      dedupeKeys: ["juspay:evt:evt_V2_abc", "juspay:o1:ORDER_REFUND_FAILED:ref2:FAILURE"],
      refund: { gatewayRefundId: "ref2", gatewayRefundRef: "rfnd_2", status: "failed", amount: { minor: 600 } },
    });
    const review = toWebhookEvent(
      payload("REFUND_MANUAL_REVIEW_NEEDED", {
        order_id: "o1",
        status: "CHARGED",
        refunds: [...refunds, { unique_request_id: "ref3", status: "MANUAL_REVIEW", amount: 1 }],
      }),
    );
    expect(review.refund).toMatchObject({ gatewayRefundId: "ref3", status: "pending", gatewayStatus: "MANUAL_REVIEW" });
  });

  it("has no order id, and only the event-id key, when the payload names no order", () => {
    const event = toWebhookEvent(payload("MANDATE_REVOKED", null));
    expect(event).toMatchObject({ orderId: null, dedupeKeys: ["juspay:evt:evt_V2_abc"], status: null });
  });
});
