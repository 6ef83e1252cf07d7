/**
 * A gateway whose operations are not built yet: every call answers `not_implemented` (501). Lets the registry list
 * every `GatewayId` while a gateway's folder is being filled in.
 */
import { proxyError } from "../core/errors";
import { err } from "../core/result";
import type { ConfiguredGateway } from "./types";

const notImplemented = () => Promise.resolve(err(proxyError("not_implemented")));

export const notImplementedGateway: ConfiguredGateway = {
  checkCreate: () => null,
  verifyReturn: notImplemented,
  verifyWebhook: notImplemented,
  fetchStatus: notImplemented,
  createOrder: notImplemented,
  refund: notImplemented,
  refundStatus: notImplemented,
};
