/** The pure rules: the delivery retry schedule, event ids and bodies, and the reconciliation poll schedule. */
import { describe, expect, it } from "vitest";
import {
  MAX_DELAY_MS,
  MIN_ATTEMPTS,
  MIN_SPAN_MS,
  afterAttempt,
  classifyResponse,
  deliveryId,
  parseDeliveryId,
  responseExcerpt,
  retryDelay,
} from "../../src/core/delivery";
import {
  EXPIRY_GRACE_MS,
  FINAL_LOOK_RETRY_MS,
  nextPollAt,
  pollDelay,
  pollWindow,
  windowClosed,
} from "../../src/core/reconcile";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** Fails every attempt from t=0 until the schedule gives up; returns the attempt times. */
function failForever(random: () => number): number[] {
  const times = [0];
  for (;;) {
    const now = times[times.length - 1] ?? 0;
    const outcome = afterAttempt({ attempts: times.length, firstAttemptAt: 0 }, 503, now, random);
    if (outcome.kind === "exhausted") return times;
    if (outcome.kind !== "retry") throw new Error(`unexpected ${outcome.kind}`);
    times.push(outcome.at);
    if (times.length > 100_000) throw new Error("never exhausted");
  }
}

describe("delivery retry schedule", () => {
  it("draws each delay with full jitter between one second and the exponential ceiling", () => {
    expect(retryDelay(1, () => 0)).toBe(1_000);
    expect(retryDelay(1, () => 0.5)).toBe(2_500);
    expect(retryDelay(3, () => 0.5)).toBe(10_000);
    expect(retryDelay(4, () => 0.999999)).toBeLessThan(40_000);
    expect(retryDelay(40, () => 0.999999)).toBeLessThanOrEqual(MAX_DELAY_MS);
    expect(retryDelay(40, () => 0.5)).toBe(MAX_DELAY_MS / 2);
  });

  it.each([
    ["always the shortest delay", () => 0],
    ["always the longest delay", () => 0.999999],
    ["a fixed middle draw", () => 0.5],
  ])("never gives up before 16 attempts and 24 hours (%s)", (_name, random) => {
    const times = failForever(random);
    const last = times[times.length - 1] ?? 0;
    expect(times.length).toBeGreaterThanOrEqual(MIN_ATTEMPTS);
    expect(last).toBeGreaterThanOrEqual(MIN_SPAN_MS);
    // It does give up, within one maximum gap of the floors; tiny draws only mean more attempts, never fewer.
    expect(last).toBeLessThan(MIN_SPAN_MS + MAX_DELAY_MS + 1);
    expect(times.length).toBeLessThanOrEqual(MIN_SPAN_MS / 1_000 + 1);
  });

  it("spaces attempts out: each retry comes no sooner than a second after the last", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const times = failForever(random);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it("counts 2xx as delivered, 410 as gone, and everything else as a retry", () => {
    expect([200, 202, 204, 299].map(classifyResponse)).toEqual(Array(4).fill("delivered"));
    expect(classifyResponse(410)).toBe("gone");
    expect([null, 301, 302, 400, 401, 404, 429, 500, 503].map(classifyResponse)).toEqual(Array(9).fill("retry"));
  });

  it("stops at once on 410 and finishes on 2xx, whatever the attempt count", () => {
    expect(afterAttempt({ attempts: 1, firstAttemptAt: 0 }, 410, 0, () => 0.5)).toEqual({ kind: "gone" });
    expect(afterAttempt({ attempts: 30, firstAttemptAt: 0 }, 201, 2 * DAY, () => 0.5)).toEqual({ kind: "delivered" });
  });
});

describe("event ids", () => {
  it("names an event by gateway, order and sequence, and reads it back", () => {
    const id = deliveryId("nimbbl", "ord.a:b-c_d", 12);
    expect(id).toMatch(/^evt_[A-Za-z0-9_-]+$/);
    expect(parseDeliveryId(id)).toEqual({ gateway: "nimbbl", orderId: "ord.a:b-c_d", sequence: 12 });
    expect(deliveryId("nimbbl", "ord.a:b-c_d", 12)).toBe(id);
    expect(deliveryId("nimbbl", "ord.a:b-c_d", 13)).not.toBe(id);
    expect(deliveryId("juspay", "ord.a:b-c_d", 12)).not.toBe(id);
  });

  it("refuses ids that are not checkpost's", () => {
    const b64 = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const id of [
      "",
      "evt_",
      "msg_abc",
      "evt_***",
      `evt_${b64("paypal:o1:1")}`,
      `evt_${b64("juspay:o1:0")}`,
      `evt_${b64("juspay:o1:x")}`,
      `evt_${b64("juspay::1")}`,
      `evt_${b64("juspay")}`,
    ]) {
      expect(parseDeliveryId(id), id).toBeNull();
    }
  });

  it("keeps at most 256 characters of a merchant's answer", () => {
    expect(responseExcerpt("x".repeat(1000))).toHaveLength(256);
    expect(responseExcerpt("short")).toBe("short");
    expect([...responseExcerpt("₹".repeat(300))]).toHaveLength(256);
  });
});

describe("reconciliation poll schedule", () => {
  const created = 1_000_000;

  it("polls first within 30 seconds, then doubles the gap up to an hour", () => {
    expect(pollDelay(0)).toBeLessThanOrEqual(30_000);
    expect([0, 1, 2, 3].map(pollDelay)).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(pollDelay(12)).toBe(HOUR);
    const window = pollWindow(created, 2 * DAY, null);
    expect(nextPollAt(0, created, window)).toBe(created + 15_000);
  });

  it("ends the window at the adapter's window when the gateway gave no expiry", () => {
    const window = pollWindow(created, 2 * DAY, null);
    expect(window.deadline).toBe(created + 2 * DAY);
    expect(windowClosed(window, created + 2 * DAY - 1)).toBe(false);
    expect(windowClosed(window, created + 2 * DAY)).toBe(true);
    // The last regular poll is moved onto the deadline: the final look.
    expect(nextPollAt(20, created + 2 * DAY - 60_000, window)).toBe(created + 2 * DAY);
  });

  it("extends the window to the gateway's own expiry plus grace, and never shortens it", () => {
    expect(pollWindow(created, HOUR, created + 3 * DAY).deadline).toBe(created + 3 * DAY + EXPIRY_GRACE_MS);
    expect(pollWindow(created, 2 * DAY, created + 20 * 60_000).deadline).toBe(created + 2 * DAY);
  });

  it("adds a look right after the gateway's expiry plus grace", () => {
    const expiresAt = created + 20 * 60_000;
    const window = pollWindow(created, 2 * DAY, expiresAt);
    // A 16-minute gap from minute 16 would skip past minute 25; the look at expiry + grace comes first.
    expect(nextPollAt(6, created + 16 * 60_000, window)).toBe(expiresAt + EXPIRY_GRACE_MS);
    expect(nextPollAt(6, expiresAt + EXPIRY_GRACE_MS, window)).toBe(expiresAt + EXPIRY_GRACE_MS + pollDelay(6));
  });

  it("keeps retrying a final look the gateway did not answer, then gives up", () => {
    const window = pollWindow(created, DAY, null);
    const late = created + DAY + HOUR;
    expect(nextPollAt(30, late, window)).toBe(late + HOUR);
    expect(nextPollAt(30, created + DAY + FINAL_LOOK_RETRY_MS, window)).toBeNull();
  });
});
