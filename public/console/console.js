// checkpost operator console (product.md §2, `GET /console/`). Plain JavaScript, no framework, no third-party asset.
// It uses only checkpost's public /v1 API, with the API key the operator signs in with kept for this tab only
// (sessionStorage) and sent as a Bearer token. Every text is set with textContent: nothing from the API is parsed as
// HTML. Views live in the URL fragment (#/orders, #/order/<gateway>/<id>, #/review, #/deliveries, #/dashboard).

const KEY = "checkpost.apiKey";
const STATUSES = ["created", "pending", "succeeded", "failed", "expired", "reversed"];
const GATEWAYS = ["juspay", "phonepe", "nimbbl"];
const main = document.getElementById("main");
const statusLine = document.getElementById("status");
const nav = document.getElementById("nav");

// ------------------------------------------------------------------ DOM helpers

/** An element with attributes (`on*` functions become listeners) and children (strings become text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity))
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity))
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

function render(...nodes) {
  main.replaceChildren(...nodes);
}

function table(caption, head, rows, empty = "Nothing to show.") {
  if (!rows.length) return h("p", {}, empty);
  return h(
    "div",
    { class: "table" },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          head.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label ?? c)),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

const statusBadge = (st) => h("span", { class: `badge s-${st}` }, st);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");

// ------------------------------------------------------------------ money (integer minor units, exact)

const exponent = (currency) => {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
};

/** Minor units as a decimal string with the currency code, without float arithmetic. */
function money(minor, currency) {
  if (minor === null || minor === undefined) return "—";
  if (!currency) return `${minor} (minor units)`;
  const e = exponent(currency);
  const digits = String(Math.abs(minor)).padStart(e + 1, "0");
  const whole = e ? digits.slice(0, -e) : digits;
  return `${minor < 0 ? "-" : ""}${whole}${e ? `.${digits.slice(-e)}` : ""} ${currency}`;
}

/** "12.5" → 1250 for a two-digit currency; null when the text is not an exact amount. */
function toMinor(text, currency) {
  const e = exponent(currency);
  const m = /^(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[2] ?? "").length > e) return null;
  const minor = Number(m[1] + (m[2] ?? "").padEnd(e, "0"));
  return Number.isSafeInteger(minor) && minor > 0 ? minor : null;
}

// ------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, { method = "GET", body, idempotencyKey } = {}) {
  const key = sessionStorage.getItem(KEY);
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    signIn("That API key was refused. Sign in again.");
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function problemText(error) {
  const fields = error.body?.errors ?? error.body?.fields;
  const extra = Array.isArray(fields) ? `: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}` : "";
  return `${error.message}${extra}`;
}

/** Runs a view's loader, reporting failures in the status line. */
async function guarded(fn) {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    say(error instanceof ApiError ? problemText(error) : `Request failed: ${error.message}`, true);
  }
}

// ------------------------------------------------------------------ sign-in

function signIn(message = "") {
  nav.hidden = true;
  const input = h("input", { id: "api-key", name: "api-key", type: "password", autocomplete: "off", required: true });
  const form = h(
    "form",
    {
      class: "panel",
      onsubmit: async (event) => {
        event.preventDefault();
        sessionStorage.setItem(KEY, input.value.trim());
        say("Checking the key…");
        try {
          await api("/v1/orders?limit=1");
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) return;
          // Any other answer (the index may be catching up) means the key was accepted.
        }
        say("Signed in.");
        if (!location.hash || location.hash === "#/sign-in") location.hash = "#/orders";
        else route();
      },
    },
    h("h1", {}, "Sign in"),
    h("p", {}, "Use one of checkpost's PROXY_API_KEYS. It is kept for this tab only."),
    h("label", { for: "api-key" }, "API key", input),
    h("p", {}, h("button", { class: "primary", type: "submit" }, "Sign in")),
  );
  render(form);
  say(message, Boolean(message));
  input.focus();
}

// ------------------------------------------------------------------ orders

function hashQuery() {
  const i = location.hash.indexOf("?");
  return new URLSearchParams(i < 0 ? "" : location.hash.slice(i + 1));
}

function select(name, label, values, current) {
  return h(
    "label",
    { for: `f-${name}` },
    label,
    h(
      "select",
      { name, id: `f-${name}`, "aria-label": label },
      h("option", { value: "" }, "any"),
      values.map((v) => h("option", { value: v, selected: v === current }, v)),
    ),
  );
}

