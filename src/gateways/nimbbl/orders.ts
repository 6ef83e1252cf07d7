/**
 * Nimbbl orders server-to-server (nimbbl.md §3): create-order, get-order and the transaction enquiry that confirms
 * every status. Never touches storage (the token cache aside).
 *
 * `next_action` is always `{type: "sdk"}`: Nimbbl's v3 API returns no hosted-checkout URL, only the order token
 * (scoped to one order, 20 minutes, safe for the browser [D4]) that the merchant's page hands to Nimbbl's checkout
 * SDK together with Nimbbl's order id.
 */
import { proxyError, type ProxyError } from "../../core/errors";
import { CURRENCY_EXPONENTS, fromMajor, toMajorNumber, type Money } from "../../core/money";
import { err, ok, type Result } from "../../core/result";
import type { CreateOrderInput, CreatedOrder, GatewayIO, StatusSnapshot } from "../types";
import type { Customer } from "../../core/model";
import { nimbblRequest } from "./client";
import { snapshotFromEnquiry } from "./map";
import type { TokenSettings } from "./token";
import { NimbblEnquiryResponseSchema, NimbblOrderResponseSchema, type NimbblEnquiryResponse } from "./wire";

/** Nimbbl signs and takes amounts with exactly two decimals (§1.1), so only two-decimal currencies fit. */
export function checkCurrency(money: Money): Result<null, ProxyError> {
  return CURRENCY_EXPONENTS[money.currency] === 2
    ? ok(null)
    : err(proxyError("currency_unsupported", { detail: "Nimbbl takes amounts with two decimals only" }));
}

/** `user` for create-order: the name split at its first space; a `+91` prefix moved to `country_code` (§3). */
export function nimbblUser(customer: Customer | null): Record<string, string> | null {
  if (!customer) return null;
  const user: Record<string, string> = {};
  if (customer.email) user["email"] = customer.email;
  if (customer.name) {
    const [first, ...rest] = customer.name.trim().split(/\s+/);
    user["first_name"] = first ?? customer.name;
    if (rest.length) user["last_name"] = rest.join(" ");
  }
  if (customer.phone) {
    const indian = /^(?:\+91)?([0-9]{10})$/.exec(customer.phone);
    if (indian?.[1]) {
      user["country_code"] = "+91";
      user["mobile_number"] = indian[1];
    } else {
      user["mobile_number"] = customer.phone.replace(/^\+/, "");
    }
  }
  return Object.keys(user).length ? user : null;
}

/** checkpost's return route, carrying the order id and checkpost's own token over it. */
export function callbackUrl(input: CreateOrderInput): string {
  const url = new URL(input.returnUrl);
  url.searchParams.set("order_id", input.orderId);
  url.searchParams.set("t", input.returnToken);
  return url.toString();
}

function badResponse(operation: string, check: string): ProxyError {
  return proxyError("gateway_bad_response", { log: { gateway: "nimbbl", operation, check } });
}

/** The created (or fetched) order as checkpost stores it, after checking it is ours and for the right amount. */
function toCreated(body: unknown, input: CreateOrderInput, operation: string): Result<CreatedOrder, ProxyError> {
  const parsed = NimbblOrderResponseSchema.safeParse(body);
  if (!parsed.success) return err(badResponse(operation, "shape"));
  const order = { ...parsed.data, ...(parsed.data.order ?? {}) };
  if (!order.token || !order.order_id) return err(badResponse(operation, "token_or_order_id_missing"));
  if (order.invoice_id !== undefined && order.invoice_id !== input.orderId) {
    return err(badResponse(operation, "invoice_mismatch"));
  }
  if (order.total_amount !== undefined) {
    const total = fromMajor(order.total_amount, order.currency ?? input.amount.currency);
    if (!total.ok || total.value.minor !== input.amount.minor || total.value.currency !== input.amount.currency) {
      return err(proxyError("order_conflict", { detail: "the gateway holds this order id with another amount" }));
    }
  }
  return ok({
    gatewayOrderRef: order.order_id,
    gatewayStatus: order.status ?? "new",
    nextAction: {
      type: "sdk",
      payload: { gateway: "nimbbl", order_id: order.order_id, token: order.token, invoice_id: input.orderId },
    },
    expiresAt: null,
  });
}

export async function createNimbblOrder(
  settings: TokenSettings,
  input: CreateOrderInput,
  io: GatewayIO,
): Promise<Result<CreatedOrder, ProxyError>> {
  const currency = checkCurrency(input.amount);
  if (!currency.ok) return currency;
  const user = nimbblUser(input.customer);
  const body = {
    invoice_id: input.orderId,
    total_amount: toMajorNumber(input.amount),
    currency: input.amount.currency,
    callback_url: callbackUrl(input),
    ...(user ? { user } : {}),
    ...(input.description ? { description: input.description } : {}),
    ...(input.metadata ? { custom_attributes: input.metadata } : {}),
  };
  const reply = await nimbblRequest(settings, io, {
    operation: "create_order",
    method: "POST",
    path: "/v3/create-order",
    body,
  });
  if (reply.ok) return toCreated(reply.value, input, "create_order");
  if (reply.error.reason !== "gateway_rejected") return reply;
  // Nimbbl refuses a reused invoice_id (§3). If an earlier call reached it (a timeout, a lost answer), that order is
  // ours: answer with it (and a fresh token) instead of failing the retry.
  const existing = await nimbblRequest(settings, io, {
    operation: "get_order",
    method: "GET",
    path: `/v3/order?invoice_id=${encodeURIComponent(input.orderId)}`,
  });
  if (!existing.ok) return reply;
  return toCreated(existing.value, input, "get_order");
}

/** `POST /v3/transaction-enquiry` by invoice id: every attempt and refund of the order (§3). */
export async function enquire(
  settings: TokenSettings,
  orderId: string,
  io: GatewayIO,
): Promise<Result<NimbblEnquiryResponse, ProxyError>> {
  const reply = await nimbblRequest(settings, io, {
    operation: "transaction_enquiry",
    method: "POST",
    path: "/v3/transaction-enquiry",
    body: { invoice_id: orderId },
    read: true,
  });
  if (!reply.ok) return reply;
  const parsed = NimbblEnquiryResponseSchema.safeParse(reply.value);
  return parsed.success ? ok(parsed.data) : err(badResponse("transaction_enquiry", "shape"));
}

export async function fetchNimbblStatus(
  settings: TokenSettings,
  orderId: string,
  io: GatewayIO,
): Promise<Result<StatusSnapshot, ProxyError>> {
  const enquiry = await enquire(settings, orderId, io);
  return enquiry.ok ? ok(snapshotFromEnquiry(enquiry.value)) : enquiry;
}
