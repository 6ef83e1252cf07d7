/**
 * One driver per gateway: everything the suites that run over every gateway (refund contract, faults, concurrency,
 * fuzz, security) need to know about it. How to make an order exist and be paid at the simulated gateway, how the
 * customer's verified return leg and a signed webhook look, the fault-rule selectors of each server-to-server call,
 * how the gateway settles a refund, and the secrets and verifiers the security suites check. Everything goes through
 * checkpost's public routes and the simulator's control API; fixtures come from the simulator, which signs
 * independently of checkpost.
 *
 * `DRIVERS` is keyed by `GatewayId` with `satisfies`: a gateway added to `GATEWAY_IDS` without a driver here does not
 * compile, and every generic suite iterates `DRIVER_LIST` (or `GATEWAY_IDS`), so none can skip it silently.
 */
import { expect } from "vitest";
import { GATEWAY_IDS, type GatewayId } from "../src/core/model";
import { TEST_BINDINGS as B } from "./bindings";
import { api, gatewayCalls, sim, uniqueOrderId } from "./helpers";
import * as juspay from "./juspay/support";
import * as phonepe from "./phonepe/support";

/** Selects one outbound call at the simulator: a path substring and a method. */
export interface CallSelector {
  readonly path: string;
  readonly method: "GET" | "POST";
}

export interface RequestSpec {
  readonly path: string;
  readonly init: RequestInit;
}

/** A refund as checkpost's API shows it, as far as the gateway's simulator needs it to settle the refund. */
export interface RefundIds {
  readonly gateway_refund_id: string;
  readonly gateway_reference: string | null;
}

/** A request carrying a caller-supplied secret of the right length with one character wrong. */
export interface Forgery {
  /** What it carries, as the test names it ("a Juspay return signature"). */
  readonly what: string;
  /** At least this many constant-time comparisons are made before checkpost refuses it with 401. */
  readonly comparisons: number;
  make(): Promise<RequestSpec>;
}

export interface Driver {
  readonly gateway: GatewayId;

  // ---------------------------------------------------------------- orders
  /** An order id the gateway takes that no other test uses. */
  newOrderId(): string;
  /** Run once before a test uses the gateway (simulator dashboard settings). */
  prepare(): Promise<void>;
  /** The customer pays: the gateway now reports the order as paid. */
  pay(orderId: string): Promise<void>;
  /** A paid order checkpost knows as succeeded, for `amount` minor units. */
  paidOrder(amount: number): Promise<string>;

  // ---------------------------------------------------------------- what checkpost verifies
  /**
   * The browser's return leg for the order, verified by checkpost (signed by the simulator or carrying `t`), with
   * `extra` query parameters added: signed too where the gateway signs every parameter (Juspay), appended otherwise.
   */
  returnLeg(orderId: string, extra?: Readonly<Record<string, string>>): Promise<RequestSpec>;
  /** A signed webhook telling checkpost the order was paid, as the gateway would post it. */
  paidWebhook(orderId: string): Promise<RequestSpec>;
  /**
   * For gateways whose return leg carries a signed status: makes the payment fail, then succeed late, at the gateway
   * (the replayed "failed" return must not undo it). Null when the return leg carries no status.
   */
  readonly lateSuccess: { fail(orderId: string): Promise<void>; succeedLate(orderId: string): Promise<void> } | null;

  // ---------------------------------------------------------------- calls checkpost makes (fault rules, counts)
  readonly create: CallSelector;
  status(orderId: string): CallSelector;
  refund(orderId: string): CallSelector;
  refundStatus(orderId: string, gatewayRefundId: string): CallSelector;
  /** The token endpoint, for gateways whose calls need an access token; null when they need none. */
  readonly token: CallSelector | null;
  /** Makes every access token the gateway issued so far stop working (the next call must fetch a new one). */
  expireTokens(): Promise<void>;
  /** How many calls matching `selector` the gateway received for this order. */
  calls(selector: CallSelector, orderId: string): Promise<number>;
  /** Settles a refund at the gateway (checkpost learns it from its next status read). */
  settleRefund(orderId: string, refund: RefundIds, to: "succeeded" | "failed"): Promise<void>;
  /**
   * Set to false when the gateway's refund status cannot be read by checkpost's refund id alone, so a refund whose
   * create answer was lost cannot be tied to the gateway's own id (Nimbbl: enquiry entries carry no merchant refund
   * id, nimbbl.md §9). Such a refund stays pending and reserved (then goes to review), never failed, never re-sent.
   */
  readonly findsRefundById?: false;

