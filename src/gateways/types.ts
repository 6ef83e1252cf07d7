/**
 * The one interface every gateway implements (style.md §8.1). Gateway language — wire types, status tables, URLs,
 * headers — stays inside `gateways/<id>/`; the rest of checkpost sees only these types.
 *
 * Rules: `verify*` never touch storage or the network; `fetchStatus`, `createOrder`, `refund` and `refundStatus`
 * never touch storage. Only `storage/order-object.ts` changes order state.
 */
import type { MandateRequest } from "../core/mandate";
import type { Config } from "../config";
import type { Logger } from "../core/log";
import type { Customer, GatewayId, JsonValue, NextAction, RefundHint } from "../core/model";
import type { Money } from "../core/money";
import type { Result } from "../core/result";
import type { ProxyError } from "../core/errors";
import type { PaymentStatus } from "../core/status";
import type { SettingName, Settings } from "../settings";

/** Whether the gateway's wire amounts are in minor units (PhonePe paise) or major units (rupees). */
export type AmountUnit = "minor" | "major";

/** Injected I/O for calls to the gateway, so tests and the simulator can swap any part of it. */
export interface GatewayIO {
  readonly fetch: typeof fetch;
  readonly now: () => number;
  /** For eventually-consistent caches only (access tokens); never for deciding whether something happened. */
  readonly kv: KVNamespace;
  readonly log: Logger;
  /** Per-call timeout for every outbound call made with this IO (`GATEWAY_TIMEOUT_MS`); unset: `callGateway`'s 10 s. */
  readonly timeoutMs?: number | undefined;
}

/** What arrives on `GET|POST /return/:gateway`, untouched. */
export interface ReturnInput {
  readonly method: "GET" | "POST";
  readonly url: URL;
  /** The raw body bytes (empty for GET). */
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string | null;
}

export interface VerifiedReturn {
  readonly orderId: string;
  /** The gateway status the browser carried: a hint for the audit trail, never used to decide. */
  readonly gatewayStatus: string | null;
}

/** A webhook exactly as received: the bytes are read once by the route and never re-serialised. */
export interface RawWebhook {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly headers: Headers;
}

/**
 * What an authenticated webhook asks of checkpost:
 * - `payment` / `refund` / `other`: recorded on the order (created if unknown) and a confirmed look follows;
 * - `notice`: about an order but not its payment or refund state (a chargeback, a mandate event): recorded in the
 *   audit trail of an order checkpost already holds, with `reason`; never creates an order, never asks for a look;
 * - `ignored`: not about an order checkpost tracks (another product family): acknowledged with `reason`, nothing
 *   stored, no order, no poll.
 */
export type WebhookKind = "payment" | "refund" | "other" | "notice" | "ignored";

/** An authenticated webhook, translated. Still a hint: final transitions are confirmed S2S before they apply. */
export interface WebhookEvent {
  readonly kind: WebhookKind;
  /** Why a `notice` or `ignored` event causes no look (logged; kept in a notice's audit row). */
  readonly reason?: string | undefined;
  /** The gateway's event name, e.g. `ORDER_SUCCEEDED`, `checkout.order.completed`, `payment_success`. */
  readonly eventType: string;
  /** The merchant order id, or null when the payload does not say (acknowledged and logged, nothing stored). */
  readonly orderId: string | null;
  /** Keys that identify this delivery; any key seen before makes it a duplicate. */
  readonly dedupeKeys: readonly string[];
  readonly gatewayStatus: string;
  /** The unified status the event claims, for payment events. */
  readonly status: PaymentStatus | null;
  readonly amount: Money | null;
  readonly refund: RefundHint | null;
  /** Juspay MANDATE_* events: the mandate they are about, for its own object (storage/order/mandate.ts). */
  readonly mandate?:
    | {
        readonly mandateId: string;
        readonly customerId: string | null;
        /** NOTIFICATION_* events: the notification's `object_reference_id` (else its id). */
        readonly notification?: string | null;
      }
    | undefined;
}

/** The gateway's answer to a server-to-server status call: the only input that may settle an order. */
export interface StatusSnapshot {
  readonly orderId: string;
  readonly gatewayStatus: string;
  readonly status: PaymentStatus;
  /**
   * The amount to compare with the registered one: what the gateway says the order is paid for (Nimbbl: the capture,
   * net of its own fee and discount lines), never a fee-inclusive charge.
   */
  readonly amount: Money | null;
  /** The gateway gave an amount that cannot be read exactly (`amount` is then null): the order goes to review. */
  readonly amountUnreadable?: boolean;
  /**
   * The money is held, not captured (Juspay `AUTHORIZED`, Nimbbl `authorized`): the order is never expired while
   * held; at the reconciliation window's end it is flagged `requires_review` (`authorized_not_captured`).
   */
  readonly held?: boolean;
  readonly gatewayOrderRef: string | null;
  /** Gateway facts surfaced on the unified order: error codes, a mandate block, refund details. No secrets. */
  readonly details: Readonly<Record<string, JsonValue>>;
  readonly refunds: readonly RefundHint[];
}

