/** Shared helpers for the reliability suite: settings overrides, order snapshots, the outbox and the order's alarm. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { GatewayId } from "../../src/core/model";
import { acceptedCount, merchantEvents, runAlarmsUntil } from "../events/support";
import { api, callWithEnv, objectOf, type OrderObject } from "../helpers";

/** Outbound calls time out after this long in the fault tests (`GATEWAY_TIMEOUT_MS`). */
export const SHORT_TIMEOUT_MS = 200;

/** The Worker with a short gateway timeout, so timeouts and slow bodies show within a test's budget. */
export function callShort(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  return callWithEnv({ GATEWAY_TIMEOUT_MS: String(SHORT_TIMEOUT_MS) }, path, init);
}

/** The unified order with its refunds, as `GET /v1/orders/:gateway/:order_id` shows it (no gateway call). */
export async function orderView(gateway: GatewayId, orderId: string): Promise<any> {
  const res = await api(`/v1/orders/${gateway}/${orderId}`);
  expect(res.status).toBe(200);
  return res.json();
}

export async function auditTrail(gateway: GatewayId, orderId: string): Promise<any[]> {
  const res = await api(`/v1/orders/${gateway}/${orderId}/events?limit=200`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: any[] }).data;
}

/** Runs the order's alarm now; true when one was armed. */
export function runAlarm(gateway: GatewayId, orderId: string): Promise<boolean> {
  return runDurableObjectAlarm(objectOf(gateway, orderId));
}

/** Runs the alarm until `done` holds (at most `max` runs); fails the test otherwise. */
export async function alarmUntil(
  gateway: GatewayId,
  orderId: string,
  done: () => Promise<boolean>,
  max = 5,
): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await done()) return;
    await runAlarm(gateway, orderId);
  }
  expect(await done(), `not settled after ${max} alarm runs`).toBe(true);
}

export interface OutboxEvent {
  readonly sequence: number;
  readonly type: string;
  /** The order's `sequence` as the event's data carries it. */
  readonly orderSequence: number;
}

/** The merchant events the order queued, in sequence order (read from its Durable Object's outbox). */
export function outbox(gateway: GatewayId, orderId: string): Promise<OutboxEvent[]> {
  return runInDurableObject(objectOf(gateway, orderId), (_o: OrderObject, state) =>
    state.storage.sql
      .exec("SELECT sequence, type, data FROM outbox ORDER BY sequence")
      .toArray()
      .map((row) => ({
        sequence: Number(row["sequence"]),
        type: row["type"] as string,
        orderSequence: (JSON.parse(row["data"] as string) as { order: { sequence: number } }).order.sequence,
      })),
  );
}

/** One event per change, in order: sequences 1…n without gaps, each carrying the order's sequence at that change. */
export function expectOrderedEvents(events: readonly OutboxEvent[]): void {
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  for (const e of events) expect(e.orderSequence).toBe(e.sequence);
}

/**
 * What the merchant's backend (the simulator's receiver) accepted for the order, once the order's deliveries have
 * run: each event once, in sequence order, with the types the outbox holds (product.md §4).
 */
export async function expectMerchantReceived(gateway: GatewayId, orderId: string, types: readonly string[]) {
  await runAlarmsUntil(gateway, orderId, acceptedCount(orderId, types.length));
  const accepted = await merchantEvents(orderId, true);
  expect(accepted.map((e) => e.sequence)).toEqual(types.map((_, i) => i + 1));
  expect(accepted.map((e) => e.type)).toEqual([...types]);
  expect(new Set(accepted.map((e) => e.webhook_id)).size).toBe(types.length);
}
