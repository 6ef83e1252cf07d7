import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { call, captureLogs, gatewayCalls } from "../helpers";
import {
  addFault,
  createOrder,
  returnToken,
  freshGateway,
  newOrderId,
  simJson,
  simOrder,
  testIO,
  tokenKvKey,
  tokenRequests,
} from "./support";

/** Status calls for one order: each one shows the token it carried. */
async function statusCalls(orderId: string) {
  return gatewayCalls("phonepe", `/checkout/v2/order/${orderId}/status`);
}

/** The `Authorization` header of each status call for the order, in order. */
async function tokensUsed(orderId: string) {
  return (await statusCalls(orderId)).map((c) => c.headers["authorization"]);
}

/** A gateway bound to fresh credentials (empty caches) and an order the simulator holds. */
async function fresh(outcome: Record<string, unknown> = {}) {
  const { settings, gateway } = freshGateway();
  const orderId = newOrderId();
  await simOrder(orderId, 10_000, outcome);
  return { settings, gateway, orderId, clientId: settings.credentials.clientId };
}

afterEach(async () => {
  await simJson("/tokens/ttl", { seconds: 3600 });
});

describe("PhonePe OAuth token", () => {
  it("is fetched with a form-encoded client-credentials POST to {PHONEPE_AUTH_URL}/v1/oauth/token", async () => {
    const { settings, gateway, orderId } = await fresh();
    expect((await gateway.fetchStatus(orderId, testIO())).ok).toBe(true);

    const [call, ...more] = await tokenRequests(settings.credentials.clientId);
    expect(more).toHaveLength(0);
    expect(call?.method).toBe("POST");
    expect(call?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(call?.headers["authorization"]).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({
      client_id: settings.credentials.clientId,
      client_secret: settings.credentials.clientSecret,
      client_version: "1",
      grant_type: "client_credentials",
    });
  });

  it("is sent as Authorization: O-Bearer <access_token> on PG calls", async () => {
    const { settings, gateway, orderId } = await fresh();
    await gateway.fetchStatus(orderId, testIO());
    const { credentials: c } = settings;
    const cached = await env.KV.get<{ access_token: string }>(
      await tokenKvKey(c.authUrl, c.clientId, c.clientVersion),
      "json",
    );
    const [status] = await statusCalls(orderId);
    expect(status?.headers["authorization"]).toBe(`O-Bearer ${cached?.access_token}`);
  });

  it("is reused for later calls before its half-life", async () => {
    const { settings, gateway, orderId } = await fresh();
    for (let i = 0; i < 3; i++) expect((await gateway.fetchStatus(orderId, testIO())).ok).toBe(true);
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(1);
  });

  it("is fetched once for many concurrent first calls", async () => {
    const { settings, gateway, orderId } = await fresh();
    const results = await Promise.all(Array.from({ length: 12 }, () => gateway.fetchStatus(orderId, testIO())));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(1);
    const headers = new Set(await tokensUsed(orderId));
    expect(headers.size).toBe(1);
  });

  it("is refreshed before the call once past its half-life, and not before", async () => {
    await simJson("/tokens/ttl", { seconds: 100 });
    const { settings, gateway, orderId } = await fresh();
    const start = Date.now();
    await gateway.fetchStatus(
      orderId,
      testIO(() => start),
    );
    await gateway.fetchStatus(
      orderId,
      testIO(() => start + 40_000),
    );
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(1);
    await gateway.fetchStatus(
      orderId,
      testIO(() => start + 55_000),
    );
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(2);
    const [first, second, third] = await tokensUsed(orderId);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
  });

  it("is cached in KV under tok:phonepe:<sha256 of auth URL, client id, version>, never holding the secret", async () => {
    const { settings, gateway, orderId } = await fresh();
    await gateway.fetchStatus(orderId, testIO());
    const { credentials: c } = settings;
    const key = await tokenKvKey(c.authUrl, c.clientId, c.clientVersion);
    const raw = await env.KV.get(key);
    expect(raw).not.toBeNull();
    const value = JSON.parse(raw ?? "{}");
    expect(value).toEqual({
      access_token: expect.stringMatching(/^sim\./),
      issued_at: expect.any(Number),
      expires_at: expect.any(Number),
    });
    expect(key).not.toContain(c.clientId);
    expect(`${key}${raw}`).not.toContain(c.clientSecret);
    const keys = (await env.KV.list({ prefix: "tok:phonepe:" })).keys.map((k) => k.name);
    expect(keys).toContain(key);
  });

  it("is taken from KV when another isolate already fetched one", async () => {
    const { settings, gateway } = freshGateway();
    const { credentials: c } = settings;
    // Another isolate's token: fetched from the simulator by the test itself, stored where the cache looks.
    const res = await fetch(`${c.authUrl}/v1/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        client_version: c.clientVersion,
        grant_type: "client_credentials",
      }).toString(),
    });
    const token = (await res.json()) as { access_token: string; issued_at: number; expires_at: number };
    await env.KV.put(await tokenKvKey(c.authUrl, c.clientId, c.clientVersion), JSON.stringify(token));
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);

    expect((await gateway.fetchStatus(orderId, testIO())).ok).toBe(true);
    expect(await tokenRequests(c.clientId)).toHaveLength(1); // the test's own request only
    expect((await statusCalls(orderId))[0]?.headers["authorization"]).toBe(`O-Bearer ${token.access_token}`);
  });

  it("is cached per client id: two credentials never share a token", async () => {
    const a = freshGateway();
    const b = freshGateway();
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);
    await a.gateway.fetchStatus(orderId, testIO());
    await b.gateway.fetchStatus(orderId, testIO());
    expect(await tokenRequests(a.settings.credentials.clientId)).toHaveLength(1);
    expect(await tokenRequests(b.settings.credentials.clientId)).toHaveLength(1);
    const [first, second] = await tokensUsed(orderId);
    expect(first).not.toBe(second);
  });
});

describe("PhonePe token failures", () => {
  it("retries a PG call once with a fresh token after PhonePe answers 401 to a stale one", async () => {
    const { settings, gateway, orderId } = await fresh({ state: "COMPLETED" });
    await gateway.fetchStatus(orderId, testIO());
    await simJson("/tokens/expire", {});

    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok && result.value.status).toBe("succeeded");
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(2);
    const [first, stale, retried] = await tokensUsed(orderId);
    expect(stale).toBe(first);
    expect(retried).not.toBe(first);
  });

  it("refreshes once when a burst of concurrent calls all meet the 401", async () => {
    const { settings, gateway, orderId } = await fresh();
    await gateway.fetchStatus(orderId, testIO());
    await simJson("/tokens/expire", {});
    const results = await Promise.all(Array.from({ length: 8 }, () => gateway.fetchStatus(orderId, testIO())));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(2);
  });

  it("gives up with gateway_auth_failed when the fresh token is refused too (one retry only)", async () => {
    const { settings, gateway, orderId } = await fresh();
    await addFault({ path: `/order/${orderId}/status`, fault: { kind: "status", status: 401 }, times: 2 });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_auth_failed");
    expect(await statusCalls(orderId)).toHaveLength(2);
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(2);
  });

  it("does not retry a 403", async () => {
    const { gateway, orderId } = await fresh();
    await addFault({ path: `/order/${orderId}/status`, fault: { kind: "status", status: 403 } });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_auth_failed");
    expect(await statusCalls(orderId)).toHaveLength(1);
  });

  it("answers gateway_auth_failed without any PG call when the token endpoint refuses the credentials", async () => {
    const { settings, gateway } = freshGateway();
    await simJson("/clients", { client_id: settings.credentials.clientId, client_secret: "another-secret" });
    const orderId = newOrderId();
    await simOrder(orderId, 10_000);
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_auth_failed");
    expect(await statusCalls(orderId)).toHaveLength(0);
  });

  it("propagates a token endpoint outage when no token is cached", async () => {
    const { gateway, orderId } = await fresh();
    // Twice: a token request is retried once after a 5xx.
    await addFault({ path: "/v1/oauth/token", fault: { kind: "status", status: 503 }, times: 2 });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_unavailable");
    expect(await statusCalls(orderId)).toHaveLength(0);
  });

  it("keeps using the cached token until it expires when a refresh after half-life fails", async () => {
    await simJson("/tokens/ttl", { seconds: 100 });
    const { settings, gateway, orderId } = await fresh();
    const start = Date.now();
    await gateway.fetchStatus(
      orderId,
      testIO(() => start),
    );
    // Twice: the refresh is retried once after a 5xx, and fails both times.
    await addFault({ path: "/v1/oauth/token", fault: { kind: "html", status: 502 }, times: 2 });
    const result = await gateway.fetchStatus(
      orderId,
      testIO(() => start + 60_000),
    );
    expect(result.ok).toBe(true);
    expect(await tokenRequests(settings.credentials.clientId)).toHaveLength(3);
    const [first, second] = await tokensUsed(orderId);
    expect(second).toBe(first);
  });

  it("treats a 200 token reply that is not JSON as gateway_bad_response", async () => {
    const { gateway, orderId } = await fresh();
    await addFault({
      path: "/v1/oauth/token",
      fault: { kind: "status", status: 200, body: "<html>login</html>", contentType: "text/html" },
    });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_bad_response");
  });

  it("treats a token reply without expires_at as gateway_bad_response", async () => {
    const { gateway, orderId } = await fresh();
    await addFault({
      path: "/v1/oauth/token",
      fault: { kind: "status", status: 200, body: JSON.stringify({ access_token: "x", token_type: "O-Bearer" }) },
    });
    const result = await gateway.fetchStatus(orderId, testIO());
    expect(result.ok ? null : result.error.reason).toBe("gateway_bad_response");
  });
});

describe("PhonePe credentials in logs", () => {
  it("never logs the client secret, an access token or the return token", async () => {
    const orderId = newOrderId();
    const t = await returnToken(orderId);
    const { lines } = await captureLogs(async () => {
      await simJson("/tokens/expire", {}); // forces a token fetch and a 401 retry inside the captured block
      await createOrder(orderId);
      await call(`/return/phonepe?order_id=${orderId}&t=${t}`, { redirect: "manual" });
    });
    const b = TEST_BINDINGS;
    const cached = await env.KV.get<{ access_token: string }>(
      await tokenKvKey(b.PHONEPE_AUTH_URL, b.PHONEPE_CLIENT_ID, b.PHONEPE_CLIENT_VERSION),
      "json",
    );
    const text = lines.join("\n");
    expect(text).toContain("oauth_token");
    expect(cached?.access_token).toMatch(/^sim\./);
    for (const secret of [b.PHONEPE_CLIENT_SECRET, cached?.access_token ?? "?", t]) expect(text).not.toContain(secret);
  });
});
