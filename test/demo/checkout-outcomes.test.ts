/**
 * The simulated checkout pages (sim/src/checkout.ts) offer the same five outcomes on every gateway, and checkpost's
 * return leg reports each one as the gateway then confirms it server-to-server. The browser's steps are replayed
 * with fetch: open the page, post a choice, follow the gateway's redirect into checkpost. The outcomes that settle
 * later do so after `SIM_SETTLE_MS` (1 s in vitest.config.ts).
 */
import { describe, expect, it } from "vitest";
import { GATEWAY_IDS, type GatewayId } from "../../src/core/model";
import { TEST_BINDINGS } from "../bindings";
import { DRIVERS } from "../drivers";
import { api, call, uniqueOrderId } from "../helpers";

const OUTCOMES = ["success", "failure", "pending_then_success", "late_success", "cancel"] as const;

/** What checkpost reports on the return, and (for the late outcomes) once the gateway settles. */
const EXPECTED: Record<(typeof OUTCOMES)[number], { now: Record<GatewayId, string>; later?: string }> = {
  success: { now: { juspay: "succeeded", phonepe: "succeeded", nimbbl: "succeeded" } },
  failure: { now: { juspay: "failed", phonepe: "failed", nimbbl: "failed" } },
  pending_then_success: { now: { juspay: "pending", phonepe: "pending", nimbbl: "pending" }, later: "succeeded" },
  late_success: { now: { juspay: "failed", phonepe: "failed", nimbbl: "failed" }, later: "succeeded" },
  // No attempt: Juspay's order stays NEW, PhonePe's PENDING, Nimbbl's `new` (seed 003's cancelled row).
  cancel: { now: { juspay: "created", phonepe: "pending", nimbbl: "created" } },
};

/** Creates the order through checkpost and returns the checkout page a browser would be sent to. */
async function checkoutUrl(gateway: GatewayId, orderId: string): Promise<string> {
  await DRIVERS[gateway].prepare();
  const res = await api("/v1/orders", {
    method: "POST",
    json: { gateway, order_id: orderId, amount: 49_900, currency: "INR" },
  });
  expect(res.status).toBe(201);
  const { next_action } = (await res.json()) as any;
  if (next_action.type === "redirect") return next_action.url;
  // Nimbbl: the checkout SDK opens the page for the order token.
  return `http://sim.test/nimbbl/checkout?token=${encodeURIComponent(next_action.payload.token)}`;
}

async function choose(page: string, outcome: string): Promise<Response> {
  return fetch(page, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `outcome=${outcome}`,
    redirect: "manual",
  });
}

async function statusAfter(gateway: GatewayId, orderId: string, wanted: string): Promise<string> {
  let status = "";
  for (let i = 0; i < 40 && status !== wanted; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const order = (await (await api(`/v1/orders/${gateway}/${orderId}?refresh=true`)).json()) as any;
    status = order.status;
  }
  return status;
}

/** A checkout page for an order the simulated gateway does not know. */
const UNKNOWN_CHECKOUT: Record<GatewayId, string> = {
  juspay: "http://sim.test/juspay/pay/no_such_order",
  phonepe: "http://sim.test/phonepe/checkout/page?order=no_such_order",
  nimbbl: "http://sim.test/nimbbl/checkout?token=ot_unknown",
};

describe.each(GATEWAY_IDS)("the simulated %s checkout", (gateway) => {
  it("shows the amount, the order and the five outcomes", async () => {
    const orderId = uniqueOrderId("co");
    const res = await fetch(await checkoutUrl(gateway, orderId));
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("₹499.00");
    expect(html).toContain(orderId);
    for (const outcome of OUTCOMES) expect(html).toContain(`name="outcome" value="${outcome}"`);
  });

  it.each(OUTCOMES)("returns through checkpost with what the gateway confirms for '%s'", async (outcome) => {
    const orderId = uniqueOrderId("co");
    const chosen = await choose(await checkoutUrl(gateway, orderId), outcome);
    expect(chosen.status).toBe(303);
    const back = chosen.headers.get("location") ?? "";
    expect(back.startsWith(`${TEST_BINDINGS.PUBLIC_BASE_URL}/return/${gateway}?`)).toBe(true);
    const res = await call(back, { redirect: "manual" });
    expect(res.status).toBe(303);
    const result = new URL(res.headers.get("location") ?? "").searchParams;
    expect(result.get("order_id")).toBe(orderId);
    expect(result.get("status")).toBe(EXPECTED[outcome].now[gateway]);
    expect(result.get("amount")).toBe("49900");
    const later = EXPECTED[outcome].later;
    if (later) expect(await statusAfter(gateway, orderId, later)).toBe(later);
  });

  it("refuses a checkout for an order it does not know", async () => {
    expect((await fetch(UNKNOWN_CHECKOUT[gateway])).status).toBe(404);
  });
});
