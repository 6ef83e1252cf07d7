// Proves that the layer and size rules fire (issue #13, item 4): run by `npm run lint`, before the rules are checked
// on the real tree. A rule that is misconfigured, renamed or dropped would pass a clean tree silently; here it fails.
//
// - The import rules (scripts/dependency-cruiser.config.mjs) are cruised, through dependency-cruiser's API with the
//   very same config, over scripts/lint-fixtures/: a small tree laid out like the real one (src/core/, src/gateways/,
//   src/http/, …, sim/src/) whose files break each rule once, plus files that must stay allowed (src/gateways/http.ts).
//   The run must report exactly the expected violations: none missing, none extra.
// - max-lines is linted through ESLint's Node API with the repository's eslint.config.mjs (type-checked rules and all)
//   on generated text given the path of a fixture file (the project service only types files that exist and that
//   scripts/lint-fixtures/tsconfig.json includes; it types the text given, not the file's content).
//   With `overrideConfigFile` ESLint matches the config's `files` globs against `cwd`, the fixture root, so the
//   fixtures' src/… are matched as src/…, while `eslint .` at the root ignores scripts/ altogether.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import { ESLint } from "eslint";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = path.join(ROOT, "scripts", "lint-fixtures");
const DEPCRUISE_CONFIG = path.join(ROOT, "scripts", "dependency-cruiser.config.mjs");
const ESLINT_CONFIG = path.join(ROOT, "eslint.config.mjs");

