/**
 * A Go binary built from a checkout reports its main module as "(devel)" (before Go 1.24, or with
 * -buildvcs=false). Like trivy (pkg/dependency/parser/golang/binary/parse.go, ParseLDFlags) and syft
 * (golang/parse_go_binary.go, getMainModuleVersion) we recover a version from the linker's
 * `-X importpath.name=value` flags, then from the VCS stamp as a pseudo-version (go.dev/ref/mod#pseudo-versions).
 */

export interface MainVersion {
  version: string;
  /** Where the version came from: "buildinfo", "ldflags", "vcs", or "devel" when none was found. */
  source: "buildinfo" | "ldflags" | "vcs" | "devel";
}

const DEVEL = "(devel)";
/** Variable names that hold a program's version by convention (case-insensitive). */
const VERSION_VARIABLES = new Set(["version", "ver", "gitversion", "buildversion", "releaseversion"]);
const VERSION_SHAPE = /^v?\d+(\.\d+)*([-+.~][0-9A-Za-z.+~-]*)?$/;

export function mainModuleVersion(
  modulePath: string,
  recorded: string,
  settings: ReadonlyMap<string, string>,
): MainVersion {
  if (recorded && recorded !== DEVEL) return { version: recorded, source: "buildinfo" };
  const fromFlags = versionFromLdflags(modulePath, settings.get("-ldflags") ?? "");
  if (fromFlags) return { version: fromFlags, source: "ldflags" };
  const pseudo = pseudoVersion(settings.get("vcs.revision"), settings.get("vcs.time"));
  if (pseudo) return { version: pseudo, source: "vcs" };
  return { version: DEVEL, source: "devel" };
}

/**
 * Candidates are `-X pkg.var=value` with a version-named variable and a version-shaped value.
 * Package main and the module's own cmd/ packages rank first, other packages of the module second,
 * foreign packages never (argo-cd's `common.kubectlVersion` is a dependency's version). Two different
 * values in the best rank are ambiguous, and ambiguity yields nothing.
 */
export function versionFromLdflags(modulePath: string, ldflags: string): string | undefined {
  const ranks: [Set<string>, Set<string>] = [new Set(), new Set()];
  for (const assignment of xFlags(splitArgs(ldflags))) {
    const eq = assignment.indexOf("=");
    if (eq < 0) continue;
    const symbol = assignment.slice(0, eq);
    const value = assignment.slice(eq + 1);
    const dot = symbol.lastIndexOf(".");
    const pkg = symbol.slice(0, dot);
    const variable = symbol.slice(dot + 1).toLowerCase();
    if (dot < 0 || !VERSION_VARIABLES.has(variable) || !VERSION_SHAPE.test(value)) continue;
    if (pkg === "main" || pkg.startsWith(`${modulePath}/cmd/`)) ranks[0].add(value);
    else if (pkg === modulePath || pkg.startsWith(`${modulePath}/`)) ranks[1].add(value);
  }
  for (const rank of ranks) {
    if (rank.size === 1) return [...rank][0];
    if (rank.size > 1) return undefined;
  }
  return undefined;
}

/** The values of every -X flag, in the three spellings the go tool accepts. */
function xFlags(args: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if ((arg === "-X" || arg === "--X") && args[i + 1] !== undefined) values.push(args[++i]!);
    else if (arg.startsWith("-X=")) values.push(arg.slice(3));
    else if (arg.startsWith("--X=")) values.push(arg.slice(4));
  }
  return values;
}

/** Splits a flag string as cmd/go's quoted.Split does: spaces separate, single or double quotes group. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = "";
  let quote: string | undefined;
  let inArg = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = "";
      inArg = false;
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (inArg) args.push(current);
  return args;
}

/** v0.0.0-yyyymmddhhmmss-abcdefabcdef from vcs.revision and vcs.time (RFC 3339, UTC). */
function pseudoVersion(revision: string | undefined, time: string | undefined): string | undefined {
  if (!revision || !time || revision.length < 12) return undefined;
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return undefined;
  const stamp = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `v0.0.0-${stamp}-${revision.slice(0, 12)}`;
}
