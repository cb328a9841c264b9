import { inflateBounded } from "../../../core/index.js";
import { parseExecutable, rangeBytes } from "../go/executable.js";

/**
 * cargo-auditable (github.com/rust-secure-code/cargo-auditable, PARSING.md) embeds the dependency
 * tree of a Rust program as zlib-compressed JSON in a section named ".dep-v0": an ELF or PE section,
 * or a Mach-O section of that name in the __DATA segment.
 */

/** auditable-info's default limit on the decompressed JSON. */
export const MAX_AUDIT_JSON = 8 * 1024 * 1024;

export type AuditableResult =
  | { kind: "none" }
  | { kind: "found"; json: string }
  | { kind: "bad"; reason: string };

export function readAuditableData(bytes: Uint8Array): AuditableResult {
  const exe = parseExecutable(bytes);
  if (!exe) return { kind: "none" };
  const section = exe.sections.find((s) => s.name === ".dep-v0");
  if (!section) return { kind: "none" };
  const data = rangeBytes(bytes, section);
  if (!data) return { kind: "bad", reason: "section .dep-v0 holds no data" };
  const inflated = inflateBounded(data, "zlib", MAX_AUDIT_JSON);
  if (!inflated.ok) return { kind: "bad", reason: `section .dep-v0: ${inflated.reason}` };
  return { kind: "found", json: Buffer.from(inflated.bytes).toString("utf8") };
}

export interface AuditablePackage {
  name: string;
  version: string;
  source: string;
  kind: "runtime" | "build";
  dependencies: number[];
  root: boolean;
}

/**
 * Validates the JSON's shape (cargo-auditable's `VersionInfo`): every package needs a string name and
 * version; dependency indices outside the list are dropped. Returns the reason when it is unusable.
 */
export function parseAuditableJson(json: string): AuditablePackage[] | string {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    return "dependency data is not JSON";
  }
  const list = (document as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(list)) return 'dependency data has no "packages" list';
  const packages: AuditablePackage[] = [];
  for (const entry of list as unknown[]) {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e.name !== "string" || typeof e.version !== "string")
      return "a package has no name or version";
    const deps = Array.isArray(e.dependencies) ? e.dependencies : [];
    packages.push({
      name: e.name,
      version: e.version,
      source: typeof e.source === "string" ? e.source : "registry",
      kind: e.kind === "build" ? "build" : "runtime",
      dependencies: deps.filter((d): d is number => Number.isInteger(d) && d >= 0 && d < list.length),
      root: e.root === true,
    });
  }
  return packages;
}
