/**
 * The one piece of gateway-supplied text checkpost ever puts in an answer: a gateway's error code, in the `detail` of
 * a `/v1` problem (the merchant's backend can act on `PR000` or `INVALID_REQUEST_PARAMETER`). It is text from outside
 * checkpost's trust boundary, so it is shown only when it looks like a code: 1–64 characters of `[A-Za-z0-9_.:-]`.
 * Anything else (markup, a sentence, a value echoed from the request, something longer) is dropped, never
 * truncated or escaped into something that looks like a code. Public routes never show it (http/respond.ts).
 */
export const GATEWAY_CODE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The code when it may be shown to the merchant, else null. */
export function safeGatewayCode(code: string | null | undefined): string | null {
  return typeof code === "string" && GATEWAY_CODE_PATTERN.test(code) ? code : null;
}

/**
 * The extra fields of a `ProxyError` that carries a gateway's error code: the code, marked as gateway-supplied
 * (`gatewayCode`), and the `detail` built from it. Nothing when the code may not be shown.
 */
export function gatewayCodeDetail(code: string | null | undefined): { detail?: string; gatewayCode?: string } {
  const safe = safeGatewayCode(code);
  return safe ? { detail: `gateway error code ${safe}`, gatewayCode: safe } : {};
}
