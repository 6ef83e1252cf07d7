/**
 * Juspay mandates as checkpost holds them (product.md §2): `GET /v1/juspay/mandates/:mandate_id[?refresh=true]`,
 * the mandate as its object last confirmed it (storage/order/mandate.ts); 404 when checkpost never saw it.
 */
import { proxyError } from "../../core/errors";
import { mandateRef } from "../../core/mandate";
import { orderStub } from "../../storage/order-object";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { json } from "../respond";
import { RefreshQuerySchema } from "../schemas";
import { parseOrFail } from "../validate";
import { JuspayMandateIdSchema } from "./juspay-schemas";

function mandateId(request: AppRequest): string {
  const parsed = JuspayMandateIdSchema.safeParse(request.params["mandate_id"] ?? "");
  if (parsed.success) return parsed.data;
  throw new HttpError(proxyError("validation_failed", { fields: [{ path: "mandate_id", message: "invalid" }] }));
}

export async function getJuspayMandate(request: AppRequest, rc: RequestContext): Promise<Response> {
  const ref = mandateRef(mandateId(request));
  const query = orThrow(parseOrFail(RefreshQuerySchema, request.query));
  const stub = orderStub(rc.env, ref);
  let mandate = await stub.mandate(ref);
  if (mandate && query.refresh === "true") mandate = await stub.refreshMandate(ref, rc.requestId);
  if (!mandate) throw new HttpError(proxyError("mandate_not_found"));
  return json(mandate);
}
