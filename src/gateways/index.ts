/**
 * The gateway registry: one line per gateway. `satisfies` makes the compiler refuse a `GatewayId` without an adapter.
 */
import { loadConfig } from "../config";
import type { Settings } from "../settings";
import { juspayAdapter } from "./juspay/adapter";
import { nimbblAdapter } from "./nimbbl/adapter";
import { phonepeAdapter } from "./phonepe/adapter";
import type { GatewayAdapter, GatewaySetup } from "./types";
import type { GatewayId } from "../core/model";

export const GATEWAYS = {
  juspay: juspayAdapter,
  phonepe: phonepeAdapter,
  nimbbl: nimbblAdapter,
} as const satisfies Record<GatewayId, GatewayAdapter>;

const setups = new WeakMap<Settings, Map<GatewayId, GatewaySetup>>();

/** The gateway's setup for this deployment, computed once per `env` object. */
export function gatewaySetup(env: Settings, id: GatewayId): GatewaySetup {
  let perEnv = setups.get(env);
  if (!perEnv) {
    perEnv = new Map();
    setups.set(env, perEnv);
  }
  let setup = perEnv.get(id);
  if (!setup) {
    setup = GATEWAYS[id].configure(env, loadConfig(env));
    perEnv.set(id, setup);
  }
  return setup;
}
