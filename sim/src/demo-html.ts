/** The demo merchant's pages (demo.ts): plain HTML and a little CSS, readable on a phone. */
import { majorAmount } from "./checkout";

export interface DemoOrder {
  readonly gateway: string;
  readonly orderId: string;
  /** Paise. */
  readonly amount: number;
  readonly createdAt: number;
  /** checkpost's signed result on the customer's return, once verified. */
  returned: { status: string; amount: number; currency: string; at: number } | null;
}

export interface ReceivedEvent {
  readonly id: string;
  readonly type: string;
  readonly sequence: number | null;
  readonly order: { readonly status?: string } | null;
  readonly receivedAt: number;
}

const GATEWAY_NAMES: Record<string, string> = {
  juspay: "HDFC SmartGateway (Juspay)",
  phonepe: "PhonePe",
  nimbbl: "Nimbbl",
};

const LABELS: Record<string, string> = {
  created: "Not paid yet",
  pending: "Payment pending",
  succeeded: "Paid",
  failed: "Payment failed",
  expired: "Payment expired",
  reversed: "Refunded automatically",
  requires_review: "Needs review",
};
const FINAL = new Set(["succeeded", "failed", "expired", "reversed", "requires_review"]);

/** A JSON value as text: strings as they are, nothing for null, anything else as JSON. */
function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return v === null || v === undefined ? "" : JSON.stringify(v);
}