let passed = 0;
let failed = 0;
function check(ok, what, detail = "") {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${!ok && detail ? `\n     ${detail}` : ""}`);
}

// ---- Import layers and cycles (dependency-cruiser) ----

/** Each broken fixture import, and the rule that must report it. `to: null`: a cycle, reported from `from`. */
const EXPECTED_IMPORTS = [
  { rule: "core-imports-only-core", from: "src/core/imports-http.ts", to: "src/http/api.ts" },
  { rule: "core-imports-only-core", from: "src/core/imports-package.ts", to: /(^|\/)node_modules\/zod\// },
  { rule: "gateways-not-to-http-storage-delivery", from: "src/gateways/types.ts", to: "src/http/context.ts" },
  {
    rule: "gateways-not-to-http-storage-delivery",
    from: "src/gateways/juspay/routes.ts",
    to: "src/storage/order-object.ts",
  },
  { rule: "gateways-not-to-http-storage-delivery", from: "src/gateways/juspay/routes.ts", to: "src/delivery/send.ts" },
  { rule: "sim-not-to-src", from: "sim/src/index.ts", to: "src/core/money.ts" },
  { rule: "src-not-to-sim", from: "src/index.ts", to: "sim/src/index.ts" },
  { rule: "no-cycle-in-src", from: /^src\/storage\/cycle-[ab]\.ts$/, to: null },
  { rule: "no-unresolvable", from: "src/http/unresolvable.ts", to: "./does-not-exist" },
];
const matches = (pattern, value) => (pattern instanceof RegExp ? pattern.test(value) : pattern === value);

const options = await extractDepcruiseOptions(DEPCRUISE_CONFIG);
const { output } = await cruise(["src", "sim"], { ...options, baseDir: FIXTURES, outputType: "json" });
const result = JSON.parse(typeof output === "string" ? output : JSON.stringify(output));
const violations = result.summary.violations;
const explain = (v) => `${v.rule.name}: ${v.from} → ${v.to}`;

for (const want of EXPECTED_IMPORTS) {
  const hit = violations.find(
    (v) => v.rule.name === want.rule && matches(want.from, v.from) && (want.to === null || matches(want.to, v.to)),
  );
  check(hit !== undefined, `${want.rule} fires on ${want.from} → ${want.to ?? "(cycle)"}`, "not reported");
}
const unexpected = violations.filter(
  (v) =>
    !EXPECTED_IMPORTS.some(
      (want) => v.rule.name === want.rule && matches(want.from, v.from) && (want.to === null || matches(want.to, v.to)),
    ),
);
check(
  unexpected.length === 0,
  "no other import is reported (src/gateways/http.ts, gateway → core and gateway → gateway imports stay allowed)",
  unexpected.map(explain).join("\n     "),
);
// The cycle fixture is made of type-only imports (`import type` one way, `import { type … }` the other): the cycle
// rule must see those edges, which is why the rules are dependency-cruiser's and not eslint-plugin-import-x's.
const cycleEdges = result.modules
  .filter((m) => /^src\/storage\/cycle-[ab]\.ts$/.test(m.source))
  .flatMap((m) => m.dependencies);
check(
  cycleEdges.length === 2 && cycleEdges.every((d) => d.dependencyTypes.includes("type-only")),
  "the cycle fixture is type-only (both edges are `type-only`), so the cycle rule counts type-only imports",
  JSON.stringify(cycleEdges.map((d) => [d.module, d.dependencyTypes])),
);
check(result.summary.error === violations.length, "every import violation is an error (fails npm run lint:layers)");
const untested = options.ruleSet.forbidden
  .map((r) => r.name)
  .filter((n) => !EXPECTED_IMPORTS.some((w) => w.rule === n));
check(untested.length === 0, "every rule of the config has a fixture here", `no fixture for: ${untested.join(", ")}`);

// ---- max-lines (ESLint, the repository's config) ----

const eslint = new ESLint({ cwd: FIXTURES, overrideConfigFile: ESLINT_CONFIG });
/** `lines` lines, each ending in "\n" (what `wc -l` counts), `blank` of them blank or comments. */
function source(lines, { blank = 0 } = {}) {
  const code = Array.from({ length: lines - blank }, (_, i) => `export const line${i} = ${i};`);
  const filler = Array.from({ length: blank }, (_, i) => (i % 2 === 0 ? "" : `// comment ${i}`));
  return `${[...code, ...filler].join("\n")}\n`;
}
async function maxLinesFires(relativePath, text) {
  const [res] = await eslint.lintText(text, { filePath: path.join(FIXTURES, relativePath) });
  const fatal = res.messages.filter((m) => m.fatal || m.ruleId === null);
  if (fatal.length > 0) throw new Error(`${relativePath}: ${fatal.map((m) => m.message).join("; ")}`);
  return res.messages.some((m) => m.ruleId === "max-lines");
}
check(await maxLinesFires("src/storage/order-object.ts", source(401)), "max-lines fires on a 401-line file in src/");
check(
  await maxLinesFires("src/core/money.ts", source(401, { blank: 300 })),
  "max-lines counts blank and comment lines (401 lines, 300 of them blank or comments)",
);
check(!(await maxLinesFires("src/delivery/send.ts", source(400))), "max-lines allows a 400-line file in src/");
check(!(await maxLinesFires("sim/src/index.ts", source(600))), "max-lines applies to src/ only (not sim/)");
const [typed] = await eslint.lintText("Promise.resolve(1);\n", { filePath: path.join(FIXTURES, "src/core/units.ts") });
check(
  typed.messages.some((m) => m.ruleId === "@typescript-eslint/no-floating-promises"),
  "the fixture lint runs the full, type-checked config (no-floating-promises fires)",
  JSON.stringify(typed.messages.map((m) => m.ruleId ?? m.message)),
);

// ---- The fixtures stay out of the real runs ----

const rootEslint = new ESLint({ cwd: ROOT });
check(
  await rootEslint.isPathIgnored(path.join(FIXTURES, "src/core/imports-http.ts")),
  "`eslint .` ignores the fixtures (scripts/ is ignored); `depcruise src sim` never reaches them",
);

console.log(`lint-rules: ${passed} passed, ${failed} failed`);
if (failed > 0) process.exitCode = 1;
