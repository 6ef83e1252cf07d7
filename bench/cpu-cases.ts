/**
 * The operations the CPU benchmarks time, inside workerd (`cpu-worker.ts`) and in Node (`cpu.mjs`): every verifier,
 * checkpost's own signing, the status tables, and whole webhook verifications (auth + parse + schema + event).
 *
 * Inputs are signed by the SIMULATOR's code (`sim/src`, written apart from checkpost's verifiers), except
 * checkpost's own return token, which only checkpost mints. `prepare` checks that every case succeeds once, so no
 * case can time a rejection by mistake.
 */
import { decidePaymentTransition } from "../src/core/status";
import { foldObservation, newOrder as newCheckpostOrder } from "../src/core/order";
import { fromMajor } from "../src/core/money";
import { orderToken, parseCheckpostSecret, signRedirectParams, type TokenSecrets } from "../src/core/signing";
import { juspayGateway } from "../src/gateways/juspay/gateway";
import { mapJuspayStatus } from "../src/gateways/juspay/map";
import { verifyJuspayReturn, verifyWebhookAuth } from "../src/gateways/juspay/verify";
import { mapGatewayStatus } from "../src/gateways/nimbbl/map";
import { decryptResponse, verifyV4Envelope } from "../src/gateways/nimbbl/envelope";
import { verifyNimbblWebhook, verifyPerField } from "../src/gateways/nimbbl/verify";
import { NimbblSignedEventSchema, NimbblV4EnvelopeSchema } from "../src/gateways/nimbbl/wire";
import {
  callbackAuthorization,
  checkCallbackAuthorization,
  verifyCallback,
  verifyReturnToken,
} from "../src/gateways/phonepe/verify";
import { mapOrderState } from "../src/gateways/phonepe/map";
import { basicAuth, juspaySignature, urlEncoderEncode } from "../sim/src/juspay-sign";
import { encryptHex, toJson, v4Envelope } from "../sim/src/nimbbl-crypto";
import { db, newOrder as newNimbblOrder, nextTxnId, signedPayment } from "../sim/src/nimbbl-store";
import { orderCallback } from "../sim/src/phonepe-callbacks";
import { callbackAuthorizationHeader, newOrder as newPhonePeOrder, settleOrder } from "../sim/src/phonepe-store";

export interface CpuCase {
  readonly name: string;
  /** One operation. Its result is checked once by `prepare`: `false`, or a Result that is not ok, is a bug. */
  run(): unknown;
}

const JUSPAY = { user: "juspayhook", pass: "sim-juspay-hook-pass", responseKey: "sim_juspay_response_key" };
const PHONEPE = { user: "phonepe_hook", pass: "simpass123" };
const NIMBBL = { key: "access_key_sim", secret: "access_secret_sim0001" };
const MERCHANT_SECRETS = ["whsec_ZGV2LW9ubHktd2ViaG9vay1zZWNyZXQtMDAwMDE="];
const parsedSecret = parseCheckpostSecret("rSpBdOYGQpXQGT8KFf14CuNhM874jM+2579djtJA3oE=");
/** `CHECKPOST_SECRET` of .dev.vars.example, which keys the return token `t`. */
const TOKEN_SECRETS: TokenSecrets = "keys" in parsedSecret ? parsedSecret.keys : [];

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text) as Uint8Array<ArrayBuffer>;

/** A Juspay return redirect as the simulator signs it (juspay.md §3.2), GET with a double-encoded signature. */
async function juspayReturnUrl(): Promise<URL> {
  const params: [string, string][] = [
    ["order_id", "bench_ord_00001"],
    ["status", "CHARGED"],
    ["status_id", "21"],
  ];
  const signature = await juspaySignature(params, JUSPAY.responseKey);
  const all = [...params, ["signature", urlEncoderEncode(signature)], ["signature_algorithm", "HMAC-SHA256"]];
  const query = all.map(([k, v]) => `${urlEncoderEncode(k ?? "")}=${urlEncoderEncode(v ?? "")}`).join("&");
  return new URL(`https://checkpost.bench/return/juspay?${query}`);
}

/** A Juspay ORDER_SUCCEEDED webhook body, shaped like the simulator's (juspay.md §7). */
function juspayWebhookBody(): string {
  return JSON.stringify({
    id: "evt_V2_0123456789abcdef0123456789abcdef",
    event_name: "ORDER_SUCCEEDED",
    date_created: "2026-11-21T10:00:00Z",
    content: {
      order: {
        id: "ordeh_0123456789abcdef",
        order_id: "bench_ord_00001",
        merchant_id: "checkpost_demo",
        amount: 100,
        currency: "INR",
        status: "CHARGED",
        status_id: 21,
        txn_id: "checkpost_demo-bench_ord_00001-1",
        refunds: [],
      },
    },
  });
}

/** A Nimbbl payment_success event signed by the simulated Nimbbl (nimbbl.md §1.1, §2). */
async function nimbblEvent(): Promise<Record<string, unknown>> {
  db().merchants.set(NIMBBL.key, NIMBBL.secret);
  const order = newNimbblOrder({
    invoiceId: "bench_inv_00001",
    accessKey: NIMBBL.key,
    totalPaise: 10000,
    currency: "INR",
    callbackUrl: null,
  });
  const txn = {
    id: nextTxnId(order),
    type: "payment" as const,
    status: "succeeded",
    paise: 10000,
    currency: "INR",
    additionalPaise: 0,
    offerPaise: 0,
  };
  order.transactions.push(txn);
  return signedPayment(order, txn, "payment_success");
}

function check(name: string, result: unknown): void {
  const failed =
    result === false ||
    result === null ||
    (typeof result === "object" && result !== null && "ok" in result && (result as { ok: boolean }).ok === false);
  if (failed) throw new Error(`CPU case "${name}" did not succeed: ${JSON.stringify(result)}`);
}

