// Structured JSON logs, one object per line on stdout, with levels. Fields must never carry secret values:
// callers pass names, ids and reasons, not data.

export type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export const LEVELS = Object.keys(RANK) as Level[];

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line, e.g. { component: "keys" }. */
  with(fields: Fields): Logger;
}

export function createLogger(
  level: Level = "info",
  write: (line: string) => void = (line) => process.stdout.write(line + "\n"),
  base: Fields = {},
): Logger {
  const min = RANK[level];
  const emit = (lvl: Level, msg: string, fields?: Fields): void => {
    if (RANK[lvl] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }, errorsAsText));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    with: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}

// Errors serialise as their message only: stacks are noise in a log line and bodies of API errors can be large.
function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}
