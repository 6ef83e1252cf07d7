/**
 * The routes `npm run bench` drives, each with the floor it is compared to (product.md §6):
 * `empty` for routes that only verify and answer (target ≥ 80 %), `do_write` for webhook ingest (target ≥ 70 %).
 * A scenario's `setup` prepares state through the API or the simulator and returns the autocannon request, plus an
 * optional `verify` run after the load (e.g. every acknowledged webhook is in its order's audit trail).
 */
const API_KEY = "dev-key-change-me";
const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };

async function registerOrder(base, gateway, orderId, amount = 10000) {
  const res = await fetch(`${base}/v1/orders`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ gateway, order_id: orderId, amount, currency: "INR", register_only: true }),
  });
  if (res.status >= 300) throw new Error(`register ${gateway}/${orderId}: ${res.status}`);
}

export const scenarios = [
  {
    name: "GET /healthz",
    floor: "empty",
    target: ">= 0.8",
    setup: async () => ({ request: { path: "/healthz" } }),
  },
  {
    name: "GET /v1/orders (wrong key → 401)",
    floor: "empty",
    target: ">= 0.8",
    setup: async () => ({
      request: { path: "/v1/orders/juspay/bench_1", headers: { authorization: "Bearer wrong" }, expectStatus: 401 },
    }),
  },
  {
    name: "GET /v1/orders/:gateway/:order_id",
    floor: "do_write",
    setup: async (base) => {
      await registerOrder(base, "juspay", "bench_get_1");
      return { request: { path: "/v1/orders/juspay/bench_get_1", headers: auth } };
    },
  },
];