const toIso = (local) => (local ? new Date(local).toISOString() : "");
const toLocal = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function orderRows(orders) {
  return orders.map((o) =>
    h(
      "tr",
      {},
      h("td", {}, when(o.created_at)),
      h("td", {}, o.gateway),
      h(
        "td",
        {},
        h("a", { href: `#/order/${o.gateway}/${encodeURIComponent(o.order_id)}`, class: "mono" }, o.order_id),
      ),
      h("td", {}, statusBadge(o.status)),
      h("td", { class: "num" }, money(o.amount, o.currency)),
      h("td", {}, o.requires_review ? (o.review_reason ?? (o.refunds_in_review ? "refund under review" : "yes")) : "—"),
    ),
  );
}

const ORDER_HEAD = ["Created", "Gateway", "Order", "Status", { label: "Amount", num: true }, "Review"];

async function ordersView() {
  const q = hashQuery();
  const form = h(
    "form",
    {
      class: "filters",
      "aria-label": "Filter orders",
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const next = new URLSearchParams();
        for (const name of ["status", "gateway", "requires_review", "q"]) {
          const v = String(data.get(name) ?? "").trim();
          if (v) next.set(name, v);
        }
        for (const name of ["created_from", "created_to"]) {
          const v = toIso(String(data.get(name) ?? ""));
          if (v) next.set(name, v);
        }
        location.hash = `#/orders?${next}`;
      },
    },
    select("status", "Status", STATUSES, q.get("status")),
    select("gateway", "Gateway", GATEWAYS, q.get("gateway")),
    select("requires_review", "Needs review", ["true", "false"], q.get("requires_review")),
    h(
      "label",
      {},
      "Created from",
      h("input", { type: "datetime-local", name: "created_from", value: toLocal(q.get("created_from")) }),
    ),
    h(
      "label",
      {},
      "Created before",
      h("input", { type: "datetime-local", name: "created_to", value: toLocal(q.get("created_to")) }),
    ),
    h("label", {}, "Order id starts with", h("input", { type: "search", name: "q", value: q.get("q") ?? "" })),
    h("button", { type: "submit", class: "primary" }, "Filter"),
  );
  const results = h("div", { id: "orders" });
  render(h("h1", {}, "Orders"), form, results);
  // Pages are walked with the API's cursors; earlier pages' cursors are kept to go back.
  const cursors = [null];
  const show = async (page) => {
    const params = new URLSearchParams(q);
    params.set("limit", "25");
    if (cursors[page]) params.set("cursor", cursors[page]);
    const body = await api(`/v1/orders?${params}`);
    cursors[page + 1] = body.next_cursor;
    const prev = h(
      "button",
      { type: "button", disabled: page === 0, onclick: () => guarded(() => show(page - 1)) },
      "Previous page",
    );
    const next = h(
      "button",
      { type: "button", disabled: !body.next_cursor, onclick: () => guarded(() => show(page + 1)) },
      "Next page",
    );
    results.replaceChildren(
      table(`Orders, newest first (page ${page + 1})`, ORDER_HEAD, orderRows(body.data), "No orders match."),
      h("div", { class: "pager" }, prev, next),
    );
    say(`${body.data.length} order${body.data.length === 1 ? "" : "s"} on this page.`);
  };
  await show(0);
}

// ------------------------------------------------------------------ one order

