import pino, { type Logger } from "pino";

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
/** Fields every line carries that a person reading a terminal does not need. */
const HIDDEN = new Set(["level", "time", "pid", "hostname", "msg", "v"]);

/**
 * One pino JSON line as a person reads it: `12:04:05 INFO  message key=value ...`, an error's stack
 * indented below. Values that are not plain words are JSON-quoted, so a line stays one line.
 */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const time = typeof entry.time === "number" ? new Date(entry.time).toISOString().slice(11, 19) : "";
  const level = LEVELS[Number(entry.level)] ?? String(entry.level);
  const fields: string[] = [];
  let stack = "";
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    if (key === "err" && value !== null && typeof value === "object") {
      const err = value as { message?: unknown; stack?: unknown };
      fields.push(`err=${JSON.stringify(String(err.message ?? ""))}`);
      if (typeof err.stack === "string") stack = `\n    ${err.stack.split("\n").join("\n    ")}`;
      continue;
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    fields.push(`${key}=${/^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text)}`);
  }
  const tail = fields.length > 0 ? ` ${fields.join(" ")}` : "";
  return `${time} ${level} ${String(entry.msg ?? "")}${tail}${stack}\n`;
}

/** Whether `format` (log.format) means pretty lines on this process's standard output. */
export function wantsPretty(format: "auto" | "pretty" | "json"): boolean {
  return format === "pretty" || (format === "auto" && process.stdout.isTTY === true);
}

/** A pino logger at `level` writing JSON lines, or pretty ones (prettyLine) to standard output. */
export function cliLogger(level: string, format: "auto" | "pretty" | "json"): Logger {
  if (!wantsPretty(format)) return pino({ level });
  return pino({ level }, { write: (line: string) => void process.stdout.write(prettyLine(line)) });
}
