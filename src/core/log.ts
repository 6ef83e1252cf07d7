/**
 * Structured JSON logs, one object per line, written with the console method of their level (`console.error` for
 * errors…) so Workers Logs keeps the level. Callers pass named fields, never whole payloads; as a second line of
 * defence any field whose name looks like a secret is replaced by `[redacted]`, and long strings are cut.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const SECRET_NAME = /secret|password|passwd|token|authorization|api_?key|signature|credential|cookie|card|vpa|cvv/i;
const MAX_STRING = 200;

export function parseLogLevel(value: string | undefined): LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value ?? "") ? (value as LogLevel) : "info";
}

/** Whether a logger at `level` writes lines at `at`, to skip building fields nobody will see. */
export function logsAt(level: LogLevel, at: Exclude<LogLevel, "silent">): boolean {
  return RANK[at] >= RANK[level];
}

export function redactFields(fields: LogFields): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (SECRET_NAME.test(k)) out[k] = "[redacted]";
    else if (typeof v === "string" && v.length > MAX_STRING) out[k] = `${v.slice(0, MAX_STRING)}…`;
    else out[k] = v;
  }
  return out;
}

/** The console method of the level, looked up per line (tests replace them). */
const consoleSink = (line: string, lvl: Exclude<LogLevel, "silent">): void => console[lvl](line);

export function createLogger(
  level: LogLevel,
  base: LogFields = {},
  sink: (line: string, level: Exclude<LogLevel, "silent">) => void = consoleSink,
): Logger {
  const min = RANK[level];
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < min) return;
    sink(JSON.stringify({ level: lvl, msg, ...redactFields(base), ...redactFields(fields ?? {}) }), lvl);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}
