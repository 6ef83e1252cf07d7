/**
 * One driver per gateway for the shared refund contract suite (`contract.test.ts`): how to get a paid order that
 * checkpost knows, how many refund calls the simulated gateway received for it, and how the gateway settles a
 * refund. Everything goes through the public API and the simulator's control routes.
 */
import { expect } from "vitest";
import type { GatewayId } from "../../src/core/model";
import { api, sim, uniqueOrderId } from "../helpers";
import { configureJuspaySim, simOrder, simSet } from "../juspay/support";

export interface RefundDriver {
  readonly gateway: GatewayId;
  /** A fault-rule path that matches only this gateway's refund-create call. */
  readonly refundPath: string;
  paidOrder(amount: number): Promise<string>;
  refundCalls(orderId: string): Promise<number>;
  settle(
    orderId: string,
    refund: { gateway_refund_id: string; gateway_reference: string | null },
    to: "succeeded" | "failed",
  ): Promise<void>;
}

async function control(gateway: GatewayId, path: string, json: unknown): Promise<any> {
  const res = await sim(`/__control/${gateway}${path}`, { method: "POST", json });
  expect(res.status, `sim ${gateway}${path}`).toBe(200);
  return res.json();
}

async function settleInCheckpost(gateway: GatewayId, orderId: string): Promise<void> {
  const res = await api(`/v1/orders/${gateway}/${orderId}?refresh=true`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe("succeeded");
}

async function calls(gateway: GatewayId, path: string, orderId: string): Promise<number> {
  const recorded: { method: string; path: string; body: string }[] = await (
    await sim(`/__control/calls?gateway=${gateway}&path=${encodeURIComponent(path)}`)
  ).json();
  return recorded.filter((c) => c.method === "POST" && (c.path.includes(orderId) || c.body.includes(orderId))).length;
}

function safeId(prefix: string): string {
  return uniqueOrderId(prefix).replace(/[^A-Za-z0-9_-]/g, "_");
}

export const DRIVERS: readonly RefundDriver[] = [
  {
    gateway: "juspay",
    refundPath: "/refunds",
    async paidOrder(amount) {
      await configureJuspaySim();
      const orderId = safeId("jr");
      await simOrder(orderId, { amount: (amount / 100).toFixed(2), status: "CHARGED" });
      await api("/v1/orders", {
        method: "POST",
        json: { gateway: "juspay", order_id: orderId, amount, currency: "INR", register_only: true },
      });
      await settleInCheckpost("juspay", orderId);
      return orderId;
    },
    refundCalls: (orderId) => calls("juspay", "/refunds", orderId),
    async settle(orderId, _refund, to) {
      // The simulated Juspay settles pending refunds on the next status read (juspay.md §5: queued, then settled).
      await simSet(orderId, { refund_outcome: to === "succeeded" ? "SUCCESS" : "FAILURE" });
    },
  },
  {
    gateway: "phonepe",
    refundPath: "/payments/v2/refund",
    async paidOrder(amount) {
      const orderId = safeId("pr");
      const res = await api("/v1/orders", {
        method: "POST",
        json: { gateway: "phonepe", order_id: orderId, amount, currency: "INR" },
      });
      expect(res.status).toBe(201);
      await control("phonepe", `/orders/${orderId}/outcome`, { state: "COMPLETED" });
      await settleInCheckpost("phonepe", orderId);
      return orderId;
    },
    refundCalls: (orderId) => calls("phonepe", "/payments/v2/refund", orderId),
    async settle(_orderId, refund, to) {
      await control("phonepe", `/refunds/${refund.gateway_refund_id}/outcome`, {
        state: to === "succeeded" ? "COMPLETED" : "FAILED",
      });
    },
  },
  {
    gateway: "nimbbl",
    refundPath: "/v3/refund",
    async paidOrder(amount) {
      const orderId = safeId("nr");
      const res = await api("/v1/orders", {
        method: "POST",
        json: { gateway: "nimbbl", order_id: orderId, amount, currency: "INR" },
      });
      expect(res.status).toBe(201);
      await control("nimbbl", `/orders/${orderId}/outcome`, { outcome: "success" });
      await settleInCheckpost("nimbbl", orderId);
      return orderId;
    },
    refundCalls: (orderId) => calls("nimbbl", "/v3/refund", orderId),
    async settle(_orderId, refund, to) {
      await control("nimbbl", `/refunds/${refund.gateway_reference ?? ""}/outcome`, { status: to });
    },
  },
];
