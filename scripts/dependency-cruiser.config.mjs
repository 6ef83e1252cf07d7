// Layer rules (issue #13, item 4), checked by `npm run lint:layers` (dependency-cruiser) on src/ and sim/.
// Paths in the rules are relative to the cruise's base directory: the repository root, or the fixture tree in
// scripts/lint-fixtures/ when scripts/lint-rules.mjs proves that each rule fires.
//
// dependency-cruiser rather than eslint-plugin-import-x: import-x's no-cycle always skips `import type` edges,
// while a cycle of types is still a cycle between layers; with tsPreCompilationDeps dependency-cruiser sees them.

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "core-imports-only-core",
      comment: "src/core/ is the pure core: it imports nothing but src/core/ (no other layer, no package, no builtin).",
      severity: "error",
      from: { path: "^src/core/" },
      to: { pathNot: "^src/core/" },
    },
    {
      name: "gateways-not-to-http-storage-delivery",
      comment:
        "Gateways sit below the HTTP, storage and delivery layers and never import them " +
        "(src/gateways/http.ts, the gateways' own outbound HTTP helper, is not src/http/).",
      severity: "error",
      from: { path: "^src/gateways/" },
      to: { path: "^src/(http|storage|delivery)/" },
    },
    {
      name: "sim-not-to-src",
      comment: "The simulator stands in for the gateways: it never imports the Worker's code.",
      severity: "error",
      from: { path: "^sim/" },
      to: { path: "^src/" },
    },
    {
      name: "src-not-to-sim",
      comment: "The Worker never imports the simulator.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^sim/" },
    },
    {
      name: "no-cycle-in-src",
      comment: "No import cycle in src/, type-only imports included (tsPreCompilationDeps).",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment:
        "Every import of src/ and sim/ resolves, so that the path rules above see where it goes " +
        "(cloudflare:* modules are provided by the Workers runtime).",
      severity: "error",
      from: { path: "^(src|sim)/" },
      to: { couldNotResolve: true, pathNot: "^cloudflare:" },
    },
  ],
  options: {
    // Keep `import type` and type-only `import { type X }` edges: a cycle through types is a cycle.
    tsPreCompilationDeps: true,
    doNotFollow: { path: "(^|/)node_modules/" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
