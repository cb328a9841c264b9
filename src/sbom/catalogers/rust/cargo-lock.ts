/**
 * Reads Cargo.lock (doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html; the format is TOML,
 * toml.io/en/v1.0.0, written by cargo's `resolve` encoder). Cargo writes a small, regular subset:
 * a top-level `version = N`, `[[package]]` tables of string keys and string arrays (possibly over
 * several lines), and in format v1 a `[metadata]` table of checksums. This parser reads exactly that
 * subset and ignores anything else, so it is not a general TOML parser.
 */

export interface LockPackage {
  name: string;
  version: string;
  source?: string;
  checksum?: string;
  /** "name", "name version" or "name version (source)", as cargo writes them. */
  dependencies: string[];
}

type Value = string | number | boolean | string[];

export function parseCargoLock(text: string): { packages: LockPackage[]; problems: string[] } {
  const packages: LockPackage[] = [];
  const problems: string[] = [];
  let current: Record<string, Value> | undefined;
  const flush = () => {
    if (!current) return;
    const { name, version, source, checksum, dependencies } = current;
    if (typeof name === "string" && typeof version === "string") {
      packages.push({
        name,
        version,
        ...(typeof source === "string" ? { source } : {}),
        ...(typeof checksum === "string" ? { checksum } : {}),
        dependencies: Array.isArray(dependencies) ? dependencies : [],
      });
    } else {
      problems.push("a [[package]] entry has no name or version");
    }
    current = undefined;
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]!).trim();
    if (line === "") continue;
    if (line.startsWith("[")) {
      flush();
      if (line === "[[package]]") current = {};
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = unquoteKey(line.slice(0, eq).trim());
    let raw = line.slice(eq + 1).trim();
    // A multi-line array continues until its closing bracket.
    while (raw.startsWith("[") && !arrayClosed(raw) && i + 1 < lines.length)
      raw += ` ${stripComment(lines[++i]!).trim()}`;
    const value = parseValue(raw);
    if (value === undefined) problems.push(`line ${i + 1}: cannot read the value of "${key}"`);
    else if (current) current[key] = value;
  }
  flush();
  return { packages, problems };
}

/** The name part of a dependency reference. */
export function dependencyName(reference: string): string {
  return reference.split(" ")[0] ?? reference;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#") return line.slice(0, i);
  }
  return line;
}

function arrayClosed(raw: string): boolean {
  return stripComment(raw).trimEnd().endsWith("]");
}

function unquoteKey(key: string): string {
  return key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key;
}

function parseValue(raw: string): Value | undefined {
  if (raw.startsWith('"') || raw.startsWith("'")) return parseString(raw)?.value;
  if (raw === "true" || raw === "false") return raw === "true";
  if (/^[+-]?\d+$/.test(raw)) return Number(raw);
  if (!raw.startsWith("[")) return undefined;
  const items: string[] = [];
  let rest = raw.slice(1).trim();
  for (;;) {
    if (rest.startsWith("]")) return items;
    const item = parseString(rest);
    if (!item) return undefined;
    items.push(item.value);
    rest = item.rest.trim();
    if (rest.startsWith(",")) rest = rest.slice(1).trim();
    else if (!rest.startsWith("]")) return undefined;
  }
}

/** A TOML basic ("...", with JSON-compatible escapes) or literal ('...') string at the start of `raw`. */
function parseString(raw: string): { value: string; rest: string } | undefined {
  const quote = raw[0];
  if (quote === "'") {
    const end = raw.indexOf("'", 1);
    return end < 0 ? undefined : { value: raw.slice(1, end), rest: raw.slice(end + 1) };
  }
  if (quote !== '"') return undefined;
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (raw[i] === '"') {
      try {
        return { value: JSON.parse(raw.slice(0, i + 1)) as string, rest: raw.slice(i + 1) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
