/** Vite's `?raw` imports: a file's text (the README, for test/http/error-catalogue.test.ts). */
declare module "*?raw" {
  const text: string;
  export default text;
}
