/**
 * Across orders, from the D1 order index (product.md §2; `storage/order-index.ts`), eventually consistent (a change
 * shows within seconds) and never used to decide anything:
 * - `GET /v1/orders?status=&gateway=&requires_review=&created_from=&created_to=&q=&limit=&cursor=` newest first,
 *   `{data, next_cursor}`.
 * - `GET /v1/summary?from=&to=&bucket=hour|day` counts and amounts by status, gateway and bucket.
 * D1 being down never affects an order: these two answer 503 `index_unavailable`, and the index catches up.
 */
import { fieldError, proxyError } from "../../core/errors";
import { decodeCursor, listOrders as listIndex, summarise, type OrderFilter } from "../../storage/order-index";
import { HttpError, orThrow, type AppRequest, type RequestContext } from "../context";
import { json } from "../respond";
import { OrdersQuerySchema, SummaryQuerySchema } from "../schemas";
import { parseOrFail } from "../validate";

const DAY_MS = 86_400_000;

function invalid(path: string, message: string): HttpError {
  return new HttpError(fieldError(path, message));
}

/** D1 failing is the index being unavailable, never a 500 about an order. */
async function fromIndex<T>(rc: RequestContext, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    rc.log.warn("order index unavailable", { error: String(error) });
    throw new HttpError(proxyError("index_unavailable", { retryAfter: 5 }));
  }
}

export async function listOrders(request: AppRequest, rc: RequestContext): Promise<Response> {
  const query = orThrow(parseOrFail(OrdersQuerySchema(), request.query));
  const filter: OrderFilter = {
    status: query.status,
    gateway: query.gateway,
    requiresReview: query.requires_review === undefined ? undefined : query.requires_review === "true",
    createdFrom: query.created_from,
    createdTo: query.created_to,
    q: query.q,
  };
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, filter);
  if (query.cursor !== undefined && !after) throw invalid("cursor", "not a cursor of this listing");
  return json(await fromIndex(rc, () => listIndex(rc.env.DB, filter, query.limit ?? 50, after)));
}

export async function getSummary(request: AppRequest, rc: RequestContext): Promise<Response> {
  const query = orThrow(parseOrFail(SummaryQuerySchema(), request.query));
  const bucket = query.bucket ?? "hour";
  const to = query.to ?? rc.now();
  const from = query.from ?? to - DAY_MS;
  if (from >= to) throw invalid("from", "must be before to");
  // At most 31 days of hours or 366 days of days.
  if (to - from > (bucket === "hour" ? 31 : 366) * DAY_MS) throw invalid("to", `too many ${bucket}s after from`);
  return json(await fromIndex(rc, () => summarise(rc.env.DB, from, to, bucket)));
}
