/**
 * os-release(5) parsing, per the freedesktop.org specification
 * (https://www.freedesktop.org/software/systemd/man/latest/os-release.html): newline-separated
 * KEY=value assignments in a shell-compatible subset. Lines starting with "#" are comments; values
 * may be unquoted or quoted with double or single quotes; inside double quotes (and unquoted) a
 * backslash escapes "$", '"', "\\", "`"; single quotes take everything literally. Lines that do
 * not parse are skipped, as the spec tells readers to do.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    const value = unquoteShellValue(line.slice(eq + 1));
    if (value !== undefined) fields.set(key, value);
  }
  return fields;
}

/** Reads one shell word (concatenated quoted and unquoted parts); undefined when a quote is left open. */
function unquoteShellValue(raw: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i]!;
    if (ch === '"') {
      const end = readDoubleQuoted(raw, i + 1);
      if (end === undefined) return undefined;
      out += end.text;
      i = end.next;
    } else if (ch === "'") {
      const close = raw.indexOf("'", i + 1);
      if (close < 0) return undefined;
      out += raw.slice(i + 1, close);
      i = close + 1;
    } else if (ch === "\\" && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else if (ch === "#" && (i === 0 || /\s/.test(raw[i - 1]!))) {
      break; // a trailing shell comment
    } else {
      out += ch;
      i += 1;
    }
  }
  // Unquoted spaces are not valid os-release, but some files have them: keep every word.
  return out.trimEnd();
}

const DOUBLE_QUOTE_ESCAPES = new Set(["$", '"', "\\", "`"]);

function readDoubleQuoted(raw: string, start: number): { text: string; next: number } | undefined {
  let text = "";
  let i = start;
  while (i < raw.length) {
    const ch = raw[i]!;
    if (ch === '"') return { text, next: i + 1 };
    if (ch === "\\" && i + 1 < raw.length && DOUBLE_QUOTE_ESCAPES.has(raw[i + 1]!)) {
      text += raw[i + 1];
      i += 2;
      continue;
    }
    text += ch;
    i += 1;
  }
  return undefined;
}
