#!/usr/bin/env node
/**
 * `npm start`: runs checkpost (port 8787) and the gateway simulator with the demo merchant (port 8788) locally in
 * workerd via wrangler dev, with persisted local Durable Object, KV and D1 storage under .wrangler/state (the D1
 * order index's migrations applied first), and prints the URL to open, the demo merchant, beside the operator console's. On a fresh clone it creates .dev.vars from .dev.vars.example (simulator-only
 * values) with a freshly generated `CHECKPOST_SECRET`; an older .dev.vars without one gets one appended.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoMerchantVars, parseEnvFile, startStack, writeEnvFile } from "./local-stack.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const devVars = join(root, ".dev.vars");
/** A new `CHECKPOST_SECRET`: 32 random bytes, base64 (product.md §1). */
const newCheckpostSecret = () => randomBytes(32).toString("base64");
if (!existsSync(devVars)) {
  const example = readFileSync(join(root, ".dev.vars.example"), "utf8");
  writeFileSync(devVars, example.replace(/^CHECKPOST_SECRET=.*$/m, `CHECKPOST_SECRET=${newCheckpostSecret()}`), {
    mode: 0o600,
  });
  console.log("created .dev.vars from .dev.vars.example (simulator credentials only, a new CHECKPOST_SECRET)");
} else if (!parseEnvFile(devVars).CHECKPOST_SECRET) {
  appendFileSync(
    devVars,
    `\n# Added by npm start: keys checkpost's own tokens.\nCHECKPOST_SECRET=${newCheckpostSecret()}\n`,
  );
  console.log("added a new CHECKPOST_SECRET to .dev.vars (PhonePe return legs and the status page need it)");
}

const CHECKPOST_PORT = Number(process.env.CHECKPOST_PORT ?? 8787);
const SIM_PORT = Number(process.env.SIM_PORT ?? 8788);
const vars = parseEnvFile(devVars);
const demoUrl = `http://localhost:${SIM_PORT}/demo/`;
const consoleUrl = `http://localhost:${CHECKPOST_PORT}/console/`;
mkdirSync(join(root, ".wrangler"), { recursive: true });
const simEnv = join(root, ".wrangler", "demo-merchant.env");
/**
 * `JUSPAY_AUTH_MODE=jose npm start`: Juspay in JOSE mode (juspay.md §8). Two throwaway RSA key pairs are generated
 * for this run only (the merchant's and the simulated Juspay's; never real keys, never written to .dev.vars):
 * checkpost gets its private key and Juspay's public key in `.wrangler/checkpost-jose.env` (a copy of .dev.vars plus
 * these), the simulator the other halves. PEMs travel with literal `\n`, which both sides accept.
 */
let checkpostEnv = devVars;
let joseVars = {};
if (process.env.JUSPAY_AUTH_MODE === "jose") {
  const pair = () =>
    generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
  const flat = (pem) => pem.trim().replace(/\n/g, "\\n");
  const merchant = pair();
  const juspay = pair();
  const keyId = `demo-${randomBytes(6).toString("hex")}`;
  checkpostEnv = join(root, ".wrangler", "checkpost-jose.env");
  writeEnvFile(checkpostEnv, {
    ...vars,
    JUSPAY_AUTH_MODE: "jose",
    JUSPAY_JWT_KEY_ID: keyId,
    JUSPAY_JWT_PRIVATE_KEY: flat(merchant.privateKey),
    JUSPAY_JWT_PUBLIC_KEY: flat(juspay.publicKey),
  });
  joseVars = {
    JUSPAY_JWT_KEY_ID: keyId,
    JUSPAY_JWT_PRIVATE_KEY: flat(juspay.privateKey),
    JUSPAY_MERCHANT_PUBLIC_KEY: flat(merchant.publicKey),
  };
  console.log("Juspay in JOSE mode: throwaway demo keys generated for this run (/v4 endpoints, no Authorization)");
}
writeEnvFile(simEnv, demoMerchantVars(vars, `http://127.0.0.1:${CHECKPOST_PORT}`, joseVars));
if (!vars.MERCHANT_RETURN_URL?.includes("/demo/return")) {
  console.log("note: MERCHANT_RETURN_URL in .dev.vars is not the demo's, so payments end on checkpost's status page");
}

console.log("starting checkpost and the gateway simulator…");
const stack = startStack({
  root,
  checkpost: { port: CHECKPOST_PORT, inspectorPort: 9229, envFile: checkpostEnv },
  sim: { port: SIM_PORT, inspectorPort: 9230, envFile: simEnv },
  persistDir: join(root, ".wrangler", "state"),
  onLine: (name, line) => process.stdout.write(`[${name}] ${line}\n`),
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => stack.stop());
stack.ready.then(
  () => {
    console.log(`\n  Open ${demoUrl}\n`);
    console.log(`  Operator console: ${consoleUrl} (sign in with a PROXY_API_KEYS entry from .dev.vars)\n`);
    console.log(`  (checkpost on :${CHECKPOST_PORT}, gateway simulator on :${SIM_PORT}; Ctrl+C stops both)\n`);
  },
  (error) => {
    console.error(`could not start: ${error.message}`);
    process.exitCode = 1;
  },
);
await stack.exited;
