import { describe, expect, it } from "vitest";
import { once } from "../../src/core/once";
import { JuspayOrderSchema, JuspayWebhookSchema } from "../../src/gateways/juspay/wire";

describe("once", () => {
  it("makes nothing until the first call, then makes the value once and returns that same value", () => {
    let made = 0;
    const value = once(() => ({ n: ++made }));
    expect(made).toBe(0);
    const first = value();
    expect(value()).toBe(first);
    expect(made).toBe(1);
  });

  it("gives a schema nested in another the same instance as the one exported", () => {
    const content = JuspayWebhookSchema().shape.content.def.innerType.def.innerType;
    expect(content.shape.order.def.innerType.def.innerType).toBe(JuspayOrderSchema());
  });
});
