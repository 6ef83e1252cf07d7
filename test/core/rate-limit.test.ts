import { describe, expect, it } from "vitest";
import { clientKey, parsePublicRateLimit, rateLimiterName, RATE_LIMIT_TIERS } from "../../src/core/rate-limit";

describe("PUBLIC_RATE_LIMIT", () => {
  it.each([
    [undefined, 60],
    ["30", 30],
    ["60", 60],
    ["120", 120],
    ["300", 300],
    ["600", 600],
  ])("%s selects the %i-a-minute tier without a problem", (raw, tier) => {
    expect(parsePublicRateLimit(raw)).toEqual({ tier });
  });

  it.each(["0", "off", "OFF", "Off"])("%s turns the limit off", (raw) => {
    expect(parsePublicRateLimit(raw)).toEqual({ tier: null });
  });

  it.each([
    ["100", 60],
    ["599", 300],
    ["1000", 600],
    ["10", 30],
    ["1", 30],
    ["061", 60],
  ])("%s is a problem and falls back to the nearest lower tier (%i)", (raw, tier) => {
    const parsed = parsePublicRateLimit(raw);
    expect(parsed.tier).toBe(tier);
    expect(parsed.problem).toMatch(/^PUBLIC_RATE_LIMIT \d+ is not one of 30, 60, 120, 300, 600 or off: using \d+$/);
  });

  it.each(["sixty", "60/min", "-5", "1.5", "1e3", "12345678901"])("%s is a problem and uses the default", (raw) => {
    expect(parsePublicRateLimit(raw)).toEqual({
      tier: 60,
      problem: "PUBLIC_RATE_LIMIT is not one of 30, 60, 120, 300, 600 or off: using 60",
    });
  });

  it("names one binding per tier", () => {
    expect(RATE_LIMIT_TIERS.map(rateLimiterName)).toEqual([
      "RATE_LIMITER_30",
      "RATE_LIMITER_60",
      "RATE_LIMITER_120",
      "RATE_LIMITER_300",
      "RATE_LIMITER_600",
    ]);
  });
});

describe("the client's budget key", () => {
  it("is the route family and the IPv4 address", () => {
    expect(clientKey("return", "203.0.113.7")).toBe("return:203.0.113.7");
    expect(clientKey("juspay_response", "203.0.113.7")).toBe("juspay_response:203.0.113.7");
  });

  it("without CF-Connecting-IP (never on Cloudflare; in-process tests) is one shared key", () => {
    expect(clientKey("return", null)).toBe("return:unknown");
    expect(clientKey("return", "  ")).toBe("return:unknown");
  });

  it("counts an IPv6 address as its /64, however it is written", () => {
    const key = "return:2001:db8:1:2::/64";
    expect(clientKey("return", "2001:db8:1:2::1")).toBe(key);
    expect(clientKey("return", "2001:0DB8:0001:0002:ffff:ffff:ffff:ffff")).toBe(key);
    expect(clientKey("return", "2001:db8:1:2:0:0:0:9")).toBe(key);
    expect(clientKey("return", "2001:db8:1:3::1")).not.toBe(key);
    expect(clientKey("return", "::1")).toBe("return:0:0:0:0::/64");
  });

  it("counts an IPv4-mapped IPv6 address as the IPv4 address", () => {
    expect(clientKey("return", "::ffff:203.0.113.7")).toBe("return:203.0.113.7");
  });

  it("keeps a value it cannot read as it is, bounded", () => {
    expect(clientKey("return", "2001:db8::1::2")).toBe("return:2001:db8::1::2");
    expect(clientKey("return", "x".repeat(100))).toBe(`return:${"x".repeat(45)}`);
  });
});
