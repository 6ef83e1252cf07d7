/**
 * Arbitraries and checks for the property-based and fuzz tests (product.md §7): random and malformed paths, query
 * strings, headers and bodies (oversized, invalid UTF-8, other encodings, deep JSON, unicode, duplicate keys), and
 * the answer every one of them must get — never a 5xx, a problem document with a code for every 4xx, a redirect only
 * to the merchant or checkpost's own status page, and no change to any order.
 */
import fc from "fast-check";
import { beforeAll, expect } from "vitest";
import { MAX_BODY_BYTES } from "../../src/http/body";
import { GATEWAY_IDS, orderObjectName, type GatewayId } from "../../src/core/model";
import { TEST_BINDINGS } from "../bindings";
import { DRIVER_LIST } from "../drivers";
import { api, withClientIp, worker } from "../helpers";
import { auditTrail, orderView } from "./support";

/** Runs per property: enough to find shallow bugs, small enough for `npm test` (product.md §7, issue 9). */
export const NUM_RUNS = 150;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** `encodeURIComponent` that also takes lone surrogates (as U+FFFD, the way URLs and UTF-8 carry them). */
export function encode(text: string): string {
  return encodeURIComponent(dec.decode(enc.encode(text)));
}

// ---------------------------------------------------------------- strings and bytes

/** Unicode text: whole code points, lone surrogates included, control characters, right-to-left marks. */
export const unicodeText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("\u0000", "\uFEFF", "\u202E", "\uD800", "\uDFFF", "ﬀ", "İ", "𝔘𝔫𝔦", "e\u0301", "\r\n", "../"),
);

/** Path segments and parameter values: plausible ids, traversal, encodings gone wrong, and anything else. */
export const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.:-]{1,140}$/),
  fc.constantFrom("..", ".", "%2e%2e", "%2F", "%00", "%ZZ", "%", ...GATEWAY_IDS, "unknown", "x".repeat(300)),
  unicodeText.map(encode),
  unicodeText,
);

export const queryString = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(
          segment,
          fc.constantFrom("refresh", "after", "limit", "t", "order_id", "signature", "response", "status", "status_id"),
        ),
        segment,
      ),
      { maxLength: 8 },
    )
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.constantFrom(
    "refresh=true&refresh=false",
    "after=-1&limit=1e9",
    "limit=0",
    "after=NaN",
    "%",
    "a=%E0%A4%A",
    "t=&t=",
  ),
  fc.string({ unit: "grapheme-ascii", maxLength: 60 }),
);

/** A header value the Fetch API accepts (visible ASCII and spaces, no CR/LF). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.constantFrom(
    "",
    " ",
    "Bearer",
    "Bearer ",
    "Basic ",
    "Basic !!!",
    "Basic Og==",
    "application/json; charset=utf-16",
  ),
);

export const headers = fc
  .dictionary(
    fc.constantFrom(
      "authorization",
      "content-type",
      "accept",
      "idempotency-key",
      "x-request-id",
      "x-verify",
      "x-merchantid",
      "x-forwarded-host",
      "cookie",
    ),
    headerValue,
    { maxKeys: 5 },
  )
  .map((h) => ({ ...h }));

function utf16(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[i * 2] = text.charCodeAt(i) & 0xff;
    out[i * 2 + 1] = text.charCodeAt(i) >> 8;
  }
  return out;
}

const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom("[", '{"a":'))
  .map(([depth, open]) => open.repeat(depth) + "1" + (open === "[" ? "]" : "}").repeat(depth));

/** Bodies: random bytes, JSON of any shape, deep, with duplicate keys, oversized, other encodings, forms. */
export const body: fc.Arbitrary<Uint8Array<ArrayBuffer> | string> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => new Uint8Array(b) as Uint8Array<ArrayBuffer>),
  fc.json({ maxDepth: 4 }),
  unicodeText,
  deepJson,
  fc.constantFrom(
    '{"amount": 100, "amount": -1}',
    '{"order_id": "a", "order_id": {"$ne": 1}}',
    '{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}',
    '{"amount": 1e400}',
    '{"amount": 100.00000000000001}',
    '{"amount": "100"}',
    "\uFEFF{}",
    "null",
    "[]",
    "",
  ),
  fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES + 4096 }).map((n) => `{"a":"${"x".repeat(n)}"}`),
  fc.json({ maxDepth: 2 }).map((j) => utf16(j)),
  fc.array(fc.tuple(segment, segment), { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString()),
);

export const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

export function bytesOf(b: Uint8Array<ArrayBuffer> | string): Uint8Array<ArrayBuffer> {
  return typeof b === "string" ? (enc.encode(b) as Uint8Array<ArrayBuffer>) : b;
}

