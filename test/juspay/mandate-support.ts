/** Helpers for the Juspay mandate tests: registering a mandate through checkpost and the simulator. */
import { expect } from "vitest";
import { runDurableObjectAlarm } from "cloudflare:test";
import { api, objectOf, sim } from "../helpers";
import { merchantEvents } from "../events/support";
import { newOrderId } from "./support";

export const MANDATE = { max_amount: 99_900, amount_rule: "VARIABLE", frequency: "MONTHLY" } as const;

export async function createMandateOrder(
  extra: Record<string, unknown> = {},
): Promise<{ orderId: string; customer: string }> {
  const orderId = newOrderId("mo");
  const customer = `cust_${orderId}`;
  const res = await api("/v1/orders", {
    method: "POST",
    json: {
      gateway: "juspay",
      order_id: orderId,
      amount: 100,
      currency: "INR",
      customer: { id: customer },
      mandate: MANDATE,
      ...extra,
    },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return { orderId, customer };
}

/** The customer approves the mandate on the simulated checkout: the order is CHARGED with a mandate block. */
export async function approveMandate(orderId: string, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await sim(`/__control/juspay/orders/${orderId}/mandate`, { method: "POST", json: fields });
  expect(res.status).toBe(200);
  return ((await res.json()) as { mandate_id: string }).mandate_id;
}

/** Until `check()` holds (the registration order forwards its mandate block after its transaction). */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, tries = 50): Promise<T> {
  let value = await fn();
  for (let i = 0; i < tries && !check(value); i++) {
    await new Promise((r) => setTimeout(r, 20));
    value = await fn();
  }
  return value;
}

export async function getMandate(mandateId: string): Promise<{ status: number; body: any }> {
  const res = await api(`/v1/juspay/mandates/${mandateId}`);
  return { status: res.status, body: await res.json() };
}

/** A registered, ACTIVE mandate (confirmed through its registration order's Order Status). */
export async function activeMandate(): Promise<{ orderId: string; customer: string; mandateId: string }> {
  const { orderId, customer } = await createMandateOrder();
  const mandateId = await approveMandate(orderId);
  expect((await api(`/v1/orders/juspay/${orderId}?refresh=true`)).status).toBe(200);
  const m = await eventually(
    () => getMandate(mandateId),
    (r) => r.status === 200,
  );
  expect(m.body.status).toBe("ACTIVE");
  return { orderId, customer, mandateId };
}

export async function mandateWebhook(mandateId: string, fields: Record<string, unknown>): Promise<any> {
  const res = await sim(`/__control/juspay/mandates/${mandateId}/webhook`, { method: "POST", json: fields });
  expect(res.status).toBe(200);
  return res.json();
}

export const mandateEvents = (mandateId: string) => merchantEvents(`mandate:${mandateId}`, true);

export async function runMandateAlarm(mandateId: string): Promise<boolean> {
  return runDurableObjectAlarm(objectOf("juspay", `mandate:${mandateId}`));
}
