/** The table of documented operations from which `/openapi.json` is generated. */
import type * as z from "zod/mini";

export interface ApiOperation {
  readonly method: "get" | "post";
  /** OpenAPI path template, e.g. `/v1/orders/{gateway}/{order_id}`. */
  readonly path: string;
  /** Stable, camelCase: the method name a generated client gives the operation. */
  readonly operationId: string;
  readonly summary: string;
  readonly tag: "merchant" | "gateway" | "browser" | "service";
  /** `bearer`: `/v1` API key; `gateway`: the gateway's own authentication; `none`: public. */
  readonly auth: "bearer" | "gateway" | "none";
  readonly body?: z.ZodMiniType;
  /** Bodies taken besides JSON (return legs and webhooks take forms too). */
  readonly form?: boolean;
  readonly query?: z.ZodMiniType;
  /** The `Idempotency-Key` request header (product.md §2): a repeat replays the answer with `Idempotent-Replayed`. */
  readonly idempotencyKey?: "required" | "optional";
  /** Status → description. Statuses ≥ 400 answer a `Problem` unless `bodies` names another schema. */
  readonly responses: Readonly<Record<string, string>>;
  /** Status → the answer's schema (`responses.ts`), or `html` for a page, or `redirect` for a 303 with Location. */
  readonly bodies?: Readonly<Record<string, z.ZodMiniType | "html" | "redirect">>;
}
