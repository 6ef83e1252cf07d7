/**
 * A small client written against the types `openapi-typescript` generates from `public/openapi.json`
 * (`npm run typecheck:client` writes them to `.build/client/checkpost.d.ts`, then type-checks this file). If the
 * document loses a success body (a generator then gives `never`), a field, an operation or an event, this stops
 * compiling. The assignments from checkpost's own answer types (`PublicOrder`, …) check that every answer the code
 * can build is one the description allows.
 */
import type { components, operations, paths, webhooks } from "../../.build/client/checkpost";
import type { DeliverySummary } from "../../src/delivery/kv-index";
import type { PublicOrder } from "../../src/core/order";
import type { PublicRefund } from "../../src/core/refunds";
import type { AuditPage } from "../../src/storage/order/record";
import type { ListedOrder, Summary } from "../../src/storage/order-index";
import type { DeliveryDetail } from "../../src/storage/order/outbox";

type Schemas = components["schemas"];
type Json<Op, Status extends number> = Op extends {
  responses: Record<Status, { content: { "application/json": infer B } }>;
}
  ? B
  : never;

export type CreateOrderBody = operations["createOrder"]["requestBody"]["content"]["application/json"];
export type CreatedOrder = Json<operations["createOrder"], 201>;
export type Order = Json<paths["/v1/orders/{gateway}/{order_id}"]["get"], 200>;
export type Refund = Json<operations["createRefund"], 201>;
export type Problem = Schemas["Problem"];

/** A success body a generator could not type would be `never`, which every assignment below would accept. */
type Typed<T> = [T] extends [never] ? false : unknown extends T ? false : true;
export const successBodiesTyped: [Typed<CreatedOrder>, Typed<Order>, Typed<Refund>] = [true, true, true];

/** Every answer checkpost builds is one the document describes. */
export const answerTypesFit: [
  Schemas["Order"],
  Schemas["Refund"],
  Schemas["AuditPage"],
  Schemas["ListedOrder"],
  Schemas["Summary"],
  Schemas["DeliveryDetail"],
  Schemas["ListedDelivery"],
] = [] as unknown as [PublicOrder, PublicRefund, AuditPage, ListedOrder, Summary, DeliveryDetail, DeliverySummary];

/** A tiny typed client for the three calls the README shows with curl. */
export function checkpost(baseUrl: string, apiKey: string) {
  async function call<T>(method: string, path: string, init: { body?: unknown; idempotencyKey?: string } = {}) {
    const res = await fetch(new URL(path, baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...(init.idempotencyKey ? { "idempotency-key": init.idempotencyKey } : {}),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    if (!res.ok) throw Object.assign(new Error("checkpost problem"), { problem: (await res.json()) as Problem });
    return { body: (await res.json()) as T, replayed: res.headers.get("idempotent-replayed") === "true" };
  }
  return {
    createOrder: (body: CreateOrderBody, idempotencyKey?: string) =>
      call<CreatedOrder>("POST", "/v1/orders", { body, ...(idempotencyKey ? { idempotencyKey } : {}) }),
    getOrder: (gateway: Order["gateway"], orderId: string) =>
      call<Order>("GET", `/v1/orders/${gateway}/${encodeURIComponent(orderId)}`),
    refund: (
      order: Order,
      body: operations["createRefund"]["requestBody"]["content"]["application/json"],
      key: string,
    ) =>
      call<Refund>("POST", `/v1/orders/${order.gateway}/${encodeURIComponent(order.order_id)}/refunds`, {
        body,
        idempotencyKey: key,
      }),
  };
}

export async function example(): Promise<number> {
  const client = checkpost("https://pay.example.com", "key");
  const { body: created } = await client.createOrder({
    gateway: "phonepe",
    order_id: "ord_1001",
    amount: 49_900,
    currency: "INR",
  });
  if (created.next_action?.type === "redirect") console.log(created.next_action.url);
  if (created.next_action?.type === "sdk") console.log(created.next_action.payload);
  const { body: order } = await client.getOrder("phonepe", created.order.order_id);
  const status: "created" | "pending" | "succeeded" | "failed" | "expired" | "reversed" = order.status;
  if (status !== "succeeded" || order.amount === null) return 0;
  const { body: refund } = await client.refund(order, { amount: order.amount }, "refund-ord_1001-1");
  const refunded: number = refund.amount;
  // @ts-expect-error amounts are integer minor units, never strings
  await client.createOrder({ gateway: "phonepe", order_id: "x", amount: "499.00", currency: "INR" });
  return refunded + order.refunds.length;
}

/** What the merchant's webhook endpoint receives: one body type per event. */
type EventBody<T extends keyof webhooks> = NonNullable<
  webhooks[T]["post"]["requestBody"]
>["content"]["application/json"];

export function onEvent(body: EventBody<"refund.succeeded"> | EventBody<"payment.succeeded">): string {
  if (body.type === "refund.succeeded") return `${body.data.order.order_id} refunded ${body.data.refund.amount}`;
  const sequence: number = body.data.sequence;
  return `${body.data.order.order_id} paid at ${body.timestamp} (#${sequence})`;
}
