/**
 * No secret, API key, access token or card/VPA field appears in any log line or response (product.md §7). Whole
 * flows of each gateway run inside `captureLogs` — create, return leg, webhooks, reconciliation, refresh, refunds,
 * audit trail, status page, and the failure paths (wrong keys, wrong signatures, gateway faults) — and everything
 * they logged or answered is searched for every secret in test/bindings.ts, the credentials derived from them, the
 * access tokens the simulated gateways issued, and the payment-instrument fields the simulators put in their answers.
 */
import { describe, expect, it } from "vitest";
import { TEST_BINDINGS as B } from "../bindings";
import { addFault, clearFaults, createdOrder, DRIVER_LIST, type Driver } from "../drivers";
import { api, call, captureLogs, gatewayCalls } from "../helpers";
import { simMandate } from "../juspay/support";
import { runAlarm } from "./support";

/** Everything the flow answered: status line, headers and body of each response. */
class Seen {
  readonly texts: string[] = [];
  async add(res: Response): Promise<Response> {
    this.texts.push(`${res.status} ${JSON.stringify([...res.headers])}\n${await res.clone().text()}`);
    return res;
  }
}

/** checkpost's own secrets, then every gateway's (`Driver.secrets`: its settings and what is derived from them). */
async function secrets(): Promise<string[]> {
  const whsec = B.MERCHANT_WEBHOOK_SECRET.split(" ");
  const perGateway = await Promise.all(DRIVER_LIST.map((d) => d.secrets()));
  return [
    ...B.PROXY_API_KEYS.split(","),
    ...whsec,
    ...whsec.map((k) => k.slice("whsec_".length)),
    ...B.CHECKPOST_SECRET.split(" "),
    ...perGateway.flat(),
  ];
}

/** The merchant access tokens checkpost sent to the simulated gateways that issue them (`O-Bearer …`, `Bearer …`). */
async function issuedTokens(): Promise<string[]> {
  const tokens = new Set<string>();
  for (const { gateway } of DRIVER_LIST.filter((d) => d.token !== null)) {
    const calls = await gatewayCalls(gateway);
    for (const c of calls) {
      const m = /^(?:O-)?Bearer (\S+)$/.exec(c.headers["authorization"] ?? "");
      if (m?.[1]) tokens.add(m[1]);
    }
  }
  return [...tokens];
}

/** Payment-instrument values and field names the simulators' answers carry (card, VPA, account, mandate token). */
const INSTRUMENT = [
  "customer@ybl",
  "customer@upi",
  "411111",
  "XXXXXXXX1234",
  "Sim Customer",
  "last_four_digits",
  "card_isin",
  "payer_vpa",
  '"vpa"',
  "maskedAccountNumber",
  "accountHolderName",
  "mandate_debit_token",
  "mdt_",
];

async function wholeFlow(driver: Driver, seen: Seen): Promise<void> {
  const g = driver.gateway;
  // Payment: create, pay, return leg, webhook, reconciliation, refresh, order and audit trail, status page.
  const orderId = await createdOrder(driver);
  await driver.pay(orderId);
  const leg = await driver.returnLeg(orderId);
  await seen.add(await call(leg.path, leg.init));
  const hook = await driver.paidWebhook(orderId);
  await seen.add(await call(hook.path, hook.init));
  await runAlarm(g, orderId);
  await seen.add(await api(`/v1/orders/${g}/${orderId}?refresh=true`));
  await seen.add(await api(`/v1/orders/${g}/${orderId}`));
  await seen.add(await api(`/v1/orders/${g}/${orderId}/events?limit=200`));
  const status = await call(leg.path, leg.init);
  await seen.add(status);

  // Refunds on a paid order: create, refresh, settle through the alarm.
  const paid = await driver.paidOrder(10_000);
  const refundRes = await seen.add(
    await api(`/v1/orders/${g}/${paid}/refunds`, {
      method: "POST",
      json: { amount: 1000, reason: "secret check" },
      headers: { "idempotency-key": `k-secret-${paid}` },
    }),
  );
  const refund = (await refundRes.json()) as {
    refund_id: string;
    gateway_refund_id: string;
    gateway_reference: string | null;
  };
  await seen.add(await api(`/v1/orders/${g}/${paid}/refunds/${refund.refund_id}?refresh=true`));
  await driver.settleRefund(paid, refund, "succeeded");
  await runAlarm(g, paid);

  // Failure paths: wrong API key, tampered return leg and webhook, a gateway that answers an error page.
  await seen.add(await api(`/v1/orders/${g}/${orderId}`, { headers: { authorization: "Bearer nope-wrong-key" } }));
  await seen.add(await call(`${leg.path}0`, leg.init));
  await seen.add(await call(hook.path, { ...hook.init, headers: { authorization: "Basic d3Jvbmc6d3Jvbmc=" } }));
  await addFault(g, driver.status(orderId), { kind: "html", status: 500 }, null);
  await seen.add(await api(`/v1/orders/${g}/${orderId}?refresh=true`));
  await clearFaults(g);
  if (driver.token) {
    await driver.expireTokens();
    await addFault(g, driver.token, { kind: "status", status: 401, body: '{"error":"invalid_client"}' }, null);
    await seen.add(await api(`/v1/orders/${g}/${orderId}?refresh=true`));
    await clearFaults(g);
  }
}

describe("secrets in logs and responses", () => {
  it.each(DRIVER_LIST.map((d) => [d.gateway, d] as const))(
    "keeps every secret, token and instrument field out of the logs and answers of whole %s flows",
    async (_name, driver) => {
      const seen = new Seen();
      const { lines } = await captureLogs(() => wholeFlow(driver, seen));
      if (driver.gateway === "juspay") {
        // Mandates carry the payer's VPA and a debit token at the gateway.
        await simMandate({ customer_id: "cust_secret_check", mandate_id: "mnd_secret_check" });
        await seen.add(await api("/v1/juspay/customers/cust_secret_check/mandates"));
      }
      const logged = lines.join("\n");
      const answered = seen.texts.join("\n");
      expect(lines.length).toBeGreaterThan(20);
      expect(seen.texts.length).toBeGreaterThan(10);
      const tokens = await issuedTokens();
      if (driver.token) expect(tokens.length).toBeGreaterThan(0);
      const needles = [...(await secrets()), ...tokens, ...INSTRUMENT];
      const leaks = needles.flatMap((n) => [
        ...(logged.includes(n) ? [`log: ${n}`] : []),
        ...(answered.includes(n) ? [`response: ${n}`] : []),
      ]);
      expect(leaks).toEqual([]);
    },
  );
});