async function orderView(gateway, orderId) {
  const path = `/v1/orders/${gateway}/${encodeURIComponent(orderId)}`;
  const order = await api(path);
  const facts = h(
    "dl",
    { class: "facts" },
    [
      ["Status", statusBadge(order.status)],
      ["Amount", `${money(order.amount, order.currency)}${order.amount_verified ? " (verified)" : ""}`],
      ["Gateway status", order.gateway_status ?? "—"],
      ["Gateway reference", order.gateway_reference ?? "—"],
      ["Needs review", order.requires_review ? (order.review_reason ?? "yes") : "no"],
      ["Created", when(order.created_at)],
      ["Updated", when(order.updated_at)],
    ].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
  const refunds = table(
    "Refunds",
    ["Refund", "Status", { label: "Amount", num: true }, "Gateway status", "Review", "Created", ""],
    order.refunds.map((r) =>
      h(
        "tr",
        {},
        h("td", { class: "mono" }, r.refund_id),
        h("td", {}, statusBadge(r.status)),
        h("td", { class: "num" }, money(r.amount, r.currency)),
        h("td", {}, r.gateway_status ?? "—"),
        h("td", {}, r.requires_review ? (r.review_reason ?? "yes") : "—"),
        h("td", {}, when(r.created_at)),
        h("td", {}, r.status === "pending" && r.requires_review ? markFailedButton(order, r) : ""),
      ),
    ),
    "No refunds.",
  );
  const events = h("div", {});
  render(
    h("p", {}, h("a", { href: "#/orders" }, "← Orders")),
    h("h1", {}, "Order ", h("span", { class: "mono" }, order.order_id), ` (${order.gateway})`),
    facts,
    h("h2", {}, "Refunds"),
    refunds,
    order.status === "succeeded" && !order.requires_review ? refundForm(order) : null,
    h("h2", {}, "Audit trail"),
    events,
  );
  await loadEvents(path, events, 0, []);
  say(`Order ${order.order_id}.`);
}

async function loadEvents(path, into, after, rows) {
  const page = await api(`${path}/events?limit=100&after=${after}`);
  for (const e of page.data) {
    rows.push(
      h(
        "tr",
        {},
        h("td", {}, when(e.at)),
        h("td", {}, e.source),
        h("td", {}, e.kind),
        h("td", {}, e.outcome),
        h(
          "td",
          {},
          e.from_status && e.to_status && e.from_status !== e.to_status
            ? `${e.from_status} → ${e.to_status}`
            : (e.to_status ?? ""),
        ),
        h("td", {}, e.gateway_status ?? ""),
        h("td", { class: "mono detail" }, Object.keys(e.detail).length ? JSON.stringify(e.detail) : ""),
      ),
    );
  }
  const more =
    page.next_after === null
      ? null
      : h(
          "button",
          { type: "button", onclick: () => guarded(() => loadEvents(path, into, page.next_after, rows)) },
          "Load more",
        );
  into.replaceChildren(
    table(
      "Every input and change, oldest first",
      ["At", "Source", "Kind", "Outcome", "Status", "Gateway status", "Detail"],
      rows,
    ),
    more ?? "",
  );
}

/** Issuing a refund: the amount, then a confirmation step; one Idempotency-Key per confirmed attempt. */
function refundForm(order) {
  const amount = h("input", {
    id: "refund-amount",
    name: "amount",
    inputmode: "decimal",
    required: true,
    autocomplete: "off",
  });
  const reason = h("input", { id: "refund-reason", name: "reason", maxlength: 255, autocomplete: "off" });
  const area = h("div", {});
  const form = h(
    "form",
    {
      class: "inline panel",
      "aria-label": "Issue a refund",
      onsubmit: (event) => {
        event.preventDefault();
        const minor = toMinor(amount.value, order.currency);
        if (minor === null) return say(`Enter an amount in ${order.currency}, e.g. 10.50.`, true);
        confirmRefund(order, minor, reason.value.trim(), area);
      },
    },
    h("label", { for: "refund-amount" }, `Refund amount (${order.currency})`, amount),
    h("label", { for: "refund-reason" }, "Reason (optional)", reason),
    h("button", { type: "submit" }, "Review refund…"),
  );
  return h(
    "section",
    { "aria-labelledby": "refund-heading" },
    h("h2", { id: "refund-heading" }, "Issue a refund"),
    form,
    area,
  );
}

function confirmRefund(order, minor, reason, area) {
  // The key is made once for this attempt: sending again after a lost answer reuses it, so it refunds once.
  const idempotencyKey = `console-${crypto.randomUUID()}`;
  const send = h(
    "button",
    {
      type: "button",
      class: "danger",
      onclick: () =>
        guarded(async () => {
          send.disabled = true;
          try {
            const refund = await api(`/v1/orders/${order.gateway}/${encodeURIComponent(order.order_id)}/refunds`, {
              method: "POST",
              body: { amount: minor, ...(reason ? { reason } : {}) },
              idempotencyKey,
            });
            await orderView(order.gateway, order.order_id);
            say(`Refund ${refund.refund_id} is ${refund.status}.`);
          } finally {
            send.disabled = false;
          }
        }),
    },
    `Refund ${money(minor, order.currency)}`,
  );
  const cancel = h("button", { type: "button", onclick: () => area.replaceChildren() }, "Cancel");
  area.replaceChildren(
    h(
      "div",
      { class: "panel confirm", role: "alertdialog", "aria-labelledby": "confirm-text" },
      h(
        "p",
        { id: "confirm-text" },
        `Refund ${money(minor, order.currency)} of order ${order.order_id} at ${order.gateway}? This sends money back to the customer.`,
      ),
      h("p", {}, send, " ", cancel),
    ),
  );
  send.focus();
}

/** `mark-failed` for a refund under review: a note, a confirmation, and an Idempotency-Key. */
function markFailedButton(order, refund, after = () => orderView(order.gateway, order.order_id)) {
  const cell = h("div", {});
  const open = h(
    "button",
    {
      type: "button",
      onclick: () => {
        const idempotencyKey = `console-${crypto.randomUUID()}`;
        const note = h("textarea", { id: `note-${refund.refund_id}`, required: true, maxlength: 500, rows: 2 });
        const form = h(
          "form",
          {
            class: "panel confirm",
            onsubmit: (event) => {
              event.preventDefault();
              if (!note.value.trim()) return say("Say what you checked with the gateway.", true);
              void guarded(async () => {
                await api(
                  `/v1/orders/${order.gateway}/${encodeURIComponent(order.order_id)}/refunds/${encodeURIComponent(refund.refund_id)}/mark-failed`,
                  { method: "POST", body: { note: note.value.trim() }, idempotencyKey },
                );
                await after();
                say(`Refund ${refund.refund_id} marked failed; its amount is released.`);
              });
            },
          },
          h("label", { for: `note-${refund.refund_id}` }, "What did you check with the gateway?", note),
          h(
            "p",
            {},
            h("button", { type: "submit", class: "danger" }, "Mark failed"),
            " ",
            h("button", { type: "button", onclick: () => cell.replaceChildren(open) }, "Cancel"),
          ),
        );
        cell.replaceChildren(form);
        note.focus();
      },
    },
    "Mark failed…",
  );
  cell.append(open);
  return cell;
}

// ------------------------------------------------------------------ review queue

async function reviewView() {
  const body = await api("/v1/orders?requires_review=true&limit=100");
  const refundRows = [];
  for (const o of body.data.filter((o) => o.refunds_in_review > 0)) {
    const order = await api(`/v1/orders/${o.gateway}/${encodeURIComponent(o.order_id)}`);
    for (const r of order.refunds.filter((r) => r.status === "pending" && r.requires_review)) {
      refundRows.push(
        h(
          "tr",
          {},
          h(
            "td",
            {},
            h("a", { href: `#/order/${o.gateway}/${encodeURIComponent(o.order_id)}`, class: "mono" }, o.order_id),
          ),
          h("td", { class: "mono" }, r.refund_id),
          h("td", { class: "num" }, money(r.amount, r.currency)),
          h("td", {}, r.review_reason ?? "—"),
          h("td", {}, markFailedButton(order, r, reviewView)),
        ),
      );
    }
  }
  render(
    h("h1", {}, "Review queue"),
    h("p", {}, "Orders and refunds that need a person. Check with the gateway before deciding."),
    table(
      "Orders under review",
      ORDER_HEAD,
      orderRows(body.data.filter((o) => o.review_reason || !o.refunds_in_review)),
      "No order needs review.",
    ),
    table(
      "Refunds under review",
      ["Order", "Refund", { label: "Amount", num: true }, "Why", ""],
      refundRows,
      "No refund needs review.",
    ),
  );
  say(`${body.data.length} order${body.data.length === 1 ? "" : "s"} need review.`);
}

// ------------------------------------------------------------------ deliveries

const DELIVERY_STATES = ["failed", "pending", "delivered"];

async function deliveriesView() {
  const state = DELIVERY_STATES.includes(hashQuery().get("status")) ? hashQuery().get("status") : "failed";
  const body = await api(`/v1/deliveries?status=${state}&limit=100`);
  const rows = body.data.map((d) => {
    const retry = h(
      "button",
      {
        type: "button",
        "aria-label": `${state === "delivered" ? "Send again" : "Retry"} ${d.type} of ${d.order_id}`,
        onclick: () =>
          guarded(async () => {
            retry.disabled = true;
            await api(`/v1/deliveries/${encodeURIComponent(d.id)}/retry`, { method: "POST" });
            retry.textContent = "Re-queued";
            say(`Delivery ${d.id} re-queued.`);
          }),
      },
      state === "delivered" ? "Send again" : "Retry",
    );
    return h(
      "tr",
      {},
      h("td", {}, when(d.since ?? d.finished_at)),
      h(
        "td",
        {},
        h("a", { href: `#/order/${d.gateway}/${encodeURIComponent(d.order_id)}`, class: "mono" }, d.order_id),
      ),
      h("td", {}, d.type),
      h("td", { class: "num" }, d.attempts),
      h("td", {}, d.last_error ?? (d.last_status ? `HTTP ${d.last_status}` : "—")),
      h("td", {}, state === "pending" ? "" : retry),
    );
  });
  const picker = h(
    "form",
    {
      class: "filters",
      "aria-label": "Which deliveries",
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = `#/deliveries?status=${new FormData(picker).get("status")}`;
      },
    },
    h(
      "label",
      {},
      "Status",
      h(
        "select",
        { name: "status", "aria-label": "Status" },
        DELIVERY_STATES.map((v) => h("option", { value: v, selected: v === state }, v)),
      ),
    ),
    h("button", { type: "submit", class: "primary" }, "Show"),
  );
  render(
    h("h1", {}, "Deliveries"),
    h(
      "p",
      {},
      "Events to your webhook endpoint. Failed ones were not delivered; a retry sends the event again, ahead of the order's later events. A delivered one can be sent again (a replay).",
    ),
    picker,
    table(
      `${state[0].toUpperCase()}${state.slice(1)} deliveries, newest first`,
      ["Since", "Order", "Event", { label: "Attempts", num: true }, "Last error", ""],
      rows,
      `No ${state} deliveries.`,
    ),
  );
  say(`${rows.length} ${state} deliver${rows.length === 1 ? "y" : "ies"}.`);
}

