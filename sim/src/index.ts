/**
 * The gateway simulator. Routes:
 * - `/<gateway>/…` — that gateway's API (filled in per gateway under `src/<gateway>.ts`);
 * - `/demo/…` — the demo merchant `npm start` points people at (`src/demo.ts`);
 * - `/merchant/…` — the merchant's backend receiving checkpost's events, for tests (`src/merchant.ts`);
 * - `/__control/…` — the control API tests and the demo use: reset, faults, recorded calls.
 * Every gateway request is recorded, then checked against the fault rules, then handled.
 */
import { drainLater } from "./checkout";
import { demoMerchant } from "./demo";
import { faultResponse } from "./faults";
import { juspaySim } from "./juspay";
import { merchantApi, merchantControl, resetMerchant } from "./merchant";
import { nimbblSim } from "./nimbbl";
import { phonepeSim } from "./phonepe";
import { reset, state, takeFault, type FaultRule, type SimGateway } from "./state";

export interface SimEnv {
  CHECKPOST_URL?: string;
  /** How long "pending, then success" and "late success" take on the checkout pages, in ms (default 4000). */
  SIM_SETTLE_MS?: string;
  /** The demo merchant's checkpost API key and `whsec_` key (`npm start` passes them from .dev.vars). */
  DEMO_API_KEY?: string;
  DEMO_WEBHOOK_SECRET?: string;
  /** JOSE mode (juspay-jose.ts): Juspay's RSA private key (PKCS#8 PEM), the merchant's public key (SPKI PEM), the
   * merchant's key id; `JUSPAY_AUTH_MODE=jose npm start` generates throwaway ones. */
  JUSPAY_JWT_PRIVATE_KEY?: string;
  JUSPAY_MERCHANT_PUBLIC_KEY?: string;
  JUSPAY_JWT_KEY_ID?: string;
}

/**
 * A gateway module (`src/<gateway>.ts`). `api` handles `/<gateway>/<rest>` (the gateway's own API; `path` has the
 * `/<gateway>` prefix removed); `control` handles `/__control/<gateway>/<rest>` (set an order's outcome, build a
 * signed redirect or webhook, deliver it to checkpost, …).
 */
export interface GatewaySim {
  api(request: Request, path: string, env: SimEnv): Promise<Response>;
  control(request: Request, path: string, env: SimEnv): Promise<Response>;
}

const GATEWAYS: Record<SimGateway, GatewaySim> = {
  juspay: juspaySim,
  phonepe: phonepeSim,
  nimbbl: nimbblSim,
};

function isSimGateway(value: string): value is SimGateway {
  return Object.hasOwn(GATEWAYS, value);
}

export default {
  async fetch(request: Request, env: SimEnv, ctx: ExecutionContext): Promise<Response> {
    try {
      return await route(request, env);
    } finally {
      // Checkout outcomes that settle "a few seconds later" run after the response (checkout.ts).
      ctx.waitUntil(drainLater());
    }
  },
} satisfies ExportedHandler<SimEnv>;

async function route(request: Request, env: SimEnv): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/__control/")) return control(request, url, env);
  const [, first, ...rest] = url.pathname.split("/");
  if (first === "demo") return demoMerchant(request, `/${rest.join("/")}`, env);
  if (first === "merchant") return merchantApi(request, `/${rest.join("/")}`);
  if (!first || !isSimGateway(first)) return Response.json({ error: "unknown gateway" }, { status: 404 });
  const gateway: SimGateway = first;
  const path = `/${rest.join("/")}`;
  // Decoded from bytes: workerd warns when `.text()` is called on a form-encoded body.
  const body =
    request.method === "GET" || request.method === "HEAD"
      ? ""
      : new TextDecoder().decode(await request.clone().arrayBuffer());
  state.calls.push({
    gateway,
    method: request.method,
    path,
    query: url.search,
    headers: Object.fromEntries(request.headers),
    body,
    at: Date.now(),
  });
  const fault = takeFault(gateway, request.method, path);
  if (
    fault &&
    fault.kind !== "after_success" &&
    fault.kind !== "wrong_content_type" &&
    fault.kind !== "truncated" &&
    fault.kind !== "slow_body"
  ) {
    return faultResponse(fault);
  }
  const real = await GATEWAYS[gateway].api(request, path, env);
  return fault ? faultResponse(fault, real) : real;
}

async function control(request: Request, url: URL, env: SimEnv): Promise<Response> {
  const route = url.pathname.slice("/__control".length);
  const [, first, ...rest] = route.split("/");
  if (first && isSimGateway(first)) return GATEWAYS[first].control(request, `/${rest.join("/")}`, env);
  if (first === "merchant") return merchantControl(request, url, `/${rest.join("/")}`);
  if (route === "/reset" && request.method === "POST") {
    reset();
    resetMerchant();
    return Response.json({ ok: true });
  }
  if (route === "/faults" && request.method === "POST") {
    const rule = await request.json<Omit<FaultRule, "remaining"> & { times?: number | null }>();
    // `times: null` means every matching request until cleared (`POST /__control/faults/clear`).
    state.faults.push({ ...rule, remaining: rule.times === undefined ? 1 : rule.times });
    return Response.json({ ok: true, rules: state.faults.length });
  }
  if (route === "/faults/clear" && request.method === "POST") {
    // Removes the rules of one gateway whose path contains `path` (all of that gateway's when absent).
    const { gateway, path } = await request.json<{ gateway?: string; path?: string }>();
    state.faults = state.faults.filter(
      (r) => !((gateway === undefined || r.gateway === gateway) && (path === undefined || r.path.includes(path))),
    );
    return Response.json({ ok: true, rules: state.faults.length });
  }
  if (route === "/calls" && request.method === "GET") {
    const gateway = url.searchParams.get("gateway");
    const contains = url.searchParams.get("path");
    return Response.json(
      state.calls.filter((c) => (!gateway || c.gateway === gateway) && (!contains || c.path.includes(contains))),
    );
  }
  return Response.json({ error: "unknown control route" }, { status: 404 });
}