/** A Request, or null when the Fetch API itself refuses the combination (e.g. a body on GET). */
export function request(
  path: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array<ArrayBuffer> | string },
): Request | null {
  try {
    const hasBody = init.method !== "GET" && init.method !== "HEAD" && init.body !== undefined;
    const url = new URL(path, "https://checkpost.test");
    // A generated path that names another host (e.g. "//x") is not a request to checkpost at all.
    if (url.host !== "checkpost.test") return null;
    return new Request(url, {
      method: init.method,
      headers: init.headers,
      ...(hasBody ? { body: init.body } : {}),
      redirect: "manual",
    });
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- the answer

/** Never a 5xx; every 4xx a problem document with a code; a redirect only to the merchant or the status page. */
export async function expectSafeAnswer(res: Response, label: string): Promise<void> {
  expect(res.status, `${label}: ${res.status}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get("content-type"), label).toBe("application/problem+json");
    const problem = (await res.json()) as Record<string, unknown>;
    expect(typeof problem["code"], label).toBe("string");
    expect(problem["code"], label).toMatch(/^[a-z_]+$/);
    expect(problem["status"], label).toBe(res.status);
    expect(problem["request_id"], label).toBe(res.headers.get("x-request-id"));
  } else if (res.status >= 300) {
    const location = res.headers.get("location") ?? "";
    const allowed = [TEST_BINDINGS.MERCHANT_RETURN_URL, `${TEST_BINDINGS.PUBLIC_BASE_URL}/status/`];
    expect(
      allowed.some((a) => location.startsWith(a)),
      `${label}: redirect to ${location}`,
    ).toBe(true);
  }
}

// ---------------------------------------------------------------- orders that must not change

export interface Target {
  readonly gateway: GatewayId;
  readonly orderId: string;
}

/** Picks one of the targets (one per gateway, in `DRIVER_LIST` order). */
export const targetIndex = fc.integer({ min: 0, max: DRIVER_LIST.length - 1 });

/** One paid order per gateway, known to checkpost: the fuzz inputs aim at them. */
export async function paidTargets(): Promise<Target[]> {
  const targets: Target[] = [];
  for (const driver of DRIVER_LIST) targets.push({ gateway: driver.gateway, orderId: await driver.paidOrder(10_000) });
  return targets;
}

/** Everything about the targets a change would show in: the order, its refunds and its audit trail. */
export async function snapshot(targets: readonly Target[]): Promise<unknown[]> {
  return Promise.all(
    targets.map(async (t) => ({
      order: await orderView(t.gateway, t.orderId),
      audit: (await auditTrail(t.gateway, t.orderId)).length,
    })),
  );
}

/** Order ids the fuzzer made up must not have become orders. */
export async function expectNoOrders(ids: Iterable<[GatewayId, string]>): Promise<void> {
  let checked = 0;
  for (const [gateway, id] of ids) {
    // Ids a URL cannot carry as a segment ("." and "..") or no gateway takes are refused by every route.
    if (!/^[A-Za-z0-9_-]{1,63}$/.test(id) || checked >= 25) continue;
    checked += 1;
    const res = await api(`/v1/orders/${gateway}/${encodeURIComponent(id)}`);
    // 404 order_not_found, or 400 for an id this gateway would never take: either way, no order.
    expect([400, 404], `${gateway}/${id}`).toContain(res.status);
  }
}

/** Sends a fuzzed request (if the Fetch API could build it) and checks the answer is safe. */
export async function sendSafely(req: Request | null, label: string): Promise<Response | null> {
  if (!req) return null;
  const res = await worker().fetch(withClientIp(req));
  await expectSafeAnswer(res.clone(), label);
  return res;
}

export interface FuzzTargets {
  /** The paid orders, one per gateway (filled in by `beforeAll`). */
  readonly list: Target[];
  /** Remembers an order id the fuzzer made up, to check afterwards that it never became an order. */
  remember(gateway: GatewayId, orderId: string): string;
  /** Runs `fuzz`, then checks that no target changed and no made-up id became an order. */
  unchanged(fuzz: () => Promise<void>): Promise<void>;
}

/** Sets up the paid target orders for a fuzz file (in `beforeAll`) and the checks that they stay untouched. */
export function useFuzzTargets(): FuzzTargets {
  const list: Target[] = [];
  const madeUp = new Map<string, [GatewayId, string]>();
  beforeAll(async () => {
    list.push(...(await paidTargets()));
  }, 60_000);
  return {
    list,
    remember(gateway, orderId) {
      madeUp.set(orderObjectName({ gateway, orderId }), [gateway, orderId]);
      return orderId;
    },
    async unchanged(fuzz) {
      const before = await snapshot(list);
      await fuzz();
      expect(await snapshot(list)).toEqual(before);
      await expectNoOrders(madeUp.values());
    },
  };
}
