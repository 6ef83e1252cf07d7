/**
 * The coverage rule (issue #13): adding a gateway is a folder, one registry line and a simulator module, and then
 * every suite that runs over gateways covers it. The registry (`GATEWAYS`), `GATEWAY_IDS` and the test driver table
 * (`DRIVERS`, which the generic suites iterate as `DRIVER_LIST`) name the same gateways; each has its simulator
 * module and its test folder with a `support.ts`.
 */
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { GATEWAY_IDS } from "../src/core/model";
import { GATEWAYS } from "../src/gateways";
import { DRIVER_LIST, DRIVERS } from "./drivers";

const SIM_MODULES = Object.keys(import.meta.glob("../sim/src/*.ts"));
const SUPPORT_FILES = Object.keys(import.meta.glob("./*/support.ts"));

const sorted = (ids: Iterable<string>) => [...ids].sort();

describe("gateway coverage", () => {
  it("has one driver per gateway: the driver table's keys are GATEWAY_IDS and the registry's", () => {
    expect(sorted(Object.keys(DRIVERS))).toEqual(sorted(GATEWAY_IDS));
    expect(sorted(Object.keys(GATEWAYS))).toEqual(sorted(GATEWAY_IDS));
    for (const [id, driver] of Object.entries(DRIVERS)) expect(driver.gateway).toBe(id);
  });

  it("runs the generic suites over every gateway, in GATEWAY_IDS order", () => {
    expect(DRIVER_LIST.map((d) => d.gateway)).toEqual([...GATEWAY_IDS]);
  });

  it("gives the security suites something to check for every gateway", async () => {
    for (const driver of DRIVER_LIST) {
      expect((await driver.secrets()).length, driver.gateway).toBeGreaterThan(0);
      expect(driver.verifier.helpers.length, driver.gateway).toBeGreaterThan(0);
      expect(driver.forgeries.length, driver.gateway).toBeGreaterThan(0);
    }
  });

  it.each(GATEWAY_IDS)("has a simulator module and test/%s/support.ts", (id) => {
    expect(SIM_MODULES).toContain(`../sim/src/${id}.ts`);
    expect(SUPPORT_FILES).toContain(`./${id}/support.ts`);
  });
});
