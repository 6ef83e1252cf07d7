/**
 * The order index in D1 (product.md §1 and §2): each order's object projects its row after its own commits;
 * `GET /v1/orders` lists them with filters and keyset cursors, `GET /v1/summary` counts them. The index is local D1
 * in workerd, with the schema of migrations/ (test/setup.ts); D1 being down is a real failure (its table dropped).
 */
import { applyD1Migrations, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { getMeta } from "../../src/storage/order/schema";
import { describe, expect, it } from "vitest";
import { DRIVERS } from "../drivers";
import { api, expectProblem, objectOf, uniqueOrderId, type OrderObject } from "../helpers";
import { upsertIndexRow, type IndexRow } from "../../src/storage/order-index";

const register = async (orderId: string, amount = 10_000, gateway = "phonepe") => {
  const res = await api("/v1/orders", {
    method: "POST",
    json: { gateway, order_id: orderId, amount, currency: "INR", register_only: true },
  });
  expect(res.status, `register ${orderId}`).toBe(201);
};

async function list(query: string): Promise<{ data: any[]; next_cursor: string | null }> {
  const res = await api(`/v1/orders?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** Polls until `ok` holds, for at most 5 s (the index's promise): returns how long it took. */
async function within5s(ok: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > 5000) throw new Error("not shown in the index within 5 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

const row = (over: Partial<IndexRow> & Pick<IndexRow, "order_id" | "created_at">): IndexRow => ({
  gateway: "juspay",
  version: 1,
  status: "succeeded",
  amount: 100,
  currency: "INR",
  requires_review: 0,
  review_reason: null,
  refunds_in_review: 0,
  refunded_amount: 0,
  gateway_status: "CHARGED",
  sequence: 1,
  updated_at: over.created_at,
  ...over,
});

describe("the order index", () => {
  it("lists a registered order within 5 seconds, then its payment once it succeeds", async () => {
    const driver = DRIVERS.phonepe;
    const id = await driver.paidOrder(12_345);
    await within5s(async () => (await list(`q=${id}`)).data[0]?.status === "succeeded");
    const [listed] = (await list(`q=${id}`)).data;
    expect(listed).toMatchObject({
      gateway: "phonepe",
      order_id: id,
      status: "succeeded",
      amount: 12_345,
      currency: "INR",
      requires_review: false,
      refunded_amount: 0,
    });
    expect(Date.parse(listed.created_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("shows a refund in the order's row once the gateway settles it", async () => {
    const driver = DRIVERS.phonepe;
    const id = await driver.paidOrder(10_000);
    const res = await api(`/v1/orders/phonepe/${id}/refunds`, {
      method: "POST",
      headers: { "idempotency-key": `k-index-${id}` },
      json: { amount: 2_500 },
    });
    expect(res.status).toBe(201);
    const refund: any = await res.json();
    await driver.settleRefund(id, refund, "succeeded");
    await runDurableObjectAlarm(objectOf("phonepe", id));
    await within5s(async () => (await list(`q=${id}`)).data[0]?.refunded_amount === 2_500);
    const [listed] = (await list(`q=${id}`)).data;
    expect(listed).toMatchObject({
      status: "succeeded",
      amount: 10_000,
      refunded_amount: 2_500,
      requires_review: false,
    });
  });

  it("filters by status, gateway, review and creation time; q is an id prefix with LIKE wildcards taken literally", async () => {
    const base = Date.UTC(2020, 0, 1);
    const p = uniqueOrderId("flt");
    const rows = [
      row({ order_id: `${p}_a`, created_at: base, status: "succeeded" }),
      row({ order_id: `${p}_b`, created_at: base + 1000, status: "failed", gateway: "nimbbl" }),
      row({ order_id: `${p}_c`, created_at: base + 2000, status: "pending", requires_review: 1, review_reason: "x" }),
      row({ order_id: `${p}Xc`, created_at: base + 3000, status: "pending" }),
    ];
    for (const r of rows) await upsertIndexRow(env.DB, r);
    const ids = async (q: string) => (await list(`q=${p}&${q}`)).data.map((o) => o.order_id);
    expect(await ids("")).toEqual([`${p}Xc`, `${p}_c`, `${p}_b`, `${p}_a`]);
    expect(await ids("status=pending")).toEqual([`${p}Xc`, `${p}_c`]);
    expect(await ids("gateway=nimbbl")).toEqual([`${p}_b`]);
    expect(await ids("requires_review=true")).toEqual([`${p}_c`]);
    expect(await ids("requires_review=false&status=pending")).toEqual([`${p}Xc`]);
    const from = new Date(base + 1000).toISOString();
    const to = new Date(base + 3000).toISOString();
    expect(await ids(`created_from=${from}&created_to=${to}`)).toEqual([`${p}_c`, `${p}_b`]);
    // `_` in q is a literal underscore, not "any character": `${p}_` does not match `${p}Xc`.
    expect((await list(`q=${p}_`)).data.map((o) => o.order_id)).toEqual([`${p}_c`, `${p}_b`, `${p}_a`]);
  });

  it("pages newest first without skipping or repeating an order while new ones arrive", async () => {
    const p = uniqueOrderId("page");
    const start = Date.UTC(2021, 5, 1);
    // Ten orders, two of them created in the same millisecond (the key breaks the tie by gateway and id).
    for (let i = 0; i < 10; i++) {
      await upsertIndexRow(env.DB, row({ order_id: `${p}_${i}`, created_at: start + Math.min(i, 8) * 1000 }));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let added = 0;
    do {
      const page: { data: any[]; next_cursor: string | null } = await list(
        `q=${p}&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.data.map((o) => o.order_id));
      cursor = page.next_cursor;
      // Meanwhile, newer orders arrive.
      await upsertIndexRow(env.DB, row({ order_id: `${p}_new${added++}`, created_at: start + 60_000 + added }));
    } while (cursor);
    expect(seen).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"].map((i) => `${p}_${i}`));
  });

  it("refuses a cursor that was altered, or used with other filters, with 400", async () => {
    const p = uniqueOrderId("cur");
    for (let i = 0; i < 3; i++) await upsertIndexRow(env.DB, row({ order_id: `${p}_${i}`, created_at: 1000 + i }));
    const { next_cursor } = await list(`q=${p}&limit=1`);
    expect(next_cursor).toBeTypeOf("string");
    const cursor = next_cursor ?? "";
    expect((await list(`q=${p}&limit=1&cursor=${cursor}`)).data[0].order_id).toBe(`${p}_1`);
    const decoded = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    decoded[0] = 5000; // another position, same shape
    const forged = btoa(JSON.stringify(decoded)).replace(/=+$/, "");
    for (const bad of [forged, "bm90LWEtY3Vyc29y", "!!!", `${cursor}x`]) {
      await expectProblem(await api(`/v1/orders?q=${p}&cursor=${bad}`), 400, "invalid_request");
    }
    await expectProblem(await api(`/v1/orders?q=${p}&status=failed&cursor=${cursor}`), 400, "invalid_request");
  });

  it("refuses bad filters with 400", async () => {
    for (const q of [
      "status=paid",
      "gateway=stripe",
      "requires_review=yes",
      "created_from=yesterday",
      "created_to=2026-13-45",
      "limit=0",
      "limit=101",
      "q=a%25b",
    ]) {
      await expectProblem(await api(`/v1/orders?${q}`), 400, "invalid_request");
    }
    for (const q of ["bucket=week", "from=2026-01-02&to=2026-01-01", "from=2026-01-01&to=2026-03-01&bucket=hour"]) {
      await expectProblem(await api(`/v1/summary?${q}`), 400, "invalid_request");
    }
  });

  it("summarises counts and amounts per currency by status, gateway and hour, empty hours included", async () => {
    const h = Date.UTC(2022, 2, 3, 10);
    const p = uniqueOrderId("sum");
    const rows = [
      row({ order_id: `${p}_1`, created_at: h + 60_000, amount: 1000 }),
      row({ order_id: `${p}_2`, created_at: h + 120_000, amount: 2500, gateway: "phonepe" }),
      row({ order_id: `${p}_3`, created_at: h + 3 * 3_600_000, amount: 700, status: "failed" }),
      row({ order_id: `${p}_4`, created_at: h + 3 * 3_600_000 + 5, amount: 900, currency: "USD", status: "failed" }),
      row({ order_id: `${p}_5`, created_at: h + 5 * 3_600_000, amount: 1 }), // outside [from, to)
    ];
    for (const r of rows) await upsertIndexRow(env.DB, r);
    const res = await api(
      `/v1/summary?from=${new Date(h).toISOString()}&to=${new Date(h + 4 * 3_600_000).toISOString()}`,
    );
    expect(res.status).toBe(200);
    const s: any = await res.json();
    expect(s.bucket).toBe("hour");
    expect(s.total).toEqual({ count: 4, amount: { INR: 4200, USD: 900 } });
    expect(s.by_status.succeeded).toEqual({ count: 2, amount: { INR: 3500 } });
    expect(s.by_status.failed).toEqual({ count: 2, amount: { INR: 700, USD: 900 } });
    expect(s.by_gateway.phonepe).toMatchObject({ count: 1, by_status: { succeeded: { count: 1 } } });
    expect(s.by_gateway.juspay.by_status.failed.count).toBe(2);
    expect(s.buckets.map((b: any) => [b.start, b.count])).toEqual([
      [new Date(h).toISOString(), 2],
      [new Date(h + 3_600_000).toISOString(), 0],
      [new Date(h + 2 * 3_600_000).toISOString(), 0],
      [new Date(h + 3 * 3_600_000).toISOString(), 2],
    ]);
    const days: any = await (
      await api(`/v1/summary?bucket=day&from=${new Date(h).toISOString()}&to=${new Date(h + 86_400_000).toISOString()}`)
    ).json();
    expect(days.buckets.map((b: any) => b.count)).toEqual([5, 0]);
  });

  it("never moves a row backwards: an older version of an order's row leaves the newer one in place", async () => {
    const id = uniqueOrderId("ver");
    await upsertIndexRow(env.DB, row({ order_id: id, created_at: 5, version: 7, status: "succeeded" }));
    await upsertIndexRow(env.DB, row({ order_id: id, created_at: 5, version: 6, status: "pending" }));
    await upsertIndexRow(env.DB, row({ order_id: id, created_at: 5, version: 7, status: "failed" }));
    expect((await list(`q=${id}`)).data[0].status).toBe("succeeded");
    await upsertIndexRow(env.DB, row({ order_id: id, created_at: 5, version: 8, status: "reversed" }));
    expect((await list(`q=${id}`)).data[0].status).toBe("reversed");
  });

  it("keeps taking orders while D1 is down, answers the listing with 503, and catches up from the alarm", async () => {
    const id = uniqueOrderId("down");
    await env.DB.exec("DROP TABLE orders");
    try {
      await register(id, 4_200);
      const got = await api(`/v1/orders/phonepe/${id}`);
      expect(got.status).toBe(200);
      expect(((await got.json()) as any).amount).toBe(4_200);
      await expectProblem(await api(`/v1/orders?q=${id}`), 503, "index_unavailable");
      await expectProblem(await api(`/v1/summary`), 503, "index_unavailable");
      // The failed write leaves the object's alarm armed to retry it.
      await within5s(async () =>
        runInDurableObject(objectOf("phonepe", id), async (_o: OrderObject, state) => {
          const armed = await state.storage.getAlarm();
          return armed !== null && getMeta(state.storage.sql, "indexed") === null;
        }),
      );
    } finally {
      await env.DB.exec("DELETE FROM d1_migrations");
      await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    }
    expect((await list(`q=${id}`)).data).toEqual([]);
    // The retry is due a few seconds after the failure; the test harness runs it now (or it already ran).
    await runDurableObjectAlarm(objectOf("phonepe", id));
    await within5s(async () => (await list(`q=${id}`)).data.length === 1);
    expect((await list(`q=${id}`)).data[0]).toMatchObject({ order_id: id, status: "created", amount: 4_200 });
  });
});
