/**
 * Gateway calls never follow redirects (product.md §3). A gateway host that answers a 3xx — a hijacked DNS name, a
 * compromised proxy, a base URL with the wrong scheme — would otherwise receive nothing; the redirect's target would
 * get the whole request: `Authorization` with the API key or access token, and the body (PhonePe's client secret,
 * Nimbbl's access secret on a token request). Each call that meets a redirect is `502 gateway_unavailable`, logged,
 * and the `Location` is never called. The target is the simulator itself under the same gateway's prefix, so any
 * request that reached it would be recorded (sim/src/index.ts records every gateway request).
 */
import { describe, expect, it } from "vitest";
import { addFault, clearFaults, createdOrder, DRIVER_LIST, type CallSelector, type Driver } from "../drivers";
import { captureLogs, expectProblem, gatewayCalls } from "../helpers";
import { callShort, orderView } from "../reliability/support";

const REDIRECTS = [301, 302, 303, 307, 308] as const;

/** A redirect to an attacker's host; the simulator answers it (and records it) under the gateway's prefix. */
function elsewhere(driver: Driver, tag: string): { location: string; path: string } {
  const path = `/stolen/${tag}`;
  return { location: `http://attacker.test/${driver.gateway}${path}`, path };
}

async function expectNeverCalled(driver: Driver, path: string): Promise<void> {
  const calls = await gatewayCalls(driver.gateway, path);
  expect(calls, `${driver.gateway} ${path} was called`).toEqual([]);
}

/** The request meets the redirect: 502 gateway_unavailable, a log line names it, the target is never called. */
async function meetsRedirect(
  driver: Driver,
  selector: CallSelector,
  status: number,
  send: () => Promise<Response>,
): Promise<void> {
  const target = elsewhere(driver, `${status}-${crypto.randomUUID()}`);
  await addFault(driver.gateway, selector, { kind: "redirect", status, location: target.location }, null);
  try {
    const { result: res, lines } = await captureLogs(send);
    await expectProblem(res, 502, "gateway_unavailable");
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: "gateway call", gateway: driver.gateway, status, reason: "redirect" }),
    );
    await expectNeverCalled(driver, target.path);
  } finally {
    await clearFaults(driver.gateway);
  }
}

describe.each(DRIVER_LIST)("$gateway never follows a redirect", (driver) => {
  it.each(REDIRECTS)(
    "a status read answered %i elsewhere is gateway_unavailable and the Location never gets the request",
    async (status) => {
      const orderId = await createdOrder(driver);
      await driver.pay(orderId);
      const before = await orderView(driver.gateway, orderId);
      await meetsRedirect(driver, driver.status(orderId), status, () =>
        callShort(`/v1/orders/${driver.gateway}/${orderId}?refresh=true`),
      );
      expect(await orderView(driver.gateway, orderId)).toEqual(before);
    },
  );

  it("a create answered 307 elsewhere (method and body kept) is gateway_unavailable; the Location never gets it", async () => {
    await driver.prepare();
    const orderId = driver.newOrderId();
    await meetsRedirect(driver, driver.create, 307, () =>
      callShort("/v1/orders", {
        method: "POST",
        json: { gateway: driver.gateway, order_id: orderId, amount: 10_000, currency: "INR" },
      }),
    );
    expect(await driver.calls(driver.create, orderId)).toBe(1);
  });
});

describe.each(DRIVER_LIST.filter((d) => d.token !== null))(
  "$gateway token requests never follow a redirect",
  (driver) => {
    it("a token request answered 307 elsewhere never sends the client credentials to the Location", async () => {
      const orderId = await createdOrder(driver);
      await driver.pay(orderId);
      await driver.expireTokens();
      await meetsRedirect(driver, driver.token as CallSelector, 307, () =>
        callShort(`/v1/orders/${driver.gateway}/${orderId}?refresh=true`),
      );
    });
  },
);
