import { describe, expect, it } from "vitest";
import { fromHex, secretsEqual, toHex } from "../../src/core/crypto";

describe("hex", () => {
  it("writes every byte value as two lowercase digits", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const expected = Array.from(all, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(toHex(all)).toBe(expected);
    expect(toHex(all.buffer)).toBe(expected);
  });

  it("reads lowercase and uppercase hex back to the same bytes", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromHex(toHex(all))).toEqual(all);
    expect(fromHex(toHex(all).toUpperCase())).toEqual(all);
    expect(fromHex("")).toEqual(new Uint8Array(0));
  });

  it.each([
    ["an odd length", "abc"],
    ["a letter past f", "0g"],
    ["a letter past F", "G0"],
    ["a character just below 0 or above 9", "/0:0"],
    ["a character around a-f and A-F", "`0@0"],
    ["a sign", "+1"],
    ["whitespace", "0a 1"],
    ["a non-ASCII character whose low bits look like a hex digit", "\u0141\u0131"],
  ])("refuses %s", (_name, hex) => {
    expect(fromHex(hex)).toBeNull();
  });
});

describe("secretsEqual", () => {
  it("accepts the configured secret, again and again", async () => {
    for (let i = 0; i < 3; i++) expect(await secretsEqual("s3cret-value", "s3cret-value")).toBe(true);
  });

  it("refuses a prefix, an extension, another secret and the empty string", async () => {
    for (const provided of ["s3cret", "s3cret-value!", "other-value", ""])
      expect(await secretsEqual(provided, "s3cret-value")).toBe(false);
  });

  it("compares against each configured secret on its own", async () => {
    expect(await secretsEqual("first-key", "first-key")).toBe(true);
    expect(await secretsEqual("first-key", "second-key")).toBe(false);
    expect(await secretsEqual("second-key", "second-key")).toBe(true);
  });
});
