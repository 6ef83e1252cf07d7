/**
 * Registering a Juspay mandate with `POST /v1/orders` (`mandate: {…}`, juspay.md §12): the session's mandate fields,
 * the refusals before anything is stored, and the mandate's object filled from the registration order's confirmed
 * Order Status.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, gatewayCalls } from "../helpers";
import { configureJuspaySim, newOrderId } from "./support";
import {
  activeMandate,
  approveMandate,
  createMandateOrder,
  eventually,
  getMandate,
  MANDATE,
  mandateEvents,
} from "./mandate-support";

beforeAll(configureJuspaySim);

describe("registration", () => {
  it("sends options.create_mandate and the mandate fields as exact rupee strings to the session API", async () => {
    const { orderId, customer } = await createMandateOrder({
      mandate: { ...MANDATE, start_date: 1_767_225_600, rule_type: "ON", rule_value: 5, block_funds: false },
    });
    const [session] = await gatewayCalls("juspay", "/session").then((c) => c.filter((x) => x.body.includes(orderId)));
    const body = JSON.parse(session?.body ?? "{}");
    expect(body).toMatchObject({
      order_id: orderId,
      amount: "1.00",
      customer_id: customer,
      "options.create_mandate": "REQUIRED",
      "mandate.max_amount": "999.00",
      "mandate.amount_rule": "VARIABLE",
      "mandate.frequency": "MONTHLY",
      "mandate.start_date": "1767225600",
      "mandate.rule_type": "ON",
      "mandate.rule_value": "5",
      "mandate.block_funds": false,
    });
    expect(body).not.toHaveProperty("mandate.end_date");
  });

  it("sends the order amount as mandate.max_amount for FIXED and OPTIONAL when the mandate is not required", async () => {
    const { orderId } = await createMandateOrder({
      mandate: { max_amount: 100, amount_rule: "FIXED", frequency: "ONETIME", required: false },
    });
    const calls = await gatewayCalls("juspay", "/session");
    const body = JSON.parse(calls.find((c) => c.body.includes(orderId))?.body ?? "{}");
    expect(body).toMatchObject({ "options.create_mandate": "OPTIONAL", "mandate.max_amount": "1.00" });
  });

  it.each([
    ["without a customer id", { customer: undefined }],
    ["on another gateway", { gateway: "phonepe" }],
    ["with register_only", { register_only: true }],
    ["FIXED with max_amount other than amount", { mandate: { ...MANDATE, amount_rule: "FIXED" } }],
    ["VARIABLE with max_amount under amount", { mandate: { ...MANDATE, max_amount: 50 } }],
    ["rule_type on ASPRESENTED", { mandate: { ...MANDATE, frequency: "ASPRESENTED", rule_type: "ON", rule_value: 1 } }],
    ["rule_value 8 on WEEKLY", { mandate: { ...MANDATE, frequency: "WEEKLY", rule_type: "ON", rule_value: 8 } }],
    ["an unknown frequency", { mandate: { ...MANDATE, frequency: "HOURLY" } }],
    ["end_date before start_date", { mandate: { ...MANDATE, start_date: 1_800_000_000, end_date: 1_700_000_000 } }],
  ])("answers 400 and stores nothing for a mandate %s", async (_name, extra) => {
    const orderId = newOrderId("mv");
    const json = {
      gateway: "juspay",
      order_id: orderId,
      amount: 100,
      currency: "INR",
      customer: { id: "cust_v" },
      mandate: MANDATE,
      ...extra,
    };
    await expectProblem(await api("/v1/orders", { method: "POST", json }), 400, "invalid_request");
    const gateway = (extra as { gateway?: string }).gateway ?? "juspay";
    await expectProblem(await api(`/v1/orders/${gateway}/${orderId}`), 404, "order_not_found");
    expect((await gatewayCalls("juspay", "/session")).some((c) => c.body.includes(orderId))).toBe(false);
  });
});

describe("the mandate's object, from the registration order", () => {
  it("takes the mandate from the order's confirmed Order Status and sends one mandate.activated", async () => {
    const { mandateId, customer, orderId } = await activeMandate();
    const { body } = await getMandate(mandateId);
    expect(body).toMatchObject({
      mandate_id: mandateId,
      status: "ACTIVE",
      max_amount: 99_900,
      frequency: "MONTHLY",
      amount_rule: "VARIABLE",
      customer_id: customer,
      order_id: orderId,
    });
    const events = await eventually(
      () => mandateEvents(mandateId),
      (e) => e.length >= 1,
    );
    expect(events.map((e) => [e.type, e.sequence])).toEqual([["mandate.activated", 1]]);
    const data = JSON.parse(events[0]?.body ?? "{}");
    expect(data.data.mandate).toMatchObject({ mandate_id: mandateId, status: "ACTIVE" });
    expect(events[0]?.body).not.toMatch(/mandate_token|mtk_|mdt_/);
  });

  it("answers 404 for a mandate checkpost never confirmed", async () => {
    await expectProblem(await api(`/v1/juspay/mandates/mnd_nobody${newOrderId()}`), 404, "mandate_not_found");
  });

  it("does not take a mandate from a registration order that is not yet approved", async () => {
    const { orderId } = await createMandateOrder();
    expect((await api(`/v1/orders/juspay/${orderId}?refresh=true`)).status).toBe(200);
    const mandateId = await approveMandate(orderId, { mandate_id: `mnd_${orderId}` });
    // Approved at Juspay, but no status call since: checkpost does not know it yet.
    expect((await getMandate(mandateId)).status).toBe(404);
  });
});
