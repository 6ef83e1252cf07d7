/**
 * Property-based fuzzing of the routes anyone can reach (product.md §7): random paths and methods over every route
 * template, webhooks, return legs and the status page, with random query strings, headers and bodies. Whatever
 * arrives: never a 5xx, a problem document with a code for every refusal, and no order changes.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { GATEWAY_IDS, type GatewayId } from "../../src/core/model";
import { buildRouter } from "../../src/http/router";
import { DRIVERS } from "../drivers";
import {
  body,
  encode,
  headers,
  method,
  NUM_RUNS,
  queryString,
  request,
  segment,
  sendSafely,
  useFuzzTargets,
} from "./fuzz-support";

const targets = useFuzzTargets();

/** A target's order id, or a made-up one (remembered, to check it never became an order). */
function orderIdFor(gateway: GatewayId): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(gateway).map((g) => targets.list.find((t) => t.gateway === g)?.orderId ?? "none"),
    segment.map((id) => targets.remember(gateway, id)),
  );
}

async function send(req: Request | null, label: string): Promise<void> {
  await sendSafely(req, label);
}

const templates = buildRouter()
  .routes.filter(([m]) => m !== "ALL")
  .map(([, , , path]) => path ?? "/");

describe("fuzzing the routes", () => {
  it("answers random paths, methods, queries, headers and bodies on every route template safely", async () => {
    const arb = fc.record({
      template: fc.constantFrom(...templates, "/", "/v1", "/webhooks", "/return", "/status/juspay"),
      gateway: fc.oneof(fc.constantFrom(...GATEWAY_IDS), segment),
      params: fc.array(segment, { minLength: 3, maxLength: 3 }),
      extra: fc.array(segment, { maxLength: 2 }),
      method,
      query: queryString,
      headers,
      body,
    });
    await targets.unchanged(() =>
      fc.assert(
        fc.asyncProperty(arb, async (c) => {
          let i = 0;
          const path = c.template
            .replace(":gateway", encode(c.gateway))
            .replace(/:\w+/g, () => encode(c.params[i++] ?? "x"));
          // One leading slash only: "//x" would be a scheme-relative URL naming another host.
          const full = `/${[path, ...c.extra].join("/").replace(/^\/+/, "")}?${c.query}`;
          await send(request(full, { method: c.method, headers: c.headers, body: c.body }), `${c.method} ${full}`);
        }),
        { numRuns: NUM_RUNS * 2 },
      ),
    );
  });

  it.each(GATEWAY_IDS)("answers random %s webhooks safely, with or without valid credentials", async (gateway) => {
    // The sender's credentials, for gateways that authenticate the sender (a signed body has none).
    const valid = await DRIVERS[gateway].webhookAuthorization();
    const arb = fc.record({
      body,
      headers,
      authentic: fc.boolean(),
      contentType: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", ""),
    });
    await targets.unchanged(() =>
      fc.assert(
        fc.asyncProperty(arb, async (c) => {
          const h: Record<string, string> = { ...c.headers };
          if (c.contentType) h["content-type"] = c.contentType;
          // With valid sender credentials, the body is all that is wrong: 400, 413 or an acknowledged no-op.
          if (c.authentic && valid) h["authorization"] = valid;
          await send(
            request(`/webhooks/${gateway}`, { method: "POST", headers: h, body: c.body }),
            `webhook ${gateway}`,
          );
        }),
        { numRuns: NUM_RUNS },
      ),
    );
  });

  it.each(GATEWAY_IDS)("answers random %s return legs safely", async (gateway) => {
    const arb = fc.record({
      orderId: orderIdFor(gateway),
      signature: fc.oneof(segment, fc.base64String({ maxLength: 60 })),
      query: queryString,
      post: fc.boolean(),
      headers,
      body,
    });
    await targets.unchanged(() =>
      fc.assert(
        fc.asyncProperty(arb, async (c) => {
          const q = new URLSearchParams(c.query);
          q.set("order_id", c.orderId);
          q.set(DRIVERS[gateway].returnProofParam, c.signature);
          const path = `/return/${gateway}?${q.toString()}`;
          const init = { method: c.post ? "POST" : "GET", headers: c.headers, body: c.body };
          await send(request(path, init), `return ${gateway} ${path}`);
        }),
        { numRuns: NUM_RUNS },
      ),
    );
  });

  it("answers random status page and handleJuspayResponse requests safely", async () => {
    const arb = fc.record({
      gateway: fc.constantFrom(...GATEWAY_IDS),
      orderId: orderIdFor("juspay"),
      token: fc.oneof(segment, fc.base64String({ maxLength: 60 })),
      headers,
      body,
    });
    await targets.unchanged(() =>
      fc.assert(
        fc.asyncProperty(arb, async (c) => {
          const status = `/status/${c.gateway}/${encode(c.orderId)}?t=${encode(c.token)}`;
          await send(request(status, { method: "GET", headers: c.headers }), status);
          const form = { method: "POST", headers: c.headers, body: c.body };
          await send(request("/handleJuspayResponse", form), "handleJuspayResponse");
        }),
        { numRuns: NUM_RUNS },
      ),
    );
  });
});
