/** The order's row in the D1 index (storage/order/projection.ts) in a deployment without the `DB` binding. */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IndexWriter } from "../../src/storage/order/projection";
import { objectOf, order, type OrderObject, uniqueOrderId } from "../helpers";

describe("the order index writer", () => {
  it("without a DB binding writes nothing, logs nothing and asks the alarm for nothing", async () => {
    const ref = { gateway: "juspay" as const, orderId: uniqueOrderId("nodb") };
    const input = {
      amount: { minor: 100, currency: "INR" as const },
      customer: null,
      description: null,
      metadata: null,
    };
    await order(ref.gateway, ref.orderId).register(ref, input);
    await runInDurableObject(objectOf(ref.gateway, ref.orderId), async (_o: OrderObject, state) => {
      const logged: string[] = [];
      let armed = 0;
      const writer = new IndexWriter({
        sql: state.storage.sql,
        db: () => undefined as unknown as D1Database,
        log: () => ({ warn: (msg: string) => logged.push(msg) }) as never,
        arm: () => void armed++,
      });
      expect(writer.stale()).toBe(false);
      await writer.write();
      expect(logged).toEqual([]);
      expect(writer.dueAt()).toBeNull();
      expect(armed).toBe(1);
    });
  });
});
