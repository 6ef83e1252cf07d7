import { describe, expect, it } from "vitest";
import { ERROR_TABLE, errorTitle, type ErrorReason } from "../../src/core/errors";
import { problemResponse } from "../../src/http/respond";

describe("the error table", () => {
  it.each(Object.entries(ERROR_TABLE) as [ErrorReason, (typeof ERROR_TABLE)[ErrorReason]][])(
    "maps %s to a problem+json response with its status and stable code",
    async (reason, row) => {
      const res = problemResponse({ reason }, new Request("https://x.test/v1/orders"), "req-1");
      expect(res.status).toBe(row.status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("x-request-id")).toBe("req-1");
      const body = await res.json<Record<string, unknown>>();
      expect(body).toMatchObject({
        status: row.status,
        code: row.code,
        title: errorTitle(row.code),
        request_id: "req-1",
      });
      expect(body["type"]).toBe(`urn:checkpost:problem:${row.code}`);
      expect(row.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    },
  );

  it("keeps every unknown failure a 500 internal_error", () => {
    expect(ERROR_TABLE.internal).toEqual({ status: 500, code: "internal_error" });
    expect(errorTitle("internal_error")).toBe("Internal error");
  });

  it("answers gateway timeouts with 504 and other gateway outages with 502, both gateway_unavailable", () => {
    expect(ERROR_TABLE.gateway_timeout).toMatchObject({ status: 504, code: "gateway_unavailable" });
    expect(ERROR_TABLE.gateway_unavailable).toMatchObject({ status: 502, code: "gateway_unavailable" });
    expect(ERROR_TABLE.gateway_bad_response).toMatchObject({ status: 502, code: "gateway_unavailable" });
  });

  it("renders a short HTML page on browser routes when the client accepts text/html", async () => {
    const req = new Request("https://x.test/return/juspay?x=1", {
      headers: { accept: "text/html,application/xhtml+xml" },
    });
    const res = problemResponse({ reason: "signature_invalid", detail: "secret detail" }, req, "req-2");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain("req-2");
    expect(html).not.toContain("secret detail");
  });

  it("answers JSON on API routes even when the client accepts text/html", () => {
    const req = new Request("https://x.test/v1/orders", { headers: { accept: "text/html" } });
    expect(problemResponse({ reason: "validation_failed" }, req, "r").headers.get("content-type")).toBe(
      "application/problem+json",
    );
  });

  it("sets Retry-After when the error carries one", () => {
    const res = problemResponse(
      { reason: "gateway_unavailable", retryAfter: 7 },
      new Request("https://x.test/v1/orders"),
      "r",
    );
    expect(res.headers.get("retry-after")).toBe("7");
  });
});
