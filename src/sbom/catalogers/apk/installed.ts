/**
 * The apk database, /lib/apk/db/installed (apk-tools, doc/apk-v2.5 "Installed database"; the same
 * single-letter keys as APKINDEX, https://wiki.alpinelinux.org/wiki/Apk_spec): one record per
 * package, records separated by blank lines, each line "<key>:<value>". File lines (F, R, a, M,
 * Z) follow the package fields; we skip them.
 */
export interface ApkEntry {
  name: string;
  version: string;
  arch?: string;
  /** o: the origin (source) package. */
  origin?: string;
  /** L: the licence as recorded (an SPDX expression on current Alpine, space-separated names on old). */
  license?: string;
  /** D: dependencies as recorded ("so:libc.musl-x86_64.so.1", "/bin/sh", "musl>=1.2"). */
  depends: string[];
  /** p: what this package provides ("cmd:ls=9.4-r0", "so:libz.so.1=1.3"). */
  provides: string[];
  /** c: the aports commit it was built from. */
  commit?: string;
  /** t: build time, seconds since the epoch. */
  buildTime?: string;
  maintainer?: string;
}

export interface ApkParseResult {
  entries: ApkEntry[];
  warnings: string[];
}

export function parseApkInstalled(text: string): ApkParseResult {
  const entries: ApkEntry[] = [];
  const warnings: string[] = [];
  let record = new Map<string, string>();
  let recordLine = 1;
  let malformed = 0;
  const finish = (): void => {
    if (record.size === 0 && malformed === 0) return;
    if (malformed > 0) warnings.push(`record at line ${recordLine}: ${malformed} unreadable line(s)`);
    const entry = toEntry(record);
    if (typeof entry === "string") {
      if (record.size > 0) warnings.push(`record at line ${recordLine}: ${entry}`);
    } else entries.push(entry);
  };
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === "") {
      finish();
      record = new Map();
      malformed = 0;
      recordLine = index + 2;
      continue;
    }
    if (line.length < 2 || line[1] !== ":") {
      malformed += 1;
      continue;
    }
    const key = line[0]!;
    // Package fields come once per record; file lines repeat, and only the first of each is kept.
    if (!record.has(key)) record.set(key, line.slice(2));
  }
  finish();
  return { entries, warnings };
}

function toEntry(record: ReadonlyMap<string, string>): ApkEntry | string {
  const name = record.get("P")?.trim();
  if (!name) return "no package name (P:)";
  const version = record.get("V")?.trim();
  if (!version) return `package ${name} has no version (V:)`;
  const entry: ApkEntry = {
    name,
    version,
    depends: words(record.get("D")),
    provides: words(record.get("p")),
  };
  const field = (key: string): string | undefined => record.get(key)?.trim() || undefined;
  const optional = {
    arch: field("A"),
    origin: field("o"),
    license: field("L"),
    commit: field("c"),
    buildTime: field("t"),
    maintainer: field("m"),
  };
  for (const [key, value] of Object.entries(optional) as Array<[keyof typeof optional, string | undefined]>) {
    if (value !== undefined) entry[key] = value;
  }
  return entry;
}

function words(value: string | undefined): string[] {
  return value ? value.split(/\s+/).filter(Boolean) : [];
}