const esc = (v: unknown) => text(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const time = (ms: number | string) => new Date(ms).toISOString().slice(11, 19);
const badge = (status: string) => `<span class="badge ${esc(status)}">${esc(LABELS[status] ?? status)}</span>`;

const CSS = `*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1a1a1a}
header{background:#14213d;color:#fff;padding:.75rem 1rem}header a{color:#fff;text-decoration:none;font-weight:700}header span{opacity:.85;font-size:.85rem;margin-left:.5rem}
main{max-width:44rem;margin:0 auto;padding:1rem}section{background:#fff;border-radius:10px;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 2px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:.25rem 0 1rem}h2{font-size:1.05rem;margin:0 0 .5rem}p{margin:.4rem 0}.muted{color:#555;font-size:.875rem}
fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.25rem}label.opt{display:flex;gap:.5rem;align-items:center;padding:.5rem;border:1px solid #ccd;border-radius:8px;margin:.35rem 0}
input[type=text]{font:inherit;font-size:1.25rem;padding:.5rem;width:100%;max-width:12rem;border:1px solid #889;border-radius:8px}
button{font:inherit;font-weight:600;padding:.7rem 1.2rem;border:0;border-radius:8px;background:#1d4ed8;color:#fff;margin-top:1rem;cursor:pointer}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}.error{background:#fde8e8;color:#8a1c1c;padding:.5rem;border-radius:6px}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-weight:600;font-size:.9rem;background:#e5e7eb;color:#1f2937}
.succeeded{background:#d1fae5;color:#065f46}.failed,.expired{background:#fee2e2;color:#991b1b}.pending,.created{background:#fef3c7;color:#78350f}.reversed,.requires_review{background:#e0e7ff;color:#3730a3}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e5e7eb;vertical-align:top}th{color:#444}
h1 .badge{font-size:1.2rem;padding:.2rem .8rem}.ok{color:#065f46;font-weight:600;font-size:.9rem}.bad{color:#991b1b;font-weight:600}ul.orders{padding-left:1.1rem}`;

export function layout(title: string, body: string, refreshSeconds: number | null = null): string {
  const refresh = refreshSeconds === null ? "" : `<meta http-equiv="refresh" content="${refreshSeconds}">`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}<title>${esc(title)} · Demo shop</title><style>${CSS}</style></head><body><header><a href="/demo/">Demo shop</a><span>a pretend merchant using checkpost</span></header><main>${body}</main></body></html>`;
}

export function shopPage(enabled: readonly string[], recent: readonly DemoOrder[], problem: string | null): string {
  const options = Object.entries(GATEWAY_NAMES)
    .map(([id, name]) => {
      const on = enabled.includes(id);
      const checked = on && id === enabled[0] ? " checked" : "";
      return `<label class="opt"><input type="radio" name="gateway" value="${id}"${checked}${on ? "" : " disabled"}> ${name}${on ? "" : ' <span class="muted">(not configured)</span>'}</label>`;
    })
    .join("");
  const list = recent.length
    ? `<section><h2>Recent orders</h2><ul class="orders">${recent
        .map(
          (o) =>
            `<li><a href="/demo/orders/${esc(o.gateway)}/${esc(encodeURIComponent(o.orderId))}">${esc(o.orderId)}</a> · ${esc(GATEWAY_NAMES[o.gateway])} · ₹${majorAmount(o.amount)}</li>`,
        )
        .join("")}</ul></section>`
    : "";
  return layout(
    "Checkout",
    `<section><h1>Checkout</h1>${problem ? `<p class="error" role="alert">${esc(problem)}</p>` : ""}
<p>This shop creates your order through checkpost. You pay on a simulated gateway, choose what happens there, and come back here with checkpost's signed result.</p>
<form method="post" action="/demo/pay"><fieldset><legend>Pay with</legend>${options}</fieldset>
<label for="amount"><strong>Amount (₹)</strong></label><br><input type="text" id="amount" name="amount" inputmode="decimal" value="499.00" required pattern="\\d{1,7}(\\.\\d{1,2})?" aria-describedby="amount-hint">
<p class="muted" id="amount-hint">Rupees, up to two decimals.</p><button type="submit">Continue to payment</button> <button type="submit" name="subscribe" value="1" title="HDFC SmartGateway (Juspay) only: registers a monthly mandate with this payment">Start a subscription (Juspay)</button></form></section>${list}`,
  );
}

function row(cells: readonly unknown[]): string {
  return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
}

function table(head: readonly string[], rows: string, empty: string): string {
  if (!rows) return `<p class="muted">${empty}</p>`;
  return `<div class="table"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export interface OrderPageInput {
  readonly order: DemoOrder;
  readonly current: Record<string, unknown> | null;
  readonly audit: readonly Record<string, unknown>[];
  readonly received: readonly ReceivedEvent[];
  readonly rejectedEvents: number;
}

/** Keep refreshing while the order is open, for 20 s after the return (late events), and until events catch up. */
function refreshFor(input: OrderPageInput, status: string): number | null {
  const since = Date.now() - (input.order.returned?.at ?? input.order.createdAt);
  const sequence = typeof input.current?.["sequence"] === "number" ? input.current["sequence"] : 0;
  const seen = Math.max(0, ...input.received.map((e) => e.sequence ?? 0));
  const busy = !FINAL.has(status) || since < 20_000 || seen < sequence;
  return busy && since < 120_000 ? 2 : null;
}

export function orderPage(input: OrderPageInput): string {
  const { order, current, returned } = { ...input, returned: input.order.returned };
  const review = current?.["requires_review"] === true;
  const status = review ? "requires_review" : text(current?.["status"] ?? returned?.status ?? "created");
  const redirect = returned
    ? `<div id="returned" data-status="${esc(returned.status)}"><p>checkpost sent the customer back with <strong>${badge(returned.status)}</strong> for ₹${majorAmount(returned.amount)} ${esc(returned.currency)} at ${time(returned.at)}.</p><p class="ok">✓ Signature verified (HMAC-SHA256 over the sorted query, README).</p></div>`
    : `<p class="muted">The customer has not come back yet.</p>`;
  const events = input.received
    .map((e) => row([e.sequence ?? "", e.type, e.order?.status ?? "", "✓ verified", time(e.receivedAt)]))
    .join("");
  const audit = input.audit
    .map((a) => {
      const [from, to] = [text(a["from_status"]), text(a["to_status"])];
      const move = from && from !== to ? `${from} → ${to}` : to;
      return row([
        a["seq"],
        time(text(a["at"])),
        a["source"],
        move,
        a["gateway_status"] ?? "",
        a["kind"],
        a["outcome"],
      ]);
    })
    .join("");
  const refresh = refreshFor(input, status);
  return layout(
    LABELS[status] ?? status,
    `<section><p class="muted">Order ${esc(order.orderId)} · ${esc(GATEWAY_NAMES[order.gateway])} · ₹${majorAmount(order.amount)}</p>
<h1 id="status" data-status="${esc(status)}">${badge(status)}</h1>${redirect}
<p>Now, per checkpost (<code>GET /v1/orders</code>): ${current ? `${badge(text(current["status"]))} · gateway says <code>${esc(current["gateway_status"])}</code> · sequence ${esc(current["sequence"])}` : "unavailable"}</p>
${refresh ? '<p class="muted">This page refreshes by itself while something may still change.</p>' : ""}</section>
<section id="events"><h2>Signed events received</h2><p class="muted">Standard Webhooks, verified with the <code>standardwebhooks</code> library${input.rejectedEvents ? ` · ${input.rejectedEvents} rejected` : ""}.</p>${table(["seq", "type", "status", "signature", "received"], events, "No events yet.")}</section>
<section id="audit"><h2>Audit trail</h2><p class="muted"><code>GET /v1/orders/${esc(order.gateway)}/${esc(order.orderId)}/events</code></p>${table(["#", "time", "source", "status", "gateway", "kind", "outcome"], audit, "Nothing recorded.")}</section>
<p><a href="/demo/">Start another payment</a></p>`,
    refresh,
  );
}
