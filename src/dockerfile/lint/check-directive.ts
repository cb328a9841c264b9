/**
 * BuildKit's `# check=` parser directive (Dockerfile frontend 1.8+,
 * https://docs.docker.com/reference/dockerfile/#check): `skip=` names build checks to turn off
 * (comma-separated, case-sensitive PascalCase names, or `all`), `error=true` makes check violations
 * fail the build; options are separated by `;`: `# check=skip=JSONArgsRecommended,StageNameCasing;error=true`.
 *
 * We honour it as a file-wide suppression: a name matches a rule by its BuildKit equivalent, by our
 * own id (`PC121`) or by a hadolint id it maps (`DL3025`). `skip=all` skips what BuildKit would skip:
 * the rules with a BuildKit equivalent, not the hardening rules BuildKit has no check for (a file
 * under review must not be able to switch the whole review off). `error=true` raises the findings of
 * those same rules to `error`, as BuildKit fails the build on them.
 */
import type { Dockerfile } from "../ast.js";
import type { Rule } from "../rules/types.js";

export interface CheckDirective {
  readonly line: number;
  /** `skip=all`. */
  readonly skipAll: boolean;
  /** The names listed in `skip=`, as written. */
  readonly skip: readonly string[];
  /** `error=true`. */
  readonly error: boolean;
}

const TRUE = new Set(["true", "1", "yes", "on"]);

/** Parses a `check` directive's value; unknown options are ignored as BuildKit ignores them. */
export function parseCheckDirective(value: string, line = 1): CheckDirective {
  let skip: string[] = [];
  let skipAll = false;
  let error = false;
  for (const option of value.split(";")) {
    const eq = option.indexOf("=");
    if (eq === -1) continue;
    const key = option.slice(0, eq).trim().toLowerCase();
    const val = option.slice(eq + 1).trim();
    if (key === "skip") {
      skip = val
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      skipAll = skip.some((s) => s.toLowerCase() === "all");
    } else if (key === "error") {
      error = TRUE.has(val.toLowerCase());
    }
  }
  return { line, skipAll, skip, error };
}

/** The file's `# check=` directive, or undefined. */
export function checkDirectiveOf(dockerfile: Dockerfile): CheckDirective | undefined {
  const directive = dockerfile.directives.find((d) => d.name === "check");
  return directive === undefined ? undefined : parseCheckDirective(directive.value, directive.line);
}

function listed(value: string | undefined): string[] {
  return (value ?? "").split(/[\s,]+/).filter((s) => s !== "");
}

/** True when the rule has a BuildKit build-check equivalent. */
export function isBuildkitCheck(rule: Rule): boolean {
  return listed(rule.equivalents.buildkit).length > 0;
}

/**
 * The rules a directive skips, and the names in it that match none. BuildKit names are compared
 * exactly (BuildKit does); our ids and hadolint ids case-insensitively.
 */
export function skippedRules(
  directive: CheckDirective,
  rules: readonly Rule[],
): { rules: string[]; unknown: string[] } {
  const skipped = new Set<string>();
  const matched = new Set<string>();
  for (const rule of rules) {
    if (directive.skipAll && isBuildkitCheck(rule)) skipped.add(rule.id);
    const buildkit = listed(rule.equivalents.buildkit);
    const upper = [rule.id, ...listed(rule.equivalents.hadolint)].map((s) => s.toUpperCase());
    for (const name of directive.skip) {
      if (buildkit.includes(name) || upper.includes(name.toUpperCase())) {
        skipped.add(rule.id);
        matched.add(name);
      }
    }
  }
  const unknown = directive.skip.filter((s) => !matched.has(s) && s.toLowerCase() !== "all");
  return { rules: [...skipped], unknown };
}
