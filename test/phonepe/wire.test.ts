/** PhonePe's pay answer (phonepe.md §2): its `redirectUrl` is where checkpost sends the customer. */
import { describe, expect, it } from "vitest";
import { PhonePePayResponseSchema } from "../../src/gateways/phonepe/wire";

const answer = (redirectUrl: string) => ({ orderId: "OMO1", state: "PENDING", redirectUrl });

describe("PhonePe's pay answer", () => {
  it.each(["https://mercury.phonepe.com/transact/pg?token=abc", "http://127.0.0.1:8788/checkout/pay/OMO1"])(
    "accepts an http(s) redirectUrl: %s",
    (url) => {
      expect(PhonePePayResponseSchema().safeParse(answer(url)).success).toBe(true);
    },
  );

  it.each(["https:/mercury.phonepe.com/p", "http:mercury.phonepe.com", "javascript:alert(1)", "ftp://x.example/p", ""])(
    "refuses a redirectUrl that is not an http(s) URL: %s",
    (url) => {
      expect(PhonePePayResponseSchema().safeParse(answer(url)).success).toBe(false);
    },
  );
});
