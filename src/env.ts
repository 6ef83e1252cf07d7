/**
 * The Worker's bindings, vars and secrets (product.md §1): the settings of `settings.ts` plus the order Durable
 * Object namespace and the KV namespace.
 */
import type { Settings } from "./settings";

export { setting, type SettingName, type Settings } from "./settings";

export interface Env extends Settings {
  /**
   * The `OrderObject` namespace, untyped here so that `env.ts` imports no storage (no import cycle): the one place
   * that names an object, `storage/order-object.ts` `orderStub`, types its stub as `OrderClient`.
   */
  ORDERS: DurableObjectNamespace;
  KV: KVNamespace;
}
