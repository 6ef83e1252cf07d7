/** Nothing secret reaches the logs on a whole Nimbbl payment (product.md §7): credentials, tokens, signatures. */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { expect, it } from "vitest";
import { captureLogs, objectOf } from "../helpers";
import {
  ACCESS_KEY,
  createOrder,
  outcome,
  paymentJson,
  paymentSignature,
  postWebhook,
  returnWith,
  SECRET,
  simWebhooks,
} from "./support";

it("never logs the access key, the access secret, a merchant or order token, or a signature", async () => {
  const { result, lines } = await captureLogs(async () => {
    const { orderId, callbackUrl, body } = await createOrder(1250);
    const txn = await outcome(orderId, "success");
    const fields = { invoice: orderId, txn, amountJson: "12.50", amountSigned: "12.50" };
    await returnWith(callbackUrl, await paymentJson(fields));
    await postWebhook((await simWebhooks(orderId, "v4"))[0] ?? "");
    await runDurableObjectAlarm(objectOf("nimbbl", orderId));
    return { orderToken: body.next_action.payload.token as string, signature: await paymentSignature(fields) };
  });
  const { keys } = await env.KV.list({ prefix: "tok:nimbbl:" });
  const merchantTokens = await Promise.all(keys.map(async (k) => ((await env.KV.get(k.name, "json")) as any).token));
  const text = lines.join("\n");
  expect(lines.length).toBeGreaterThan(5);
  for (const secret of [SECRET, ACCESS_KEY, result.orderToken, result.signature, ...merchantTokens]) {
    expect(text).not.toContain(secret);
  }
});
