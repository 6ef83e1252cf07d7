/**
 * Expected failures are values, not exceptions (style.md §8.3, after workers-oauth-provider's `ema/result.ts`).
 * Anything thrown is a bug and becomes a 500 in the router's `catch`.
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
