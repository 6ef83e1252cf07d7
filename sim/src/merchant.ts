/**
 * The merchant's backend, as far as checkpost's own events go (product.md §4). `POST /merchant/webhooks` records
 * every delivery — headers and raw body, as received — and answers 200 unless a fault rule says otherwise.
 * It does not verify signatures: tests do that with a Standard Webhooks library, independently of checkpost.
 *
 * Control (`/__control/merchant/…`):
 * - `POST faults` `{order_id?, fault, times?}`: answer deliveries (of that order, or all) with a fault from
 *   `faults.ts` — e.g. `{kind: "status", status: 500}` to fail, `{kind: "status", status: 410}` for Gone,
 *   `{kind: "reset"}` to be down — `times` times (default 1; `null` until cleared).
 * - `POST clear-faults` `{order_id?}`: remove the rules (of that order, or all): the endpoint is back.
 * - `GET events?order_id=…&accepted=true`: what arrived, in arrival order, with the status the merchant answered.
 * - `POST reset`: forget everything.
 */
import { faultResponse } from "./faults";
import type { Fault } from "./state";

export interface MerchantDelivery {
  readonly webhook_id: string | null;
  readonly webhook_timestamp: string | null;
  readonly webhook_signature: string | null;
  readonly content_type: string | null;
  readonly body: string;
  readonly order_id: string | null;
  readonly type: string | null;
  readonly sequence: number | null;
  /** The status the merchant answered, or null when it did not answer (down, timeout). */
  answered: number | null;
  readonly at: number;
}

interface MerchantRule {
  readonly orderId: string | null;
  readonly fault: Fault;
  remaining: number | null;
}

let deliveries: MerchantDelivery[] = [];
let rules: MerchantRule[] = [];

export function resetMerchant(): void {
  deliveries = [];
  rules = [];
}

function describe(body: string): { order_id: string | null; type: string | null; sequence: number | null } {
  try {
    const parsed = JSON.parse(body) as {
      type?: unknown;
      data?: { sequence?: unknown; order?: { order_id?: unknown }; mandate?: { mandate_id?: unknown } };
    };
    const mandateId = parsed.data?.mandate?.mandate_id;
    return {
      // Mandate events are filed as `mandate:<mandate_id>`, the name checkpost's mandate object uses.
      order_id:
        typeof parsed.data?.order?.order_id === "string"
          ? parsed.data.order.order_id
          : typeof mandateId === "string"
            ? `mandate:${mandateId}`
            : null,
      type: typeof parsed.type === "string" ? parsed.type : null,
      sequence: typeof parsed.data?.sequence === "number" ? parsed.data.sequence : null,
    };
  } catch {
    return { order_id: null, type: null, sequence: null };
  }
}

function takeRule(orderId: string | null): Fault | null {
  for (const rule of rules) {
    if (rule.orderId !== null && rule.orderId !== orderId) continue;
    if (rule.remaining !== null) {
      if (rule.remaining <= 0) continue;
      rule.remaining--;
    }
    return rule.fault;
  }
  return null;
}

export async function merchantApi(request: Request, path: string): Promise<Response> {
  if (path !== "/webhooks" || request.method !== "POST") return Response.json({ error: "not found" }, { status: 404 });
  const body = await request.text();
  const h = request.headers;
  const delivery: MerchantDelivery = {
    webhook_id: h.get("webhook-id"),
    webhook_timestamp: h.get("webhook-timestamp"),
    webhook_signature: h.get("webhook-signature"),
    content_type: h.get("content-type"),
    body,
    ...describe(body),
    answered: null,
    at: Date.now(),
  };
  deliveries.push(delivery);
  const fault = takeRule(delivery.order_id);
  const response = fault ? await faultResponse(fault) : new Response("ok", { status: 200 });
  delivery.answered = response.status;
  return response;
}

export async function merchantControl(request: Request, url: URL, path: string): Promise<Response> {
  if (path === "/faults" && request.method === "POST") {
    const rule = await request.json<{ order_id?: string; fault: Fault; times?: number | null }>();
    rules.push({
      orderId: rule.order_id ?? null,
      fault: rule.fault,
      remaining: rule.times === undefined ? 1 : rule.times,
    });
    return Response.json({ ok: true });
  }
  if (path === "/clear-faults" && request.method === "POST") {
    const { order_id } = await request.json<{ order_id?: string }>();
    rules = order_id === undefined ? [] : rules.filter((r) => r.orderId !== order_id);
    return Response.json({ ok: true });
  }
  if (path === "/events" && request.method === "GET") {
    const orderId = url.searchParams.get("order_id");
    const accepted = url.searchParams.get("accepted") === "true";
    return Response.json(
      deliveries.filter(
        (d) =>
          (orderId === null || d.order_id === orderId) &&
          (!accepted || (d.answered !== null && d.answered >= 200 && d.answered < 300)),
      ),
    );
  }
  if (path === "/reset" && request.method === "POST") {
    resetMerchant();
    return Response.json({ ok: true });
  }
  return Response.json({ error: "unknown control route" }, { status: 404 });
}