// ------------------------------------------------------------------ dashboard (inline SVG)

const COLORS = {
  created: "#4a4a4a",
  pending: "#8a5300",
  succeeded: "#1b6e3a",
  failed: "#b3261e",
  expired: "#6b21a8",
  reversed: "#1d4ed8",
};

function legend(keys) {
  return h(
    "ul",
    { class: "legend" },
    keys.map((k) =>
      h(
        "li",
        {},
        s(
          "svg",
          { width: 12, height: 12, "aria-hidden": "true" },
          s("rect", { width: 12, height: 12, fill: COLORS[k] ?? "#1d4ed8" }),
        ),
        ` ${k}`,
      ),
    ),
  );
}

/** Stacked bars: one per bucket, one segment per status. */
function perHourChart(summary) {
  const W = 420;
  const H = 200;
  const pad = 28;
  const max = Math.max(1, ...summary.buckets.map((b) => b.count));
  const bw = (W - pad) / Math.max(1, summary.buckets.length);
  const bars = summary.buckets.map((b, i) => {
    let y = H - pad;
    const segs = STATUSES.filter((st) => b.by_status[st]).map((st) => {
      const hgt = ((H - 2 * pad) * b.by_status[st].count) / max;
      y -= hgt;
      return s(
        "rect",
        { x: pad + i * bw + 1, y, width: Math.max(1, bw - 2), height: hgt, fill: COLORS[st] },
        s("title", {}, `${new Date(b.start).toLocaleString()}: ${b.by_status[st].count} ${st}`),
      );
    });
    const label =
      i % Math.ceil(summary.buckets.length / 5) === 0
        ? s("text", { x: pad + i * bw, y: H - 8 }, new Date(b.start).getHours().toString().padStart(2, "0") + ":00")
        : null;
    return [segs, label];
  });
  const total = summary.total.count;
  return h(
    "figure",
    {},
    h("figcaption", {}, "Payments per hour by status (last 24 hours)"),
    s(
      "svg",
      {
        viewBox: `0 0 ${W} ${H}`,
        role: "img",
        "aria-label": `Payments per hour: ${total} in the last 24 hours, ${STATUSES.map((st) => `${summary.by_status[st]?.count ?? 0} ${st}`).join(", ")}`,
      },
      s("line", { x1: pad, y1: H - pad, x2: W, y2: H - pad, stroke: "#4a4a4a" }),
      s("text", { x: 0, y: pad }, String(max)),
      s("text", { x: 0, y: H - pad }, "0"),
      bars,
    ),
    legend(STATUSES),
  );
}

