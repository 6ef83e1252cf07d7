import { describe, expect, it } from "vitest";
import { GATEWAY_IDS } from "../../src/core/model";
import { TEST_BINDINGS } from "../bindings";
import { api, call, captureLogs, expectProblem, uniqueOrderId } from "../helpers";
import { openApiDoc } from "../helpers";

describe("service routes", () => {
  it("reports liveness and which gateways are enabled on /healthz", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; gateways: Record<string, { enabled: boolean }> };
    expect(body.ok).toBe(true);
    expect(Object.keys(body.gateways).sort()).toEqual([...GATEWAY_IDS].sort());
    expect(body.gateways["juspay"]?.enabled).toBe(true);
  });

  it("describes the API in an OpenAPI 3.1 document generated from the request schemas", () => {
    const doc = openApiDoc() as { openapi: string; paths: Record<string, Record<string, any>> };
    expect(doc.openapi).toBe("3.1.0");
    const create = doc.paths["/v1/orders"]?.["post"];
    const schema = create.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(expect.arrayContaining(["gateway", "order_id", "amount", "currency"]));
    expect(schema.properties.amount.type).toBe("integer");
    expect(schema.properties.gateway.enum).toEqual(GATEWAY_IDS);
    expect(doc.paths["/v1/orders/{gateway}/{order_id}"]?.["get"].security).toEqual([{ bearer: [] }]);
  });

  it("puts a request id on every response, keeping a well-formed incoming one", async () => {
    const fresh = await call("/healthz");
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await call("/healthz", { headers: { "x-request-id": "trace-abc-123" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-abc-123");
    const refused = await call("/healthz", { headers: { "x-request-id": "<script>" } });
    expect(refused.headers.get("x-request-id")).not.toBe("<script>");
  });

  it("answers an unknown route with a 404 problem", async () => {
    await expectProblem(await call("/nope"), 404, "not_found");
  });

  it("answers a known route under the wrong method with a 405 problem", async () => {
    await expectProblem(await call("/healthz", { method: "POST" }), 405, "method_not_allowed");
  });
});

describe("/v1 authentication", () => {
  it("refuses a request without an Authorization header", async () => {
    await expectProblem(await call("/v1/orders/juspay/x1"), 401, "unauthorized");
  });

  it("refuses a wrong key", async () => {
    await expectProblem(
      await api("/v1/orders/juspay/x1", { headers: { authorization: "Bearer nope" } }),
      401,
      "unauthorized",
    );
  });

  it("refuses a key that is a prefix of a valid one", async () => {
    await expectProblem(
      await api("/v1/orders/juspay/x1", { headers: { authorization: "Bearer test-key-prim" } }),
      401,
      "unauthorized",
    );
  });

  it("refuses a scheme other than Bearer", async () => {
    await expectProblem(
      await api("/v1/orders/juspay/x1", { headers: { authorization: "Basic dGVzdC1rZXktcHJpbWFyeQ==" } }),
      401,
      "unauthorized",
    );
  });

  it("accepts every configured key, so keys can rotate", async () => {
    for (const key of TEST_BINDINGS.PROXY_API_KEYS.split(",")) {
      const res = await api("/v1/orders/juspay/none_yet", { headers: { authorization: `Bearer ${key}` } });
      await expectProblem(res, 404, "order_not_found");
    }
  });
});

describe("/v1 request validation", () => {
  it("answers malformed JSON with a 400 malformed_body", async () => {
    await expectProblem(
      await api("/v1/orders", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "malformed_body",
    );
  });

  it("answers invalid UTF-8 with a 400 malformed_body", async () => {
    await expectProblem(
      await api("/v1/orders", { method: "POST", body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
      400,
      "malformed_body",
    );
  });

  it("lists the invalid fields by path without echoing their values", async () => {
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: "o 1<script>", amount: 12.5, currency: "INR" },
    });
    const body = await expectProblem(res, 400, "invalid_request");
    const errors = body["errors"] as { path: string }[];
    expect(errors.map((e) => e.path).sort()).toEqual(["amount", "order_id"]);
    expect(JSON.stringify(body)).not.toContain("<script>");
  });

  it("refuses an unknown gateway name in the body", async () => {
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "paypal", order_id: "o1", amount: 100, currency: "INR" },
    });
    await expectProblem(res, 400, "invalid_request");
  });

  it("answers an unknown gateway in the path with 404 unknown_gateway", async () => {
    await expectProblem(await api("/v1/orders/paypal/o1"), 404, "unknown_gateway");
  });

  it("refuses a body over 64 KiB with 413 and stores nothing", async () => {
    const orderId = uniqueOrderId();
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: orderId, amount: 100, currency: "INR", description: "x".repeat(70_000) },
    });
    await expectProblem(res, 413, "payload_too_large");
    await expectProblem(await api(`/v1/orders/juspay/${orderId}`), 404, "order_not_found");
  });

  it("refuses a streamed body that grows past 64 KiB without a Content-Length", async () => {
    const chunk = new TextEncoder().encode("a".repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await api("/v1/orders", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
    });
    await expectProblem(res, 413, "payload_too_large");
  });
});

