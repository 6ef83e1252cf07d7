/** The order's row written once per transaction (storage/order/record.ts `withOrderRow`). */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newOrder } from "../../src/core/order";
import { loadOrder, loadPoll, saveOrder, savePoll, withOrderRow } from "../../src/storage/order/record";
import { objectOf, type OrderObject, uniqueOrderId } from "../helpers";

/** The object's SQLite, with every statement that writes `order_doc` counted. */
function counted(sql: SqlStorage): { sql: SqlStorage; writes: () => number } {
  let writes = 0;
  const exec = (query: string, ...bindings: unknown[]) => {
    if (/^(INSERT|UPDATE|DELETE).*order_doc/i.test(query)) writes++;
    return sql.exec(query, ...bindings);
  };
  return { sql: { exec } as unknown as SqlStorage, writes: () => writes };
}

describe("the order's row", () => {
  it("is written once at the end of a transaction however often the order and its poll change, and read back from the draft inside it", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("row")), (_o: OrderObject, state) => {
      const { sql, writes } = counted(state.storage.sql);
      const order = newOrder("juspay", "row_1", 1);
      state.storage.transactionSync(() =>
        withOrderRow(sql, () => {
          saveOrder(sql, order);
          savePoll(sql, '{"due":1}');
          saveOrder(sql, { ...order, amount: 500 });
          expect(loadOrder(sql)?.amount).toBe(500);
          expect(loadPoll(sql)).toBe('{"due":1}');
          expect(writes()).toBe(0);
        }),
      );
      expect(writes()).toBe(1);
      expect(loadOrder(state.storage.sql)?.amount).toBe(500);
      expect(loadPoll(state.storage.sql)).toBe('{"due":1}');
    });
  });

  it("is not written when the transaction's work throws", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("row")), (_o: OrderObject, state) => {
      const { sql, writes } = counted(state.storage.sql);
      expect(() =>
        state.storage.transactionSync(() =>
          withOrderRow(sql, () => {
            saveOrder(sql, newOrder("juspay", "row_2", 1));
            throw new Error("rolled back");
          }),
        ),
      ).toThrow("rolled back");
      expect(writes()).toBe(0);
      expect(loadOrder(state.storage.sql)).toBeNull();
    });
  });

  it("keeps a poll only with an order: a poll planned where none is held writes nothing", async () => {
    await runInDurableObject(objectOf("juspay", uniqueOrderId("row")), (_o: OrderObject, state) => {
      const { sql, writes } = counted(state.storage.sql);
      state.storage.transactionSync(() => withOrderRow(sql, () => savePoll(sql, '{"due":1}')));
      expect(writes()).toBe(0);
      expect(loadPoll(state.storage.sql)).toBeNull();
    });
  });
});
