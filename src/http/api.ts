/** The table of documented operations from which `/openapi.json` is generated. */
import type * as z from "zod/mini";

export interface ApiOperation {
  readonly method: "get" | "post";
  /** OpenAPI path template, e.g. `/v1/orders/{gateway}/{order_id}`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: "merchant" | "gateway" | "browser" | "service";
  /** `bearer`: `/v1` API key; `gateway`: the gateway's own authentication; `none`: public. */
  readonly auth: "bearer" | "gateway" | "none";
  readonly body?: z.ZodMiniType;
  readonly query?: z.ZodMiniType;
  readonly responses: Readonly<Record<string, string>>;
}
