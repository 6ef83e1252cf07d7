/** Examples for `/openapi.json` (generator only). The tests parse each with its schema, so they stay true. */

const order = {
  gateway: "phonepe",
  order_id: "ord_1001",
  status: "succeeded",
  amount: 49_900,
  currency: "INR",
  amount_verified: true,
  requires_review: false,
  review_reason: null,
  gateway_status: "COMPLETED",
  gateway_reference: "OMO2412011200001",
  customer: { id: "cust_42", email: "asha@example.com" },
  description: "Order 1001",
  metadata: { cart: "c_77" },
  details: {},
  expires_at: "2026-12-01T12:20:00.000Z",
  sequence: 2,
  created_at: "2026-12-01T12:00:00.000Z",
  updated_at: "2026-12-01T12:01:10.000Z",
};

const refund = {
  refund_id: "rf_1",
  gateway_refund_id: "rf_1",
  gateway_reference: null,
  amount: 10_000,
  currency: "INR",
  status: "pending",
  gateway_status: "PENDING",
  reason: "Customer returned one item",
  origin: "api",
  failure_code: null,
  requires_review: false,
  review_reason: null,
  created_at: "2026-12-01T13:00:00.000Z",
  updated_at: "2026-12-01T13:00:00.000Z",
};

/** By component name. */
export const EXAMPLES: Readonly<Record<string, unknown>> = {
  Order: order,
  Refund: refund,
  CreatedOrder: {
    order: { ...order, status: "created", amount_verified: false, gateway_status: null, sequence: 0 },
    next_action: { type: "redirect", url: "https://mercury-uat.phonepe.com/transact/pg?token=example" },
  },
  Problem: {
    type: "urn:checkpost:problem:refund_exceeds_available",
    title: "Refund exceeds available",
    status: 422,
    code: "refund_exceeds_available",
    request_id: "3f2a9c1e-5b7d-4e0a-9d61-0c8e2b4f7a10",
  },
  Health: {
    ok: true,
    gateways: { juspay: { enabled: true }, phonepe: { enabled: true }, nimbbl: { enabled: false } },
    problems: [],
  },
};

/** Request bodies, by operationId. */
export const REQUEST_EXAMPLES: Readonly<Record<string, unknown>> = {
  createOrder: {
    gateway: "phonepe",
    order_id: "ord_1001",
    amount: 49_900,
    currency: "INR",
    customer: { id: "cust_42", email: "asha@example.com" },
    description: "Order 1001",
    metadata: { cart: "c_77" },
  },
  createRefund: { amount: 10_000, reason: "Customer returned one item" },
  markRefundFailed: { note: "Checked the gateway dashboard: no such refund" },
};
