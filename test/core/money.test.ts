import { describe, expect, it } from "vitest";
import { formatTwoDecimals, fromMajor, fromMinor, toMajorNumber, toMajorString } from "../../src/core/money";

describe("money: minor units from /v1 and PhonePe paise", () => {
  it("accepts an integer count of paise", () => {
    expect(fromMinor(123450, "INR")).toEqual({ ok: true, value: { minor: 123450, currency: "INR" } });
  });
  it.each([[12.5], [NaN], [Infinity], ["100"], [null]])("refuses %s as minor units", (value) => {
    expect(fromMinor(value, "INR").ok).toBe(false);
  });
  it("refuses a negative amount", () => {
    expect(fromMinor(-1, "INR")).toEqual({ ok: false, error: { reason: "negative" } });
  });
  it("refuses an amount beyond the safe integer range", () => {
    expect(fromMinor(2 ** 53, "INR")).toEqual({ ok: false, error: { reason: "too_large" } });
  });
  it("refuses an unknown currency", () => {
    expect(fromMinor(100, "XYZ")).toEqual({ ok: false, error: { reason: "unknown_currency", currency: "XYZ" } });
  });
});

describe("money: major units from Juspay strings and Nimbbl numbers", () => {
  it.each([
    ["1234.50", 123450],
    ["1234.5", 123450],
    ["1234", 123400],
    ["0.01", 1],
    ["0", 0],
    ["1.500", 150],
    [12.5, 1250],
    [100, 10000],
    [0.1, 10],
    [1999.99, 199999],
  ])("reads %s rupees as %i paise exactly", (value, minor) => {
    expect(fromMajor(value, "INR")).toEqual({ ok: true, value: { minor, currency: "INR" } });
  });

  it.each([["100.1532"], ["1.005"], [0.1 + 0.2], [1999.999]])(
    "refuses the inexact amount %s instead of rounding",
    (value) => {
      expect(fromMajor(value, "INR")).toEqual({ ok: false, error: { reason: "too_many_decimals", allowed: 2 } });
    },
  );

  it.each([["1,234.50"], ["1e3"], [" 12"], ["12."], [".5"], ["+5"], ["0x10"], [""], ["01.00"], [1e21]])(
    "refuses %s as not a plain decimal",
    (value) => {
      expect(fromMajor(value, "INR")).toEqual({ ok: false, error: { reason: "not_a_decimal" } });
    },
  );

  it("refuses a negative major amount", () => {
    expect(fromMajor("-1.00", "INR")).toEqual({ ok: false, error: { reason: "negative" } });
    expect(fromMajor(-1, "INR")).toEqual({ ok: false, error: { reason: "negative" } });
  });

  it("uses the currency's exponent (JPY has none, KWD has three)", () => {
    expect(fromMajor("100", "JPY")).toEqual({ ok: true, value: { minor: 100, currency: "JPY" } });
    expect(fromMajor("1.5", "JPY").ok).toBe(false);
    expect(fromMajor("1.234", "KWD")).toEqual({ ok: true, value: { minor: 1234, currency: "KWD" } });
  });
});

describe("money: formatting for gateways", () => {
  it.each([
    [123450, "1234.50"],
    [1, "0.01"],
    [10, "0.10"],
    [0, "0.00"],
    [100000000, "1000000.00"],
  ])("writes %i paise as the Juspay string %s", (minor, text) => {
    expect(toMajorString({ minor, currency: "INR" })).toBe(text);
  });

  it("writes the Nimbbl number as the double nearest the exact decimal", () => {
    expect(toMajorNumber({ minor: 1250, currency: "INR" })).toBe(12.5);
    expect(toMajorNumber({ minor: 199999, currency: "INR" })).toBe(1999.99);
  });

  it.each([
    [12.5, "12.50"],
    [12.5, "12.50"],
    ["12.50", "12.50"],
    [100, "100.00"],
    [100000, "100000.00"],
    ["3.0", "3.00"],
  ])("formats %s for a Nimbbl signature as %s", (value, text) => {
    expect(formatTwoDecimals(value)).toEqual({ ok: true, value: text });
  });

  it("refuses to format an amount with more than two significant decimals for a signature", () => {
    expect(formatTwoDecimals(1999.999).ok).toBe(false);
  });

  it("round-trips every paise amount up to ten lakh rupees through the major string", () => {
    for (let minor = 0; minor <= 100_000_000; minor += 7_919) {
      const text = toMajorString({ minor, currency: "INR" });
      expect(fromMajor(text, "INR")).toEqual({ ok: true, value: { minor, currency: "INR" } });
      expect(fromMajor(Number(text), "INR")).toEqual({ ok: true, value: { minor, currency: "INR" } });
    }
  });
});
