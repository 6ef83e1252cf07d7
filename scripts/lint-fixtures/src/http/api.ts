export type ApiOperation = { path: string };