export async function prepare(): Promise<CpuCase[]> {
  const juspayUrl = await juspayReturnUrl();
  const juspayAuth = basicAuth(JUSPAY.user, JUSPAY.pass);
  const juspayBody = bytes(juspayWebhookBody());
  const juspay = juspayGateway({
    baseUrl: "http://sim.bench/juspay",
    merchantId: "checkpost_demo",
    apiKey: "sim_juspay_api_key",
    responseKey: JUSPAY.responseKey,
    webhookUsername: JUSPAY.user,
    webhookPassword: JUSPAY.pass,
    apiVersion: "2024-06-24",
    paymentPageClientId: null,
    sdk: null,
  });

  const phonepeHeader = await callbackAuthorizationHeader(PHONEPE.user, PHONEPE.pass);
  const phonepeExpected = await callbackAuthorization(PHONEPE.user, PHONEPE.pass);
  const phonepeOrder = newPhonePeOrder("bench_ord_00001", 10000);
  settleOrder(phonepeOrder, { state: "COMPLETED" });
  const phonepeCallback = await orderCallback(phonepeOrder, {});
  const phonepeRaw = {
    bytes: bytes(phonepeCallback.body),
    headers: new Headers({ authorization: phonepeHeader, "content-type": "application/json" }),
  };
  const token = (await orderToken(TOKEN_SECRETS, "return", "phonepe", "bench_ord_00001")) ?? "";
  const phonepeReturn = {
    method: "GET" as const,
    url: new URL(`https://checkpost.bench/return/phonepe?order_id=bench_ord_00001&t=${token}`),
    body: new Uint8Array(0),
    contentType: null,
  };

  const event = await nimbblEvent();
  const eventJson = toJson(event);
  const signed = NimbblSignedEventSchema().parse(JSON.parse(eventJson));
  const v4 = NimbblV4EnvelopeSchema().parse(
    JSON.parse(toJson(await v4Envelope(NIMBBL.secret, eventJson, "signature"))),
  );
  const encrypted = await encryptHex(NIMBBL.secret, eventJson);
  const nimbblRaw = { bytes: bytes(eventJson), headers: new Headers({ "content-type": "application/json" }) };

  const order = {
    ...newCheckpostOrder("juspay", "o1", 0),
    amount: 10000,
    currency: "INR" as const,
    amount_verified: true,
  };
  const juspayStatuses = ["CHARGED", "PENDING_VBV", "AUTHORIZATION_FAILED", "SOMETHING_NEW"];
  const phonepeStates = ["COMPLETED", "PENDING", "FAILED", "SOMETHING_NEW"];
  const nimbblStatuses = ["succeeded", "pending", "failed", "something_new"];
  let k = 0;

  const list: CpuCase[] = [
    {
      name: "Juspay return: HMAC-SHA256 over the query",
      run: () =>
        verifyJuspayReturn(
          { method: "GET", url: juspayUrl, body: new Uint8Array(0), contentType: null },
          JUSPAY.responseKey,
        ),
    },
    { name: "Juspay webhook: Basic auth", run: () => verifyWebhookAuth(juspayAuth, JUSPAY.user, JUSPAY.pass) },
    {
      name: "Juspay webhook: auth + parse + schema",
      run: () => juspay.verifyWebhook({ bytes: juspayBody, headers: new Headers({ authorization: juspayAuth }) }, 0),
    },
    {
      name: "PhonePe callback: Authorization header",
      run: () => checkCallbackAuthorization(phonepeHeader, phonepeExpected),
    },
    { name: "PhonePe callback: auth + parse + schema", run: () => verifyCallback(phonepeRaw, phonepeExpected) },
    { name: "PhonePe return: checkpost token t", run: () => verifyReturnToken(phonepeReturn, TOKEN_SECRETS) },
    { name: "Nimbbl v3 per-field signature", run: () => verifyPerField(signed, NIMBBL.secret, "payment", "required") },
    { name: "Nimbbl v4 envelope HMAC", run: () => verifyV4Envelope(v4, NIMBBL.secret) },
    { name: "Nimbbl AES-256-GCM decrypt", run: () => decryptResponse(encrypted, NIMBBL.secret) },
    { name: "Nimbbl webhook: parse + schema + v3", run: () => verifyNimbblWebhook(nimbblRaw, NIMBBL.secret) },
    {
      name: "checkpost return redirect signing",
      run: () =>
        signRedirectParams(MERCHANT_SECRETS, [
          ["gateway", "juspay"],
          ["order_id", "bench_ord_00001"],
          ["status", "succeeded"],
          ["amount", "10000"],
          ["currency", "INR"],
          ["ts", "1763700000"],
        ]),
    },
    { name: "status table: Juspay", run: () => mapJuspayStatus(juspayStatuses[k++ & 3] ?? "") },
    { name: "status table: PhonePe", run: () => mapOrderState(phonepeStates[k++ & 3] ?? "") },
    { name: "status table: Nimbbl", run: () => mapGatewayStatus(nimbblStatuses[k++ & 3] ?? "") },
    { name: "transition decision", run: () => decidePaymentTransition("pending", "succeeded", true) },
    {
      name: "order fold (confirmed success)",
      run: () =>
        foldObservation(
          order,
          {
            source: "poll",
            confirmed: true,
            gatewayStatus: "CHARGED",
            status: "succeeded",
            amount: { minor: 10000, currency: "INR" },
          },
          1,
        ),
    },
    { name: "amount parse (Juspay rupees)", run: () => fromMajor("1234.50", "INR") },
  ];
  for (const c of list) check(c.name, await c.run());
  return list;
}
