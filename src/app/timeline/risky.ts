/**
 * Packages that give whoever runs code in a container more to work with (issue 15's "what it might
 * have done"): shells to script with, package managers to fetch more tools, compilers and build tools
 * to make them. Matched on the package name as catalogers report it (case-insensitive); a distro's
 * split packages (`gcc-12`, `python3-pip`) are matched by the patterns below.
 */
const RISKY: readonly { readonly kind: "shell" | "package-manager" | "compiler"; readonly names: RegExp }[] =
  [
    { kind: "shell", names: /^(bash|dash|sh|ash|zsh|ksh|mksh|tcsh|busybox|busybox-binsh)$/ },
    {
      kind: "package-manager",
      names: /^(apt|dpkg|apk-tools|apk|rpm|yum|dnf|microdnf|zypper|pip|python3?-pip|npm|yarn|pnpm|gem)$/,
    },
    {
      kind: "compiler",
      names:
        /^(gcc|gcc-\d+|g\+\+|g\+\+-\d+|cpp|clang|clang-\d+|llvm|golang|golang-go|go|rustc|cargo|make|cmake|binutils|build-essential|tcc|openjdk-\d+-jdk)$/,
    },
  ];

export interface RiskyPackage {
  readonly kind: "shell" | "package-manager" | "compiler";
  readonly name: string;
  readonly version?: string;
  readonly purl?: string;
}

/** At most this many: a fat image lists a few dozen at most, and the answer must stay small. */
const MAX_RISKY = 200;

/** The risky packages of a CycloneDX SBOM (JSON), by kind then name; an unreadable SBOM gives none. */
export function riskyPackages(sbom: Buffer | string): RiskyPackage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(sbom.toString());
  } catch {
    return [];
  }
  const components = (parsed as { components?: unknown } | null)?.components;
  if (!Array.isArray(components)) return [];
  const found = new Map<string, RiskyPackage>();
  for (const component of components) {
    if (typeof component !== "object" || component === null) continue;
    const { name, version, purl } = component as Record<string, unknown>;
    if (typeof name !== "string") continue;
    const match = RISKY.find((r) => r.names.test(name.toLowerCase()));
    if (!match) continue;
    const entry: RiskyPackage = {
      kind: match.kind,
      name: name.slice(0, 200),
      ...(typeof version === "string" ? { version: version.slice(0, 200) } : {}),
      ...(typeof purl === "string" ? { purl: purl.slice(0, 500) } : {}),
    };
    found.set(`${entry.kind}/${entry.name}/${entry.version ?? ""}`, entry);
  }
  return [...found.values()]
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
    .slice(0, MAX_RISKY);
}
