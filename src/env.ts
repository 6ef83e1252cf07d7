/**
 * The Worker's bindings, vars and secrets (product.md §1): the settings of `settings.ts` plus the order Durable
 * Object namespace and the KV namespace.
 */
import type { Settings } from "./settings";
import type { OrderObject } from "./storage/order-object";

export { setting, type SettingName, type Settings } from "./settings";

export interface Env extends Settings {
  ORDERS: DurableObjectNamespace<OrderObject>;
  KV: KVNamespace;
}