/** Share of finished payments that succeeded, per gateway. */
function successChart(summary) {
  const W = 360;
  const rowH = 36;
  const rows = GATEWAYS.map((g) => {
    const st = summary.by_gateway[g]?.by_status ?? {};
    const ok = st.succeeded?.count ?? 0;
    const done = ok + (st.failed?.count ?? 0) + (st.expired?.count ?? 0);
    return { g, ok, done, rate: done ? ok / done : null };
  });
  return h(
    "figure",
    {},
    h("figcaption", {}, "Success rate per gateway (finished payments, last 24 hours)"),
    s(
      "svg",
      {
        viewBox: `0 0 ${W} ${rowH * rows.length}`,
        role: "img",
        "aria-label": rows
          .map(
            (r) => `${r.g}: ${r.rate === null ? "no finished payments" : `${Math.round(r.rate * 100)}% of ${r.done}`}`,
          )
          .join("; "),
      },
      rows.map((r, i) => [
        s("text", { x: 0, y: i * rowH + 22 }, r.g),
        s("rect", { x: 80, y: i * rowH + 8, width: 200, height: 20, fill: "#f3f4f6", stroke: "#8a8f98" }),
        r.rate === null
          ? null
          : s("rect", { x: 80, y: i * rowH + 8, width: 200 * r.rate, height: 20, fill: COLORS.succeeded }),
        s(
          "text",
          { x: 290, y: i * rowH + 22 },
          r.rate === null ? "—" : `${Math.round(r.rate * 100)}% (${r.ok}/${r.done})`,
        ),
      ]),
    ),
  );
}

