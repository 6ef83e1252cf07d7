/**
 * Juspay's status table (juspay.md §4) mapped into checkpost's unified statuses, through Order Status on the
 * simulator, and the facts surfaced on the unified order.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mapJuspayStatus, mapJuspayRefundStatus } from "../../src/gateways/juspay/map";
import { GATEWAYS } from "../../src/gateways";
import { api, expectProblem } from "../helpers";
import { configureJuspaySim, getOrder, newOrderId, registerOrder, simMandate, simOrder, simSet } from "./support";

beforeAll(configureJuspaySim);

/** Every status of the appendix, with its id and the unified status checkpost settles on. */
const TABLE: [string, number, string][] = [
  ["NEW", 10, "created"],
  ["STARTED", 20, "pending"],
  ["CHARGED", 21, "succeeded"],
  ["JUSPAY_DECLINED", 22, "failed"],
  ["PENDING_VBV", 23, "pending"],
  ["VBV_SUCCESSFUL", 24, "pending"],
  ["AUTHORIZED", 25, "pending"],
  ["AUTHENTICATION_FAILED", 26, "failed"],
  ["AUTHORIZATION_FAILED", 27, "failed"],
  ["AUTHORIZING", 28, "pending"],
  ["VOIDED", 31, "failed"],
  ["VOID_INITIATED", 32, "pending"],
  ["CAPTURE_INITIATED", 33, "pending"],
  ["CAPTURE_FAILED", 34, "pending"],
  ["VOID_FAILED", 35, "pending"],
  ["AUTO_REFUNDED", 36, "reversed"],
];

describe("the status table", () => {
  it.each(TABLE)("maps %s (%i) to %s", (status, _id, unified) => {
    expect(mapJuspayStatus(status)).toBe(unified);
    expect(GATEWAYS.juspay.mapStatus(status)).toBe(unified);
  });

  it("maps PARTIAL_CHARGED (a partial capture; Juspay documents no id for it) to succeeded", () => {
    expect(mapJuspayStatus("PARTIAL_CHARGED")).toBe("succeeded");
  });

  it.each(["PARTIALLY_CHARGED", "COD_INITIATED", "charged", "", "SUCCESS", "__proto__", "toString"])(
    "maps the unknown status %j to pending, never to success or failure",
    (status) => {
      expect(mapJuspayStatus(status)).toBe("pending");
    },
  );

  it("maps the seeds' PENDING to pending", () => {
    expect(mapJuspayStatus("PENDING")).toBe("pending");
  });

  it.each([
    ["PENDING", "pending"],
    ["SUCCESS", "succeeded"],
    ["FAILURE", "failed"],
    ["MANUAL_REVIEW", "pending"],
    ["REFUNDED", "pending"],
    ["SOMETHING_NEW", "pending"],
  ])("maps the refund status %s to %s", (status, unified) => {
    expect(mapJuspayRefundStatus(status)).toBe(unified);
  });
});

describe("every status id through Order Status", () => {
  it.each(TABLE)("settles an order Juspay reports as %s (%i) to %s", async (status, id, unified) => {
    const orderId = newOrderId("st");
    await registerOrder(orderId, 10000);
    await simOrder(orderId, { status });
    const order = await getOrder(orderId, true);
    expect(order).toMatchObject({ status: unified, gateway_status: status, requires_review: false });
    expect(order.details.status_id).toBe(id);
  });

  it("answers gateway_not_found for NOT_FOUND (40) and stores nothing", async () => {
    const orderId = newOrderId("st");
    await simOrder(orderId, { status: "NOT_FOUND" });
    await expectProblem(await api(`/v1/orders/juspay/${orderId}?refresh=true`), 404, "order_not_found");
  });

  it("answers order_not_found for an order Juspay has never seen (HTTP 404)", async () => {
    await expectProblem(await api(`/v1/orders/juspay/${newOrderId("none")}?refresh=true`), 404, "order_not_found");
  });
});

