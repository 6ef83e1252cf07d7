/**
 * Money inside checkpost is an integer count of minor units plus an ISO 4217 currency.
 * Pure: no I/O, no clock. Every conversion to or from a gateway's form goes through decimal *strings*, so no
 * floating-point arithmetic ever touches an amount; anything that is not exactly representable is refused.
 */
import { err, ok, type Result } from "./result";

/** Minor-unit exponents for the currencies the three gateways settle in (ISO 4217). */
export const CURRENCY_EXPONENTS = {
  INR: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  AED: 2,
  SGD: 2,
  AUD: 2,
  CAD: 2,
  JPY: 0,
  KWD: 3,
  BHD: 3,
  OMR: 3,
} as const satisfies Record<string, number>;

export type Currency = keyof typeof CURRENCY_EXPONENTS;

export interface Money {
  /** Integer count of minor units (paise for INR); never negative. */
  readonly minor: number;
  readonly currency: Currency;
}

export type MoneyError =
  | { reason: "unknown_currency"; currency: string }
  | { reason: "not_a_decimal" }
  | { reason: "too_many_decimals"; allowed: number }
  | { reason: "not_an_integer" }
  | { reason: "negative" }
  | { reason: "too_large" };

export function isCurrency(value: string): value is Currency {
  return Object.hasOwn(CURRENCY_EXPONENTS, value);
}

export function parseCurrency(value: string): Result<Currency, MoneyError> {
  return isCurrency(value) ? ok(value) : err({ reason: "unknown_currency", currency: value });
}

/** An integer count of minor units, as `/v1` and PhonePe (paise) carry it. */
export function fromMinor(minor: unknown, currency: string): Result<Money, MoneyError> {
  const cur = parseCurrency(currency);
  if (!cur.ok) return cur;
  if (typeof minor !== "number" || !Number.isInteger(minor)) return err({ reason: "not_an_integer" });
  if (minor < 0) return err({ reason: "negative" });
  if (!Number.isSafeInteger(minor)) return err({ reason: "too_large" });
  return ok({ minor, currency: cur.value });
}

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Parses a major-unit decimal such as Juspay's `"1234.50"` or Nimbbl's `12.5`.
 * A JSON number is read through `String(n)`, the shortest representation that round-trips, so `12.5`, `12.50` and
 * `"12.50"` all mean 1250 paise while `0.1 + 0.2` (`0.30000000000000004`) is refused as inexact.
 * Trailing zeros beyond the exponent are exact and accepted (`"1.500"` INR); other extra digits are refused, never
 * rounded or truncated (nimbbl.md §1.1: SDKs disagree on trim vs round, so we take neither side).
 */
export function fromMajor(value: unknown, currency: string): Result<Money, MoneyError> {
  const cur = parseCurrency(currency);
  if (!cur.ok) return cur;
  const minor = decimalToScaledInteger(value, CURRENCY_EXPONENTS[cur.value]);
  return minor.ok ? ok({ minor: minor.value, currency: cur.value }) : minor;
}

/** `value` (a non-negative decimal number or string) × 10^exponent as an exact safe integer, or why not. */
export function decimalToScaledInteger(value: unknown, exponent: number): Result<number, MoneyError> {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return err({ reason: "not_a_decimal" });
    text = String(value);
  } else if (typeof value === "string") {
    text = value;
  } else {
    return err({ reason: "not_a_decimal" });
  }
  if (text.startsWith("-")) return err({ reason: "negative" });
  const m = DECIMAL.exec(text);
  if (!m) return err({ reason: "not_a_decimal" });
  const whole = m[1] ?? "0";
  let fraction = m[2] ?? "";
  while (fraction.length > exponent && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  if (fraction.length > exponent) return err({ reason: "too_many_decimals", allowed: exponent });
  const digits = (whole + fraction.padEnd(exponent, "0")).replace(/^0+(?=\d)/, "");
  if (digits.length > 16) return err({ reason: "too_large" });
  const scaled = Number(digits);
  if (!Number.isSafeInteger(scaled)) return err({ reason: "too_large" });
  return ok(scaled);
}

/** `123450` INR → `"1234.50"`: always exactly the currency's exponent in decimals, `.` separator, no grouping. */
export function toMajorString(money: Money): string {
  const exponent = CURRENCY_EXPONENTS[money.currency];
  if (exponent === 0) return String(money.minor);
  const digits = String(money.minor).padStart(exponent + 1, "0");
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * The JSON number a gateway that wants "a number with 2 decimals" (Nimbbl `total_amount`) receives.
 * Built from the exact decimal string, so the double is the one nearest to the true amount, as `JSON.parse` would
 * produce from `"1234.50"`; JSON cannot carry trailing zeros in a number, so 1250 paise is sent as `12.5`.
 */
export function toMajorNumber(money: Money): number {
  return Number(toMajorString(money));
}

/**
 * Formats a decimal the way Nimbbl signs amounts (nimbbl.md §1.1): parsed exactly, then always two decimals,
 * whatever the currency (`12.5` → `"12.50"`, `100` → `"100.00"`). More than two significant decimals is refused.
 */
export function formatTwoDecimals(value: unknown): Result<string, MoneyError> {
  const scaled = decimalToScaledInteger(value, 2);
  if (!scaled.ok) return scaled;
  const digits = String(scaled.value).padStart(3, "0");
  return ok(`${digits.slice(0, -2)}.${digits.slice(-2)}`);
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.minor === b.minor && a.currency === b.currency;
}
