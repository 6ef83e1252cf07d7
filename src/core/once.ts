/**
 * A value made on first use, then kept. The zod schemas are built this way: constructing them all at the top level
 * cost most of the Worker's start-up CPU (product.md §6 cold start; docs/performance.md), though a request needs
 * only its own route's. Never for values that may be `undefined` or `null`.
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