  // ---------------------------------------------------------------- fuzz inputs
  /** The return-leg query parameter that carries its proof (signature, checkpost's token, signed response). */
  readonly returnProofParam: string;
  /** The `Authorization` a genuine webhook sender sends; null when the webhook body is signed instead. */
  webhookAuthorization(): Promise<string | null>;

  // ---------------------------------------------------------------- security
  /** The gateway's secrets from test/bindings.ts, and the credentials derived from them as they travel. */
  secrets(): Promise<string[]>;
  /** The verifier (path under src/) and the constant-time helpers of src/core/crypto.ts it must use. */
  readonly verifier: { readonly file: string; readonly helpers: readonly string[] };
  /** Every caller-supplied secret the gateway's routes check, forged. */
  readonly forgeries: readonly Forgery[];
}

async function control(path: string, json: unknown = {}): Promise<any> {
  const res = await sim(`/__control${path}`, { method: "POST", json });
  expect(res.status, `sim control ${path}`).toBe(200);
  return res.json();
}

async function recorded(gateway: GatewayId, selector: CallSelector, needle: string): Promise<number> {
  const calls = await gatewayCalls(gateway, selector.path);
  return calls.filter((c) => c.method === selector.method && `${c.path} ${c.query} ${c.body}`.includes(needle)).length;
}

