/**
 * What the simulated Juspay signs and sends: the return redirect with its `signature` (juspay.md §3.2, written here
 * from the documented algorithm, independently of checkpost's verifier) and Basic-auth webhooks (§7).
 */
import { config, getMandate, renderMandateBlock, renderOrder, STATUS_IDS, type SimOrder } from "./juspay-model";

const KEPT = /^[A-Za-z0-9.*_-]$/;

/** Java's `URLEncoder.encode(s, "UTF-8")`, one code point at a time. */
export function urlEncoderEncode(text: string): string {
  let out = "";
  for (const ch of text) {
    if (KEPT.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * §3.2: pairs except `signature` / `signature_algorithm`, each `enc(k)=enc(v)`, sorted by encoded key, joined with
 * `&`, encoded again; HMAC-SHA256 keyed by the Response Key's UTF-8 bytes; Base64.
 */
export async function juspaySignature(params: readonly [string, string][], responseKey: string): Promise<string> {
  const encoded = params
    .filter(([k]) => k !== "signature" && k !== "signature_algorithm")
    .map(([k, v]) => ({ k: urlEncoderEncode(k), v: urlEncoderEncode(v) }));
  encoded.sort((a, b) => (a.k === b.k ? 0 : a.k < b.k ? -1 : 1));
  const message = urlEncoderEncode(encoded.map(({ k, v }) => `${k}=${v}`).join("&"));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(responseKey),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return btoa(String.fromCharCode(...mac));
}

export interface RedirectOptions {
  /** How the signature travels: "double" percent-encoded like the docs' sample (default), or "single". */
  encoding?: "double" | "single";
  method?: "GET" | "POST";
  /** Extra parameters Juspay would also sign (as if they were on the return_url). */
  extra?: Record<string, string>;
  /** Sign with another key (to produce a redirect checkpost must refuse). */
  key?: string;
}

/**
 * The customer's redirect back to `return_url` (§3.1): Juspay appends `order_id`, `status`, `status_id`, then the
 * signature and `signature_algorithm`; the return_url's own query parameters are kept and signed too. A return_url
 * that already carried `order_id` therefore ends up with it twice.
 */
export async function buildRedirect(
  order: SimOrder,
  options: RedirectOptions = {},
): Promise<{ url: string; method: "GET" | "POST"; body: string | null; signature: string }> {
  const target = new URL(order.return_url);
  const own = [...target.searchParams];
  const added: [string, string][] = [
    ["order_id", order.order_id],
    ["status", order.status],
    ["status_id", String(STATUS_IDS[order.status] ?? 20)],
    ...Object.entries(options.extra ?? {}),
  ];
  const signature = await juspaySignature([...own, ...added], options.key ?? config.response_key);
  const sigValue = options.encoding === "single" ? signature : urlEncoderEncode(signature);
  const pairs = [...added, ["signature", sigValue], ["signature_algorithm", "HMAC-SHA256"]] as const;
  const query = pairs.map(([k, v]) => `${urlEncoderEncode(k)}=${urlEncoderEncode(v)}`).join("&");
  if (options.method === "POST") {
    const all = [...own.map(([k, v]) => `${urlEncoderEncode(k)}=${urlEncoderEncode(v)}`), query].filter(Boolean);
    return { url: target.toString(), method: "POST", body: all.join("&"), signature };
  }
  const existing = target.search.replace(/^\?/, "");
  target.search = "";
  return {
    url: `${target.toString()}?${existing ? `${existing}&` : ""}${query}`,
    method: "GET",
    body: null,
    signature,
  };
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)))}`;
}

/**
 * The order inside a webhook as the demo samples show it (payv3-forms/webhook/response-orderrefunded.txt,
 * response-txncreated.txt): the Order Status object with its amounts, `status_id` and the refunds' amounts and
 * `sent_to_gateway` as strings ("1000", "21", "true"), unlike Order Status's JSON numbers.
 */
function webhookOrder(order: SimOrder): Record<string, unknown> {
  const o = renderOrder(order);
  for (const key of ["amount", "effective_amount", "amount_refunded", "status_id"]) {
    if (typeof o[key] === "number") o[key] = String(o[key]);
  }
  if (Array.isArray(o["refunds"])) {
    o["refunds"] = (o["refunds"] as Record<string, unknown>[]).map((r) => ({
      ...r,
      amount: String(r["amount"]),
      sent_to_gateway: String(r["sent_to_gateway"]),
    }));
  }
  return o;
}

/**
 * A webhook as Juspay sends it (§7): `{id, event_name, date_created, content: {order, mandate?}}`, Basic auth.
 * `omitId`: without `id` and `date_created`, as the docs' UPI Autopay sample starts `{"event_name": …, "content": …}`
 * (docs.juspay.io/upi-autopay/docs/how-to-integrate/webhooks).
 */
export function buildWebhook(
  order: SimOrder,
  eventName: string,
  options: { id?: string; username?: string; password?: string; omitId?: boolean } = {},
): { headers: Record<string, string>; body: string } {
  const mandate = order.mandate_id ? getMandate(order.mandate_id) : null;
  const body = JSON.stringify({
    ...(options.omitId
      ? {}
      : {
          id: options.id ?? `evt_V2_${crypto.randomUUID().replace(/-/g, "")}`,
          date_created: new Date().toISOString(),
        }),
    event_name: eventName,
    content: { order: webhookOrder(order), ...(mandate ? { mandate: renderMandateBlock(mandate) } : {}) },
  });
  return {
    headers: {
      "content-type": "application/json",
      authorization: basicAuth(
        options.username ?? config.webhook_username,
        options.password ?? config.webhook_password,
      ),
    },
    body,
  };
}

/**
 * The event Juspay would send for an order that just reached this status (event names: developer.juspay.in/v3.2/
 * docs/outgoing-webhookcallback-3). AUTHORIZED and other non-final statuses: TXN_CREATED ("payment is initiated";
 * no event is documented for a pre-auth hold, so this is inferred).
 */
export function eventFor(status: string): string {
  if (status === "CHARGED") return "ORDER_SUCCEEDED";
  if (status === "AUTO_REFUNDED") return "AUTO_REFUND_SUCCEEDED";
  if (["JUSPAY_DECLINED", "AUTHENTICATION_FAILED", "AUTHORIZATION_FAILED"].includes(status)) return "ORDER_FAILED";
  return "TXN_CREATED";
}
