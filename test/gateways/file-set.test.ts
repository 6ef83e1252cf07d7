/**
 * Every registered gateway's folder has the same files, each with one meaning (docs/adding-a-gateway.md), so a
 * reader finds a gateway's settings, payloads, status table, verifiers and API calls in the same place whichever
 * gateway it is. The gateways come from the registry (`GATEWAYS`), the files from the source tree.
 */
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { GATEWAYS } from "../../src/gateways";

const FILES = Object.keys(import.meta.glob("../../src/gateways/*/*.ts"));

/** The file set of every gateway folder, and what each file holds. */
const REQUIRED = {
  "adapter.ts": "the GatewayAdapter object, and nothing else",
  "config.ts": "settings → typed settings or problems; the required setting names",
  "wire.ts": "the gateway's payload schemas and types, id patterns",
  "map.ts": "gateway statuses and fields → the unified model (status tables, snapshots, webhook events)",
  "verify.ts": "return-leg and webhook verification: pure, no network, no storage",
  "client.ts": "the server-to-server calls",
  "gateway.ts": "binds the settings into the ConfiguredGateway",
} as const;

/** Files only some gateways have, each for a feature the others lack. */
const EXTRAS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  juspay: {
    "sdk.ts": "HyperSDK payload signing (RSA-SHA256)",
    "jose.ts": "JOSE mode's JWS + JWE envelopes (juspay.md §8)",
    "preauth.ts": "pre-authorisation capture and void (juspay.md §12)",
    "mandates.ts": "mandate execution, notification and cancel calls (juspay.md §6, §12)",
  },
  phonepe: { "token.ts": "the OAuth client-credentials token cache" },
  nimbbl: {
    "token.ts": "the merchant token cache",
    "envelope.ts": "the encrypted / v4 / checkout SDK layers around bodies, with their crypto",
  },
};

function filesOf(folder: string, files: readonly string[] = FILES): string[] {
  const prefix = `../../src/gateways/${folder}/`;
  return files
    .filter((f) => f.startsWith(prefix))
    .map((f) => f.slice(prefix.length))
    .sort();
}

/** What a folder lacks of the required set, and what it holds beyond the required set and its listed extras. */
function fileSetProblems(folder: string, files: readonly string[] = FILES): string[] {
  const present = new Set(filesOf(folder, files));
  const allowed = new Set([...Object.keys(REQUIRED), ...Object.keys(EXTRAS[folder] ?? {})]);
  return [
    ...Object.keys(REQUIRED)
      .filter((f) => !present.has(f))
      .map((f) => `${folder}/${f} is missing`),
    ...[...present].filter((f) => !allowed.has(f)).map((f) => `${folder}/${f} is neither required nor a listed extra`),
  ];
}

const IDS = Object.keys(GATEWAYS);

describe("gateway folders", () => {
  it("reads the gateway folders of src/", () => {
    expect(FILES.length).toBeGreaterThan(IDS.length * Object.keys(REQUIRED).length - 1);
    expect(FILES).toContain("../../src/gateways/juspay/adapter.ts");
  });

  it.each(IDS)("gives %s's folder the required file set and only its listed extras", (id) => {
    expect(fileSetProblems(id)).toEqual([]);
  });

  it.each(IDS)("names %s's folder after the adapter's id", (id) => {
    expect(GATEWAYS[id as keyof typeof GATEWAYS].id).toBe(id);
  });

  it("has a folder only for registered gateways", () => {
    const folders = new Set(FILES.map((f) => f.split("/")[4]));
    expect([...folders].sort()).toEqual([...IDS].sort());
  });

  it("lists extras only for registered gateways", () => {
    expect(Object.keys(EXTRAS).filter((id) => !IDS.includes(id))).toEqual([]);
  });

  it("would catch a folder that lacks a required file or holds an unlisted one", () => {
    const files = [...Object.keys(REQUIRED).filter((f) => f !== "verify.ts"), "orders.ts"].map(
      (f) => `../../src/gateways/acme/${f}`,
    );
    expect(fileSetProblems("acme", files)).toEqual([
      "acme/verify.ts is missing",
      "acme/orders.ts is neither required nor a listed extra",
    ]);
  });
});