/** Checkpost learns that the order is paid: a refresh (a status read) answers `succeeded`. */
async function settleInCheckpost(gateway: GatewayId, orderId: string): Promise<void> {
  const res = await api(`/v1/orders/${gateway}/${orderId}?refresh=true`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe("succeeded");
}

function safeId(prefix: string): string {
  return uniqueOrderId(prefix).replace(/[^A-Za-z0-9_-]/g, "_");
}

/** Same length, last character changed: only a constant-time comparison can tell. */
export function flip(value: string): string {
  return `${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`;
}

/** The leg with `extra` appended to its query (unsigned). */
function withQuery(spec: RequestSpec, extra: Readonly<Record<string, string>> | undefined): RequestSpec {
  if (!extra) return spec;
  const url = new URL(spec.path, "https://checkpost.test");
  for (const [name, value] of Object.entries(extra)) url.searchParams.append(name, value);
  return { path: `${url.pathname}${url.search}`, init: spec.init };
}

const juspayDriver: Driver = {
  gateway: "juspay",
  newOrderId: () => juspay.newOrderId("rl"),
  prepare: juspay.configureJuspaySim,
  async pay(orderId) {
    await control(`/juspay/orders/${orderId}/status`, { status: "CHARGED" });
  },
  async paidOrder(amount) {
    await juspay.configureJuspaySim();
    const orderId = safeId("jr");
    await juspay.simOrder(orderId, { amount: (amount / 100).toFixed(2), status: "CHARGED" });
    await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: orderId, amount, currency: "INR", register_only: true },
    });
    await settleInCheckpost("juspay", orderId);
    return orderId;
  },
  async returnLeg(orderId, extra) {
    // Juspay signs every parameter on the return URL: the simulator signs the extra ones too.
    const redirect: { url: string } = await control(`/juspay/orders/${orderId}/redirect`, extra ? { extra } : {});
    const url = new URL(redirect.url);
    return { path: `${url.pathname}${url.search}`, init: { redirect: "manual" } };
  },
  async paidWebhook(orderId) {
    const hook: { headers: Record<string, string>; body: string } = await control(
      `/juspay/orders/${orderId}/webhook`,
      {},
    );
    return { path: "/webhooks/juspay", init: { method: "POST", headers: hook.headers, body: hook.body } };
  },
  lateSuccess: {
    async fail(orderId) {
      await control(`/juspay/orders/${orderId}/status`, { status: "AUTHORIZATION_FAILED" });
    },
    async succeedLate(orderId) {
      await control(`/juspay/orders/${orderId}/status`, { status: "CHARGED" });
    },
  },
  create: { path: "/session", method: "POST" },
  status: (orderId) => ({ path: `/orders/${orderId}`, method: "GET" }),
  refund: (orderId) => ({ path: `/orders/${orderId}/refunds`, method: "POST" }),
  // Juspay lists refunds on the order: the refund status read is the Order Status call.
  refundStatus: (orderId) => ({ path: `/orders/${orderId}`, method: "GET" }),
  token: null,
  expireTokens: () => Promise.resolve(),
  calls: (selector, orderId) => recorded("juspay", selector, orderId),
  async settleRefund(orderId, _refund, to) {
    // The simulated Juspay settles pending refunds on the next status read (juspay.md §5: queued, then settled).
    await control(`/juspay/orders/${orderId}/status`, { refund_outcome: to === "succeeded" ? "SUCCESS" : "FAILURE" });
  },
  returnProofParam: "signature",
  webhookAuthorization: () => Promise.resolve(juspay.basicAuth(B.JUSPAY_WEBHOOK_USERNAME, B.JUSPAY_WEBHOOK_PASSWORD)),
  secrets: () =>
    Promise.resolve([
      B.JUSPAY_API_KEY,
      B.JUSPAY_RESPONSE_KEY,
      B.JUSPAY_WEBHOOK_USERNAME,
      B.JUSPAY_WEBHOOK_PASSWORD,
      // As they travel on the wire: the API key as Basic auth, and the webhook credentials.
      juspay.basicAuth(B.JUSPAY_API_KEY, "").slice("Basic ".length),
      juspay.basicAuth(B.JUSPAY_WEBHOOK_USERNAME, B.JUSPAY_WEBHOOK_PASSWORD).slice("Basic ".length),
    ]),
  verifier: { file: "gateways/juspay/verify.ts", helpers: ["stringsEqual", "secretsEqual"] },
  forgeries: [
    {
      what: "a Juspay return signature",
      comparisons: 1,
      async make() {
        await juspay.configureJuspaySim();
        const id = juspay.newOrderId("ct");
        await juspay.simOrder(id, { status: "CHARGED" });
        const redirect = await juspay.simRedirect(id, { encoding: "single" });
        const url = new URL(redirect.url);
        const signature = url.searchParams.get("signature") ?? "";
        url.searchParams.set("signature", `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`);
        return { path: `${url.pathname}${url.search}`, init: { redirect: "manual" } };
      },
    },
    {
      what: "Juspay webhook credentials",
      comparisons: 2,
      make: () =>
        Promise.resolve({
          path: "/webhooks/juspay",
          init: {
            method: "POST",
            headers: { authorization: juspay.basicAuth(B.JUSPAY_WEBHOOK_USERNAME, flip(B.JUSPAY_WEBHOOK_PASSWORD)) },
            body: "{}",
          },
        }),
    },
  ],
};

