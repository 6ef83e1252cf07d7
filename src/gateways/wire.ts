/** What the gateways' wire schemas (`<gateway>/wire.ts`) share. */

/**
 * A string or a finite number: what `z.union([z.number(), z.string()])` accepts, as one check (`z.custom`). No
 * `z.union` in the Worker's wire schemas: its code path costs ~0.25 KiB of bundle (gzipped, product.md §6).
 */
export const isNumberOrString = (v: unknown): v is number | string => typeof v === "string" || Number.isFinite(v);