export interface CreateOrderInput {
  readonly orderId: string;
  readonly amount: Money;
  readonly customer: Customer | null;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>> | null;
  /** `PUBLIC_BASE_URL/return/<gateway>`; the adapter adds what its gateway needs. */
  readonly returnUrl: URL;
  /**
   * checkpost's own token over the order (`core/signing.ts` `orderToken`), for gateways whose redirect is unsigned;
   * null when `CHECKPOST_SECRET` is unusable (a gateway with `needsReturnToken` is then never asked to create).
   */
  readonly returnToken: string | null;
  /** Ask for the SDK variant instead of a redirect, where the gateway has one. */
  readonly sdk: boolean;
  readonly expireAfterSeconds: number | null;
  /** Juspay only: register a mandate with this order (`core/mandate.ts`). */
  readonly mandate?: MandateRequest | null;
}

export interface CreatedOrder {
  readonly gatewayOrderRef: string | null;
  readonly gatewayStatus: string;
  readonly nextAction: NextAction;
  /** Epoch ms after which the gateway will not take a payment, when it says. */
  readonly expiresAt: number | null;
}

/** What a gateway may need to know about the order a call is for, beyond its id. */
export interface OrderFacts {
  /** The merchant's customer id for the order, when it has one (Juspay's `x-routing-id` / `x-customerid`). */
  readonly customerId?: string | null | undefined;
}

export interface RefundInput extends OrderFacts {
  readonly orderId: string;
  readonly gatewayRefundId: string;
  readonly amount: Money;
  readonly reason: string | null;
}

export interface RefundLookup extends OrderFacts {
  readonly orderId: string;
  readonly gatewayRefundId: string;
  /** The gateway's own id for the refund, kept from the create answer (Nimbbl's refund `transaction_id`), if any. */
  readonly gatewayRefundRef?: string | null | undefined;
}

/** What `POST /v1/orders` asks a gateway to create, checked before anything is stored or sent. */
export interface CreateCheckInput {
  readonly amount: Money;
  readonly customer: Customer | null;
  readonly description: string | null;
}

/** A gateway with its settings bound; built by `GatewayAdapter.configure`. */
export interface ConfiguredGateway {
  /**
   * Fields the gateway requires for a create that the request lacks (Nimbbl's `user`): a `validation_failed` error
   * naming each field, returned before anything is stored or sent; null when the create can go ahead.
   */
  checkCreate(input: CreateCheckInput): ProxyError | null;
  verifyReturn(input: ReturnInput, now: number): Promise<Result<VerifiedReturn, ProxyError>>;
  verifyWebhook(raw: RawWebhook, now: number): Promise<Result<WebhookEvent, ProxyError>>;
  /** `order` is what checkpost knows of the order (absent: nothing, e.g. a first look at an order seen only now). */
  fetchStatus(orderId: string, io: GatewayIO, order?: OrderFacts): Promise<Result<StatusSnapshot, ProxyError>>;
  createOrder(input: CreateOrderInput, io: GatewayIO): Promise<Result<CreatedOrder, ProxyError>>;
  refund(input: RefundInput, io: GatewayIO): Promise<Result<RefundHint, ProxyError>>;
  refundStatus(input: RefundLookup, io: GatewayIO): Promise<Result<RefundHint, ProxyError>>;
}

export type GatewaySetup =
  | { readonly state: "disabled"; readonly missing: readonly SettingName[] }
  | { readonly state: "misconfigured"; readonly problems: readonly string[] }
  | { readonly state: "enabled"; readonly gateway: ConfiguredGateway };

export interface GatewayAdapter {
  readonly id: GatewayId;
  readonly amountUnit: AmountUnit;
  /** Settings without which the gateway is disabled (its routes answer 404 `gateway_not_configured`). */
  readonly requiredSettings: readonly SettingName[];
  /** The return leg can only be verified with checkpost's own token `t` (PhonePe: its redirect is unsigned). */
  readonly needsReturnToken: boolean;
  /** How long after an order is created a pending payment may still change at the gateway (reconciliation window). */
  readonly pollWindowMs: number;
  /** Binds the settings. Never throws: problems are returned, start-up never fails on configuration. */
  configure(env: Settings, config: Config): GatewaySetup;
  /** The gateway's status → unified status; exhaustive over known values, anything unknown → `pending`. */
  mapStatus(gatewayStatus: string): PaymentStatus;
  /** Whether an order id is acceptable to this gateway (charset, length). */
  isValidOrderId(orderId: string): boolean;
}
