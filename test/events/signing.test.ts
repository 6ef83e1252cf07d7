/**
 * checkpost's signatures as a merchant checks them: events with the `standardwebhooks` library (code independent of
 * checkpost's signer), and both events and the return redirect against HMACs computed here with WebCrypto from the
 * documented algorithms.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/core/log";
import { resultRedirect } from "../../src/http/routes/return";
import { TEST_BINDINGS } from "../bindings";
import { api, uniqueOrderId } from "../helpers";
import { acceptedCount, deliveryOf, merchantEvents, runAlarmsUntil, seedChanges } from "./support";

const KEYS = TEST_BINDINGS.MERCHANT_WEBHOOK_SECRET.split(" ");

/** base64(HMAC-SHA256(base64-decoded key after `whsec_`, message)), straight from WebCrypto. */
async function hmacBase64(whsec: string, message: string): Promise<string> {
  const raw = Uint8Array.from(atob(whsec.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return btoa(String.fromCharCode(...mac));
}

async function deliveredEvent(orderId: string) {
  await seedChanges("juspay", orderId, ["succeeded"]);
  await runAlarmsUntil("juspay", orderId, acceptedCount(orderId, 1));
  const [event] = await merchantEvents(orderId, true);
  if (!event) throw new Error("no event delivered");
  return event;
}

function headersOf(event: {
  webhook_id: string | null;
  webhook_timestamp: string | null;
  webhook_signature: string | null;
}) {
  return {
    "webhook-id": event.webhook_id ?? "",
    "webhook-timestamp": event.webhook_timestamp ?? "",
    "webhook-signature": event.webhook_signature ?? "",
  };
}

describe("outbound event signatures", () => {
  it("verifies with the standardwebhooks library under every configured key", async () => {
    const orderId = uniqueOrderId("ord_sig");
    const event = await deliveredEvent(orderId);
    expect(event.content_type).toBe("application/json");
    for (const key of KEYS) {
      const payload = new Webhook(key).verify(event.body, headersOf(event)) as { type: string };
      expect(payload.type).toBe("payment.succeeded");
    }
  });

  it("puts one v1 signature per key in the header, the first key's first", async () => {
    const orderId = uniqueOrderId("ord_sig2");
    const event = await deliveredEvent(orderId);
    const signed = `${event.webhook_id}.${event.webhook_timestamp}.${event.body}`;
    const expected = await Promise.all(KEYS.map(async (k) => `v1,${await hmacBase64(k, signed)}`));
    expect(event.webhook_signature).toBe(expected.join(" "));
    expect(Math.abs(Number(event.webhook_timestamp) - Date.now() / 1000)).toBeLessThan(300);
  });

  it("fails verification when the body or the id is altered", async () => {
    const orderId = uniqueOrderId("ord_sig3");
    const event = await deliveredEvent(orderId);
    const wh = new Webhook(KEYS[0] ?? "");
    expect(() => wh.verify(event.body.replace("succeeded", "failed"), headersOf(event))).toThrow();
    expect(() => wh.verify(event.body, { ...headersOf(event), "webhook-id": "evt_other" })).toThrow();
  });

  it("sends the Standard Webhooks payload: type, when it happened, and the unified order with its sequence", async () => {
    const orderId = uniqueOrderId("ord_body");
    const event = await deliveredEvent(orderId);
    const body = JSON.parse(event.body) as {
      type: string;
      timestamp: string;
      data: { sequence: number; order: Record<string, unknown> };
    };
    const delivery = await deliveryOf("juspay", orderId, 1);
    expect(Object.keys(body).sort()).toEqual(["data", "timestamp", "type"]);
    expect(body.type).toBe("payment.succeeded");
    expect(body.timestamp).toBe(delivery.created_at);
    expect(event.webhook_id).toBe(delivery.id);
    expect(body.data.sequence).toBe(1);
    const current = (await (await api(`/v1/orders/juspay/${orderId}`)).json()) as Record<string, unknown>;
    // The event carries the unified order as `GET /v1/orders/…` shows it (which adds the order's refunds).
    expect(current).toMatchObject(body.data.order);
    expect(body.data.order).toMatchObject({ order_id: orderId, status: "succeeded", amount: 10_000, sequence: 1 });
  });
});

describe("the signed return redirect shares the signing key and HMAC", () => {
  it("signs the sorted, encoded query with the first key, as the README documents", async () => {
    const rc = {
      env,
      exec: {} as ExecutionContext,
      config: loadConfig(env),
      log: createLogger("silent"),
      requestId: "req-test-0001",
      now: () => 1_790_000_000_000,
    };
    const order = {
      gateway: "phonepe",
      order_id: "ord_redirect 1",
      status: "succeeded",
      amount: 4200,
      currency: "INR",
    };
    const res = await resultRedirect(order as never, rc, new URL("https://checkpost.test/return/phonepe"));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(TEST_BINDINGS.MERCHANT_RETURN_URL);
    const params = [...location.searchParams].filter(([k]) => k !== "signature");
    const canonical = params
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .sort()
      .join("&");
    expect(canonical).toBe(
      "amount=4200&currency=INR&gateway=phonepe&order_id=ord_redirect%201&status=succeeded&ts=1790000000",
    );
    expect(location.searchParams.get("signature")).toBe(`v1,${await hmacBase64(KEYS[0] ?? "", canonical)}`);
  });
});