describe("registering orders and reading them back", () => {
  it("registers a merchant-created order with register_only and returns it", async () => {
    const orderId = uniqueOrderId();
    const res = await api("/v1/orders", {
      method: "POST",
      json: {
        gateway: "juspay",
        order_id: orderId,
        amount: 123450,
        currency: "INR",
        register_only: true,
        metadata: { cart: "c1" },
      },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { order: Record<string, unknown>; next_action: unknown };
    expect(body.next_action).toBeNull();
    expect(body.order).toMatchObject({
      gateway: "juspay",
      order_id: orderId,
      status: "created",
      amount: 123450,
      currency: "INR",
      amount_verified: true,
      metadata: { cart: "c1" },
    });

    const got = await api(`/v1/orders/juspay/${orderId}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ order_id: orderId, amount: 123450, status: "created" });
  });

  it("treats registering the same order twice with the same amount as a no-op", async () => {
    const orderId = uniqueOrderId();
    const json = { gateway: "nimbbl", order_id: orderId, amount: 5000, currency: "INR", register_only: true };
    expect((await api("/v1/orders", { method: "POST", json })).status).toBe(201);
    expect((await api("/v1/orders", { method: "POST", json })).status).toBe(200);
  });

  it("refuses to re-register an order with another amount (409 order_conflict)", async () => {
    const orderId = uniqueOrderId();
    await api("/v1/orders", {
      method: "POST",
      json: { gateway: "phonepe", order_id: orderId, amount: 5000, currency: "INR", register_only: true },
    });
    const res = await api("/v1/orders", {
      method: "POST",
      json: { gateway: "phonepe", order_id: orderId, amount: 5001, currency: "INR", register_only: true },
    });
    await expectProblem(res, 409, "order_conflict");
    expect(await (await api(`/v1/orders/phonepe/${orderId}`)).json()).toMatchObject({ amount: 5000 });
  });

  it("answers an order checkpost has never seen with 404 order_not_found", async () => {
    await expectProblem(await api(`/v1/orders/juspay/${uniqueOrderId()}`), 404, "order_not_found");
  });

  it("shows the audit trail with the registration and its cause", async () => {
    const orderId = uniqueOrderId();
    await api("/v1/orders", {
      method: "POST",
      json: { gateway: "juspay", order_id: orderId, amount: 100, currency: "INR", register_only: true },
    });
    const res = await api(`/v1/orders/juspay/${orderId}/events`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      data: { kind: string; source: string; to_status: string }[];
      next_after: number | null;
    };
    expect(page.data[0]).toMatchObject({ kind: "register", source: "api", to_status: "created" });
    expect(page.next_after).toBeNull();
  });

  it("pages the audit trail with after and limit", async () => {
    const orderId = uniqueOrderId();
    const json = { gateway: "juspay", order_id: orderId, amount: 100, currency: "INR", register_only: true };
    for (let i = 0; i < 3; i++) await api("/v1/orders", { method: "POST", json });
    const first = (await (await api(`/v1/orders/juspay/${orderId}/events?limit=1`)).json()) as {
      data: { seq: number }[];
      next_after: number;
    };
    expect(first.data).toHaveLength(1);
    expect(first.next_after).toBe(first.data[0]?.seq);
    const rest = (await (await api(`/v1/orders/juspay/${orderId}/events?after=${first.next_after}`)).json()) as {
      data: { seq: number; outcome: string }[];
      next_after: number | null;
    };
    expect(rest.data.map((e) => e.outcome)).toEqual(["duplicate", "duplicate"]);
    expect(rest.data[0]?.seq).toBeGreaterThan(first.next_after);
    expect(rest.next_after).toBeNull();
  });

  it("answers the events of an unknown order with 404", async () => {
    await expectProblem(await api(`/v1/orders/juspay/${uniqueOrderId()}/events`), 404, "order_not_found");
  });
});

describe("logs", () => {
  it("never write an API key, a merchant secret or a gateway credential", async () => {
    const { lines } = await captureLogs(async () => {
      await api("/v1/orders/juspay/x1", {
        headers: { authorization: `Bearer ${TEST_BINDINGS.PROXY_API_KEYS.split(",")[1]}` },
      });
      await api("/v1/orders/juspay/x1", { headers: { authorization: "Bearer wrong-key-value" } });
      await call("/healthz");
    });
    const text = lines.join("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(TEST_BINDINGS)) {
      if (/KEY|SECRET|PASSWORD|PROXY_API_KEYS/.test(name) && value) {
        for (const part of value.split(/[ ,]/)) expect(text).not.toContain(part);
      }
    }
    expect(text).not.toContain("wrong-key-value");
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
