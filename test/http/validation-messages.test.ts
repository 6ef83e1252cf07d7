/**
 * The messages of an `invalid_request` problem: zod/mini loads no locale, so `http/validate.ts` words them itself.
 * Each names what was expected at a field path, and none repeats the value that was sent.
 */
import { describe, expect, it } from "vitest";
import { GATEWAY_IDS } from "../../src/core/model";
import { parseSignedPayload } from "../../src/http/routes/juspay-schemas";
import { api, expectProblem } from "../helpers";

/** The problem's `errors` as `{path: message}`, and the whole problem as text. */
async function invalid(path: string, json: unknown): Promise<{ errors: Record<string, string>; text: string }> {
  const body = await expectProblem(await api(path, { method: "POST", json }), 400, "invalid_request");
  const errors = body["errors"] as { path: string; message: string }[];
  return { errors: Object.fromEntries(errors.map((e) => [e.path, e.message])), text: JSON.stringify(body) };
}

describe("validation messages", () => {
  it("says which fields are required, which values are allowed and which keys are unknown", async () => {
    const { errors } = await invalid("/v1/orders", { gateway: "paypal", order_id: "o1", amount: 100, colour: "red" });
    expect(errors).toEqual({
      gateway: `expected ${GATEWAY_IDS.map((g) => `"${g}"`).join(" | ")}`,
      currency: "required",
      "(body)": "unknown field: colour",
    });
  });

  it("states types, bounds and formats without repeating the value sent", async () => {
    const sent = {
      gateway: "juspay",
      order_id: "o1",
      amount: "secret-amount-7",
      currency: "INR",
      description: "",
      expire_after_seconds: 99_999,
      customer: { email: "secret-mail-7", name: "x".repeat(129) },
    };
    const { errors, text } = await invalid("/v1/orders", sent);
    expect(errors).toEqual({
      amount: "expected number",
      description: "length must be at least 1",
      expire_after_seconds: "must be at most 86400",
      "customer.email": "not a valid email",
      "customer.name": "length must be at most 128",
    });
    expect(text).not.toContain("secret-");
    expect(text).not.toContain("99999");
    expect(text).not.toContain("xxxx");
  });

  it("keeps the schema's own message where it gives one", async () => {
    const { errors } = await invalid("/v1/orders", {
      gateway: "juspay",
      order_id: "o 1",
      amount: 0.5,
      currency: "XYZ",
    });
    expect(errors).toEqual({
      order_id: "must be 1-128 characters of A-Z a-z 0-9 _ . : -",
      amount: "must be an integer count of minor units",
      currency: "must be a supported ISO 4217 code",
    });
  });

  it("names the allowed discriminators of a union", () => {
    const parsed = parseSignedPayload({ type: "refund" });
    expect(parsed.ok ? null : parsed.error.fields).toEqual([
      { path: "type", message: 'expected "initiate" | "process"' },
    ]);
  });
});