describe("late success and auto-refund (conflicted transactions)", () => {
  it("moves failed → succeeded when Order Status later says CHARGED", async () => {
    const orderId = newOrderId("late");
    await registerOrder(orderId, 50000);
    await simOrder(orderId, { amount: "500", status: "AUTHORIZATION_FAILED" });
    expect(await getOrder(orderId, true)).toMatchObject({ status: "failed", details: { error_code: "JP_101" } });
    await simSet(orderId, { status: "CHARGED" });
    const order = await getOrder(orderId, true);
    expect(order).toMatchObject({ status: "succeeded", details: { error_code: null } });
    const events = (await (await api(`/v1/orders/juspay/${orderId}/events`)).json()) as any;
    expect(
      events.data.filter((e: any) => e.kind === "observation" && e.outcome === "applied").map((e: any) => e.to_status),
    ).toEqual(["failed", "succeeded"]);
  });

  it("moves succeeded → reversed when Juspay auto-refunds the late success", async () => {
    const orderId = newOrderId("auto");
    await registerOrder(orderId, 50000);
    await simOrder(orderId, { amount: "500", status: "CHARGED" });
    expect((await getOrder(orderId, true)).status).toBe("succeeded");
    await simSet(orderId, { status: "AUTO_REFUNDED" });
    expect(await getOrder(orderId, true)).toMatchObject({ status: "reversed", gateway_status: "AUTO_REFUNDED" });
  });

  it("moves a pending order straight to reversed when the late success was never seen", async () => {
    const orderId = newOrderId("auto");
    await registerOrder(orderId, 50000);
    await simOrder(orderId, { amount: "500", status: "PENDING_VBV" });
    expect((await getOrder(orderId, true)).status).toBe("pending");
    await simSet(orderId, { status: "AUTO_REFUNDED" });
    expect((await getOrder(orderId, true)).status).toBe("reversed");
  });

  it("never moves succeeded back to failed", async () => {
    const orderId = newOrderId("back");
    await registerOrder(orderId, 10000);
    await simOrder(orderId, { status: "CHARGED" });
    expect((await getOrder(orderId, true)).status).toBe("succeeded");
    await simSet(orderId, { status: "AUTHORIZATION_FAILED" });
    expect((await getOrder(orderId, true)).status).toBe("succeeded");
  });

  it("keeps a pre-auth AUTHORIZED order pending until it is captured", async () => {
    const orderId = newOrderId("auth");
    await registerOrder(orderId, 10000);
    await simOrder(orderId, { status: "AUTHORIZED" });
    expect((await getOrder(orderId, true)).status).toBe("pending");
    await simSet(orderId, { status: "CAPTURE_INITIATED" });
    expect((await getOrder(orderId, true)).status).toBe("pending");
    await simSet(orderId, { status: "CHARGED" });
    expect((await getOrder(orderId, true)).status).toBe("succeeded");
  });
});

describe("amount checks on Order Status", () => {
  it("flags requires_review and never succeeds when the charged amount differs from the registered one", async () => {
    const orderId = newOrderId("amt");
    await registerOrder(orderId, 100000);
    await simOrder(orderId, { amount: "1000.01", status: "CHARGED" });
    const order = await getOrder(orderId, true);
    expect(order).toMatchObject({ requires_review: true, review_reason: "amount_mismatch" });
    expect(order.status).not.toBe("succeeded");
    expect((await getOrder(orderId, true)).status).not.toBe("succeeded");
  });

  it("converts rupee amounts exactly (1234.5 → 123450 paise)", async () => {
    const orderId = newOrderId("amt");
    await registerOrder(orderId, 123450);
    await simOrder(orderId, { amount: "1234.50", status: "CHARGED" });
    expect(await getOrder(orderId, true)).toMatchObject({ status: "succeeded", requires_review: false });
  });
});

describe("facts surfaced in details", () => {
  it("shows the transaction, error codes and refund totals, but no card data", async () => {
    const orderId = newOrderId("det");
    await simOrder(orderId, { amount: "10", status: "AUTHENTICATION_FAILED" });
    const order = await getOrder(orderId, true);
    expect(order.details).toMatchObject({
      status_id: 26,
      txn_id: expect.stringContaining(orderId),
      payment_method_type: "CARD",
      error_code: "JP_101",
      error_message: expect.any(String),
      refunded: false,
      amount_refunded: 0,
      mandate: null,
    });
    expect(JSON.stringify(order)).not.toMatch(/last_four|card_isin|411111/);
    expect(order.gateway_reference).toMatch(/^ordeh_/);
  });

  it("surfaces the mandate block of a mandate order through the ordinary order route", async () => {
    const orderId = newOrderId("mnd");
    await simOrder(orderId, { amount: "1", status: "CHARGED", customer_id: "cust_m1" });
    await simMandate({ customer_id: "cust_m1", mandate_id: `mnd${orderId}`, order_id: orderId, max_amount: "2500" });
    const order = await getOrder(orderId, true);
    expect(order.details.mandate).toEqual({
      mandate_id: `mnd${orderId}`,
      mandate_status: "ACTIVE",
      mandate_type: "EMANDATE",
      frequency: "MONTHLY",
      start_date: "1767225600",
      end_date: "1924992000",
      max_amount: 250000,
      amount_rule: "VARIABLE",
    });
  });
});