const phonepeDriver: Driver = {
  gateway: "phonepe",
  newOrderId: () => safeId("RL"),
  prepare: () => Promise.resolve(),
  async pay(orderId) {
    await control(`/phonepe/orders/${orderId}/outcome`, { state: "COMPLETED" });
  },
  async paidOrder(amount) {
    const orderId = safeId("pr");
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "phonepe", order_id: orderId, amount, currency: "INR" },
    });
    expect(res.status).toBe(201);
    await control(`/phonepe/orders/${orderId}/outcome`, { state: "COMPLETED" });
    await settleInCheckpost("phonepe", orderId);
    return orderId;
  },
  async returnLeg(orderId, extra) {
    const query = new URLSearchParams({ order_id: orderId, t: await phonepe.returnToken(orderId) });
    return withQuery({ path: `/return/phonepe?${query.toString()}`, init: { redirect: "manual" } }, extra);
  },
  async paidWebhook(orderId) {
    await control("/phonepe/webhook-credentials", {
      username: B.PHONEPE_WEBHOOK_USERNAME,
      password: B.PHONEPE_WEBHOOK_PASSWORD,
    });
    const hook: { headers: Record<string, string>; body: string } = await control("/phonepe/callbacks", {
      merchantOrderId: orderId,
    });
    return { path: "/webhooks/phonepe", init: { method: "POST", headers: hook.headers, body: hook.body } };
  },
  // The return leg carries only checkpost's token `t`: no status to replay.
  lateSuccess: null,
  create: { path: "/checkout/v2/pay", method: "POST" },
  status: (orderId) => ({ path: `/order/${orderId}/status`, method: "GET" }),
  refund: () => ({ path: "/payments/v2/refund", method: "POST" }),
  refundStatus: (_orderId, gatewayRefundId) => ({ path: `/refund/${gatewayRefundId}/status`, method: "GET" }),
  token: { path: "/v1/oauth/token", method: "POST" },
  async expireTokens() {
    await control("/phonepe/tokens/expire", {});
  },
  calls: (selector, orderId) => recorded("phonepe", selector, orderId),
  async settleRefund(_orderId, refund, to) {
    await control(`/phonepe/refunds/${refund.gateway_refund_id}/outcome`, {
      state: to === "succeeded" ? "COMPLETED" : "FAILED",
    });
  },
  returnProofParam: "t",
  webhookAuthorization: () => phonepe.sha256Hex(`${B.PHONEPE_WEBHOOK_USERNAME}:${B.PHONEPE_WEBHOOK_PASSWORD}`),
  secrets: async () => [
    B.PHONEPE_CLIENT_ID,
    B.PHONEPE_CLIENT_SECRET,
    B.PHONEPE_WEBHOOK_USERNAME,
    B.PHONEPE_WEBHOOK_PASSWORD,
    // The callback Authorization: SHA-256 of `username:password`.
    await phonepe.sha256Hex(`${B.PHONEPE_WEBHOOK_USERNAME}:${B.PHONEPE_WEBHOOK_PASSWORD}`),
  ],
  verifier: { file: "gateways/phonepe/verify.ts", helpers: ["stringsEqual"] },
  forgeries: [
    {
      what: "PhonePe's callback Authorization",
      comparisons: 1,
      make: () =>
        Promise.resolve({
          path: "/webhooks/phonepe",
          init: {
            method: "POST",
            headers: { authorization: "0".repeat(64), "content-type": "application/json" },
            body: "{}",
          },
        }),
    },
    {
      what: "checkpost's own return token",
      comparisons: 1,
      async make() {
        const orderId = safeId("CT");
        return {
          path: `/return/phonepe?order_id=${orderId}&t=${flip(await phonepe.returnToken(orderId))}`,
          init: { redirect: "manual" },
        };
      },
    },
  ],
};

const nimbblDriver: Driver = {
  gateway: "nimbbl",
  newOrderId: () => safeId("nl"),
  prepare: () => Promise.resolve(),
  async pay(orderId) {
    await control(`/nimbbl/orders/${orderId}/outcome`, { outcome: "success" });
  },
  async paidOrder(amount) {
    const orderId = safeId("nr");
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "nimbbl", order_id: orderId, amount, currency: "INR" },
    });
    expect(res.status).toBe(201);
    await control(`/nimbbl/orders/${orderId}/outcome`, { outcome: "success" });
    await settleInCheckpost("nimbbl", orderId);
    return orderId;
  },
  async returnLeg(orderId, extra) {
    const res: { redirect_url: string } = await control(`/nimbbl/orders/${orderId}/checkout-response`, {});
    const url = new URL(res.redirect_url);
    return withQuery({ path: `${url.pathname}${url.search}`, init: { redirect: "manual" } }, extra);
  },
  async paidWebhook(orderId) {
    const res = await sim(`/__control/nimbbl/orders/${orderId}/webhooks?format=legacy`);
    const { webhooks } = (await res.json()) as { webhooks: string[] };
    const body = webhooks[webhooks.length - 1] ?? "";
    return {
      path: "/webhooks/nimbbl",
      init: { method: "POST", headers: { "content-type": "application/json" }, body },
    };
  },
  lateSuccess: {
    async fail(orderId) {
      await control(`/nimbbl/orders/${orderId}/outcome`, { outcome: "failure" });
    },
    async succeedLate(orderId) {
      await control(`/nimbbl/orders/${orderId}/outcome`, { outcome: "late_success" });
    },
  },
  create: { path: "/v3/create-order", method: "POST" },
  // Transaction enquiry is a read sent as a POST; its body names the invoice (the order id).
  status: () => ({ path: "/v3/transaction-enquiry", method: "POST" }),
  refund: () => ({ path: "/v3/refund", method: "POST" }),
  refundStatus: () => ({ path: "/v3/transaction-enquiry", method: "POST" }),
  token: { path: "/v3/generate-token", method: "POST" },
  async expireTokens() {
    await control(`/nimbbl/merchants/${B.NIMBBL_ACCESS_KEY}`, { expire_tokens: true });
  },
  calls: (selector, orderId) => recorded("nimbbl", selector, orderId),
  async settleRefund(_orderId, refund, to) {
    await control(`/nimbbl/refunds/${refund.gateway_reference ?? ""}/outcome`, { status: to });
  },
  findsRefundById: false,
  returnProofParam: "response",
  // Nimbbl signs the webhook body; there are no sender credentials.
  webhookAuthorization: () => Promise.resolve(null),
  secrets: () => Promise.resolve([B.NIMBBL_ACCESS_KEY, B.NIMBBL_ACCESS_SECRET]),
  verifier: { file: "gateways/nimbbl/verify.ts", helpers: ["stringsEqual"] },
  forgeries: [
    {
      what: "a Nimbbl webhook signature",
      comparisons: 1,
      async make() {
        const orderId = await createdOrder(nimbblDriver);
        await nimbblDriver.pay(orderId);
        const hook = await nimbblDriver.paidWebhook(orderId);
        const body = (hook.init.body as string).replace(/"signature":"([0-9a-f])/, (_m, c: string) => {
          return `"signature":"${c === "a" ? "b" : "a"}`;
        });
        expect(body).not.toBe(hook.init.body);
        return { path: hook.path, init: { ...hook.init, body } };
      },
    },
  ],
};