const AGE_BANDS = [
  ["< 5 min", 5 * 60_000],
  ["5–30 min", 30 * 60_000],
  ["30 min–2 h", 2 * 3_600_000],
  ["2–24 h", 24 * 3_600_000],
  ["> 1 day", Infinity],
];

/** How long pending orders have been waiting (the newest 100). */
function ageChart(pending) {
  const now = Date.now();
  const counts = AGE_BANDS.map(() => 0);
  for (const o of pending) {
    const age = now - Date.parse(o.created_at);
    counts[AGE_BANDS.findIndex(([, limit]) => age < limit)] += 1;
  }
  const W = 360;
  const rowH = 30;
  const max = Math.max(1, ...counts);
  return h(
    "figure",
    {},
    h("figcaption", {}, `Age of pending orders (${pending.length}${pending.length === 100 ? "+" : ""})`),
    s(
      "svg",
      {
        viewBox: `0 0 ${W} ${rowH * AGE_BANDS.length}`,
        role: "img",
        "aria-label": AGE_BANDS.map(([l], i) => `${l}: ${counts[i]}`).join("; "),
      },
      AGE_BANDS.map(([label], i) => [
        s("text", { x: 0, y: i * rowH + 19 }, label),
        s("rect", { x: 90, y: i * rowH + 6, width: (200 * counts[i]) / max, height: 18, fill: COLORS.pending }),
        s("text", { x: 90 + (200 * counts[i]) / max + 6, y: i * rowH + 19 }, String(counts[i])),
      ]),
    ),
  );
}

async function dashboardView() {
  const [summary, pending] = await Promise.all([
    api("/v1/summary?bucket=hour"),
    api("/v1/orders?status=pending&limit=100"),
  ]);
  const totals = table(
    "Last 24 hours by status",
    ["Status", { label: "Orders", num: true }, "Amount"],
    STATUSES.filter((st) => summary.by_status[st]).map((st) =>
      h(
        "tr",
        {},
        h("td", {}, statusBadge(st)),
        h("td", { class: "num" }, summary.by_status[st].count),
        h(
          "td",
          {},
          Object.entries(summary.by_status[st].amount)
            .map(([c, v]) => money(v, c))
            .join(", ") || "—",
        ),
      ),
    ),
    "No orders in the last 24 hours.",
  );
  render(
    h("h1", {}, "Dashboard"),
    h("div", { class: "charts" }, perHourChart(summary), successChart(summary), ageChart(pending.data)),
    totals,
  );
  say(`${summary.total.count} orders in the last 24 hours.`);
}

// ------------------------------------------------------------------ routing

const VIEWS = [
  [/^#\/orders(\?.*)?$/, ordersView],
  [/^#\/order\/([a-z]+)\/([^/?]+)$/, (m) => orderView(m[1], decodeURIComponent(m[2]))],
  [/^#\/review$/, reviewView],
  [/^#\/deliveries(\?.*)?$/, deliveriesView],
  [/^#\/dashboard$/, dashboardView],
];

function route() {
  if (!sessionStorage.getItem(KEY)) return signIn();
  nav.hidden = false;
  const hash = location.hash || "#/orders";
  for (const a of nav.querySelectorAll("a")) {
    if (hash.startsWith(a.getAttribute("href"))) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  for (const [pattern, view] of VIEWS) {
    const m = pattern.exec(hash);
    if (m) {
      say("Loading…");
      main.focus({ preventScroll: true });
      return guarded(() => view(m));
    }
  }
  location.hash = "#/orders";
}

document.getElementById("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  location.hash = "";
  signIn("Signed out.");
});
window.addEventListener("hashchange", route);
route();
