// Allowed: gateway code imports core, the gateways' HTTP helper and the gateways' types.
import { zero } from "../../core/money";
import { callGateway } from "../http";
import type { GatewayRoutes } from "../types";

export const client: [number, () => number, GatewayRoutes?] = [zero, callGateway];
