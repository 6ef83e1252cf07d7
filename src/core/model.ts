/**
 * checkpost's own model of what every layer speaks about: which gateway, which order, who pays, what comes next.
 * Pure types and one guard; gateway folders, storage and HTTP all import these from here, never from each other.
 */
import type { Money } from "./money";
import type { RefundStatus } from "./status";

export const GATEWAY_IDS = ["juspay", "phonepe", "nimbbl"] as const;
export type GatewayId = (typeof GATEWAY_IDS)[number];

export function isGatewayId(value: string): value is GatewayId {
  return (GATEWAY_IDS as readonly string[]).includes(value);
}

/** One order: the key of its Durable Object (see `orderObjectName`). */
export interface OrderRef {
  readonly gateway: GatewayId;
  readonly orderId: string;
}

/** The name of an order's Durable Object: `<gateway>:<order_id>`, so each order has exactly one. */
export function orderObjectName(ref: OrderRef): string {
  return `${ref.gateway}:${ref.orderId}`;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Customer {
  readonly id?: string | undefined;
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
  readonly name?: string | undefined;
}

export type NextAction =
  | { readonly type: "redirect"; readonly url: string }
  | { readonly type: "sdk"; readonly payload: Readonly<Record<string, JsonValue>> };

/** What a gateway said about one refund (a status call, a webhook, a refund listed on a payment). */
export interface RefundHint {
  /** checkpost's / the merchant's refund id at the gateway (`unique_request_id`, `merchantRefundId`, `refund_request_id`). */
  readonly gatewayRefundId: string | null;
  /** The gateway's own id for the refund, when it has one. */
  readonly gatewayRefundRef: string | null;
  readonly status: RefundStatus;
  readonly gatewayStatus: string;
  readonly amount: Money | null;
  /**
   * The gateway itself says the refund needs a person (Juspay `MANUAL_REVIEW`): the refund stays pending, its amount
   * reserved, and is flagged `requires_review` with this reason (e.g. `manual_review_at_gateway`).
   */
  readonly reviewReason?: string | undefined;
}
