export type AppRouter = { routes: string[] };
