import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../bindings";
import { api, call, captureLogs, expectProblem } from "../helpers";
import { checkCallbackAuthorization } from "../../src/gateways/phonepe/verify";
import { callbackHeader, newOrderId, sha256Hex, simWebhook } from "./support";

const USER = TEST_BINDINGS.PHONEPE_WEBHOOK_USERNAME;
const PASS = TEST_BINDINGS.PHONEPE_WEBHOOK_PASSWORD;

function postCallback(body: string | Uint8Array, authorization: string | null): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== null) headers["authorization"] = authorization;
  return call("/webhooks/phonepe", { method: "POST", headers, body });
}

/** A genuine callback body for an order checkpost has never seen (so "nothing stored" is observable). */
async function callbackBody(orderId: string): Promise<string> {
  const built = await simWebhook({
    merchantOrderId: orderId,
    username: USER,
    password: PASS,
    payload: { state: "PENDING" },
  });
  return built.body;
}

/** checkpost's "webhook rejected" log line, parsed. */
function rejectedLine(lines: readonly string[]): any {
  const parsed = lines.flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
  return parsed.find((l) => l.msg === "webhook rejected");
}

async function expectNothingStored(orderId: string) {
  await expectProblem(await api(`/v1/orders/phonepe/${orderId}`), 404, "order_not_found");
}

describe("PhonePe callback Authorization", () => {
  it("accepts exactly the lower-case hex SHA-256 of username:password, as the simulator sends it", async () => {
    const orderId = newOrderId();
    const built = await simWebhook({ merchantOrderId: orderId, username: USER, password: PASS });
    const expected = await callbackHeader();
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(built.headers["authorization"]).toBe(expected);
    const res = await postCallback(built.body, expected);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, recorded: true, duplicate: false });
    expect((await api(`/v1/orders/phonepe/${orderId}`)).status).toBe(200);
  });

  it("accepts the upper-case hex digest too, as the .NET SDK does (the same digest, so no weaker)", async () => {
    const orderId = newOrderId();
    const res = await postCallback(await callbackBody(orderId), (await callbackHeader()).toUpperCase());
    expect(await res.json()).toEqual({ received: true, recorded: true, duplicate: false });
  });

  it.each([
    ["the digest behind a SHA256 prefix", async () => `SHA256 ${await callbackHeader()}`],
    ["Basic credentials", () => `Basic ${btoa(`${USER}:${PASS}`)}`],
    ["the digest behind a Basic prefix", async () => `Basic ${await callbackHeader()}`],
    ["the digest of a wrong password", () => callbackHeader(USER, `${PASS}x`)],
    ["the digest of a wrong username", () => callbackHeader(`${USER}x`, PASS)],
    ["the digest without the colon", () => sha256Hex(`${USER}${PASS}`)],
    ["the digest of password:username", () => callbackHeader(PASS, USER)],
    ["the digest with one character more", async () => `${await callbackHeader()}0`],
    ["the digest with one character less", async () => (await callbackHeader()).slice(0, -1)],
    ["the plain username:password", () => `${USER}:${PASS}`],
    ["an empty header", () => ""],
  ])("refuses %s with 401 invalid_signature and stores nothing", async (_name, header) => {
    const orderId = newOrderId();
    await expectProblem(await postCallback(await callbackBody(orderId), await header()), 401, "invalid_signature");
    await expectNothingStored(orderId);
  });

  it.each([
    ["missing", null],
    ["an HMAC-looking value", "hmac-sha256=3q2+7w=="],
    ["the digest behind a SHA256 prefix", "SHA256 " + "a".repeat(64)],
    ["63 hex characters", "a".repeat(63)],
    ["64 characters that are not hex", "g".repeat(64)],
  ])(
    "a webhook whose Authorization is not a SHA-256 hex digest (%s) is refused and logged with the SHA-scheme hint",
    async (_name, header) => {
      const orderId = newOrderId();
      const body = await callbackBody(orderId);
      const { result, lines } = await captureLogs(() => postCallback(body, header));
      await expectProblem(result, 401, "invalid_signature");
      const rejected = rejectedLine(lines);
      expect(rejected).toMatchObject({ gateway: "phonepe", check: "authorization" });
      expect(rejected.hint).toMatch(/Basic .*SHA.*not HMAC/);
      if (header) expect(lines.join("\n")).not.toContain(header);
      await expectNothingStored(orderId);
    },
  );

  it("logs a wrong digest without the SHA-scheme hint: it is the right scheme with the wrong password", async () => {
    const body = await callbackBody(newOrderId());
    const { result, lines } = await captureLogs(() => postCallback(body, "0".repeat(64)));
    await expectProblem(result, 401, "invalid_signature");
    const rejected = rejectedLine(lines);
    expect(rejected).toMatchObject({ reason: "signature_invalid", check: "authorization" });
    expect(rejected).not.toHaveProperty("hint");
  });

  it("refuses a callback without an Authorization header with 401 and stores nothing", async () => {
    const orderId = newOrderId();
    await expectProblem(await postCallback(await callbackBody(orderId), null), 401, "invalid_signature");
    await expectNothingStored(orderId);
  });

  it("refuses a callback the simulator built with a wrong dashboard password", async () => {
    const orderId = newOrderId();
    const built = await simWebhook({ merchantOrderId: orderId, username: USER, password: "not-the-password1" });
    const headers = built.headers["authorization"] ?? "";
    await expectProblem(await postCallback(built.body, headers), 401, "invalid_signature");
    await expectNothingStored(orderId);
  });

  it("checks the header before the body: a malformed body with a wrong header is 401, not 400", async () => {
    await expectProblem(await postCallback("{not json", "0".repeat(64)), 401, "invalid_signature");
  });

  it("never logs the header, the username or the password", async () => {
    const orderId = newOrderId();
    const body = await callbackBody(orderId);
    const good = await callbackHeader();
    const { lines } = await captureLogs(async () => {
      await postCallback(body, good);
      await postCallback(body, `SHA256 ${good}`);
      await postCallback(body, good.toUpperCase());
    });
    const text = lines.join("\n").toLowerCase();
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [good, PASS, `${USER}:`]) expect(text).not.toContain(secret.toLowerCase());
  });
});

describe("checkCallbackAuthorization (pure)", () => {
  it("accepts the exact digest and refuses it with surrounding whitespace, which real HTTP never delivers", async () => {
    const expected = await callbackHeader();
    expect(checkCallbackAuthorization(expected, expected).ok).toBe(true);
    for (const header of [`${expected} `, ` ${expected}`, `${expected}\t`, `${expected}\n`]) {
      const result = checkCallbackAuthorization(header, expected);
      expect(!result.ok && result.error.reason).toBe("signature_unsupported");
    }
  });

  it("reports a missing or empty header as missing", async () => {
    const expected = await callbackHeader();
    for (const header of [null, ""]) {
      const result = checkCallbackAuthorization(header, expected);
      expect(!result.ok && result.error.reason).toBe("signature_missing");
    }
  });
});
