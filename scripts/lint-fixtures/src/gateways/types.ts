// Broken on purpose: src/gateways/ imports src/http/, type-only (gateways-not-to-http-storage-delivery).
import type { AppRouter } from "../http/context";

export type GatewayRoutes = (router: AppRouter) => void;
