import { parseControlParagraphs } from "./control.js";

/** One installed binary package as dpkg records it. */
export interface DpkgEntry {
  name: string;
  version: string;
  arch?: string;
  sourceName: string;
  sourceVersion: string;
  /** Names from Depends and Pre-Depends, every alternative included, without versions or arch. */
  dependsOn: string[];
  maintainer?: string;
}

export interface DpkgParseResult {
  entries: DpkgEntry[];
  warnings: string[];
}

/**
 * Reads /var/lib/dpkg/status or one distroless /var/lib/dpkg/status.d/<pkg> file. Only installed
 * packages count: dpkg's Status is "<want> <flag> <status>" (dpkg-query(1)), and the package's
 * files are on disk only when <status> is "installed" (a "hold ok installed" package is too).
 * status.d files carry no Status: distroless writes only what is installed.
 */
export function parseDpkgStatus(text: string): DpkgParseResult {
  const entries: DpkgEntry[] = [];
  const warnings: string[] = [];
  for (const paragraph of parseControlParagraphs(text)) {
    const { fields, line } = paragraph;
    if (paragraph.malformedLines.length > 0) {
      warnings.push(
        `paragraph at line ${line}: unreadable lines ${paragraph.malformedLines.slice(0, 5).join(", ")}`,
      );
    }
    const name = fields.get("package");
    if (!name) {
      warnings.push(`paragraph at line ${line} has no Package field`);
      continue;
    }
    const status = fields.get("status");
    if (status !== undefined && status.split(/\s+/)[2] !== "installed") continue;
    const version = fields.get("version");
    if (!version) {
      warnings.push(`package ${name} (line ${line}) has no Version field`);
      continue;
    }
    const source = parseSourceField(fields.get("source"));
    const entry: DpkgEntry = {
      name,
      version,
      sourceName: source?.name ?? name,
      sourceVersion: source?.version ?? version,
      dependsOn: relationshipNames([fields.get("pre-depends"), fields.get("depends")]),
    };
    const arch = fields.get("architecture");
    if (arch) entry.arch = arch;
    const maintainer = fields.get("maintainer");
    if (maintainer) entry.maintainer = maintainer;
    entries.push(entry);
  }
  return { entries, warnings };
}

/** "Source: pam (1.1.8-3.6)" names the source package and, when it differs, its version (Policy §5.6.1). */
export function parseSourceField(value: string | undefined): { name: string; version?: string } | undefined {
  const match = value === undefined ? null : /^(\S+)(?:\s*\(([^)]+)\))?/.exec(value.trim());
  if (!match) return undefined;
  const version = match[2]?.trim();
  return version ? { name: match[1]!, version } : { name: match[1]! };
}

/**
 * Package names in relationship fields (Policy §7.1): "a (>= 1) | b, c:any [amd64] <!nocheck>".
 * Every alternative is kept: which one satisfies the dependency is not recorded in the status file.
 */
export function relationshipNames(values: ReadonlyArray<string | undefined>): string[] {
  const names = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    for (const alternative of value.split(/[,|]/)) {
      const name = /^\s*([a-z0-9][a-z0-9+.-]*)/i.exec(alternative.replace(/\s+/g, " "))?.[1];
      if (name) names.add(name);
    }
  }
  return [...names];
}