/** The drivers, one per gateway of the registry (`GATEWAY_IDS`): a gateway without one does not compile. */
export const DRIVERS = {
  juspay: juspayDriver,
  phonepe: phonepeDriver,
  nimbbl: nimbblDriver,
} as const satisfies Record<GatewayId, Driver>;

/** Every driver, in `GATEWAY_IDS` order: what `describe.each` runs the generic suites over. */
export const DRIVER_LIST: readonly Driver[] = GATEWAY_IDS.map((id) => DRIVERS[id]);

/** Makes the simulated gateway answer the calls `selector` matches with `fault`, `times` times (null: until cleared). */
export async function addFault(
  gateway: GatewayId,
  selector: CallSelector,
  fault: Record<string, unknown>,
  times: number | null = 1,
): Promise<void> {
  const res = await sim("/__control/faults", {
    method: "POST",
    json: { gateway, path: selector.path, method: selector.method, fault, times },
  });
  expect(res.status).toBe(200);
}

export async function clearFaults(gateway: GatewayId): Promise<void> {
  const res = await sim("/__control/faults/clear", { method: "POST", json: { gateway } });
  expect(res.status).toBe(200);
}

/**
 * `GET /v1/orders/:gateway/:order_id?refresh=true` while the gateway's status call (`path`) answers 200 with `body`
 * as written — a fault rule, for answers the simulator would never make (an inexact amount) — then clears the rule.
 */
export async function refreshAnswered(gateway: GatewayId, orderId: string, path: string, body: unknown): Promise<void> {
  await addFault(gateway, { path, method: "GET" }, { kind: "status", status: 200, body: JSON.stringify(body) }, null);
  try {
    expect((await api(`/v1/orders/${gateway}/${orderId}?refresh=true`)).status).toBe(200);
  } finally {
    await clearFaults(gateway);
  }
}

/** Creates the order through `POST /v1/orders` (201) and returns its id. */
export async function createdOrder(driver: Driver, amount = 10_000): Promise<string> {
  await driver.prepare();
  const orderId = driver.newOrderId();
  const res = await api("/v1/orders", {
    method: "POST",
    json: { gateway: driver.gateway, order_id: orderId, amount, currency: "INR" },
  });
  expect(res.status, `create ${driver.gateway} ${orderId}`).toBe(201);
  return orderId;
}

/** How many refund-create calls the gateway received for the order. */
export function refundCalls(driver: Driver, orderId: string): Promise<number> {
  return driver.calls(driver.refund(orderId), orderId);
}
