import { matchGlob } from "../../core/index.js";
import { checkApprovedBase, parseImageReference } from "../../oci/index.js";
import type { VersionScheme } from "../versioning/scheme.js";
import type { Standards, StandardsPackage, StandardsSubject, Violation } from "./types.js";

/** Finds the version scheme for a purl package type; undefined when the ecosystem has none. */
export type SchemeLookup = (packageType: string) => VersionScheme | undefined;

const GLOB = /[*?]/;

/**
 * For each rule, the packages it names, in package order. Names compare case-insensitively. Rules for a
 * literal name (nearly all of them) sit in a Map by that name, so each package looks up its own name
 * once; only glob rules (`gcc*`) are tried against every package, by a linear-time matcher, since a
 * package name is whatever the scanned image says it is. Comparing every rule with every package made
 * a standards file of thousands of names against an image of thousands of packages take minutes.
 */
function matchesByRule(
  rules: readonly { readonly name: string; readonly type?: string | undefined }[],
  packages: readonly StandardsPackage[],
): StandardsPackage[][] {
  const matched = rules.map((): StandardsPackage[] => []);
  const literal = new Map<string, number[]>();
  const globs: { rule: number; pattern: string }[] = [];
  rules.forEach((rule, i) => {
    const name = rule.name.toLowerCase();
    const same = literal.get(name);
    if (GLOB.test(name)) globs.push({ rule: i, pattern: name });
    else if (same) same.push(i);
    else literal.set(name, [i]);
  });
  const applies = (rule: number, pkg: StandardsPackage) =>
    rules[rule]!.type === undefined || rules[rule]!.type === pkg.type;
  for (const pkg of packages) {
    const name = pkg.name.toLowerCase();
    for (const rule of literal.get(name) ?? []) if (applies(rule, pkg)) matched[rule]!.push(pkg);
    for (const { rule, pattern } of globs) {
      if (applies(rule, pkg) && matchGlob(pattern, name)) matched[rule]!.push(pkg);
    }
  }
  return matched;
}

function where(pkg: StandardsPackage): string {
  const path = pkg.locations[0]?.path;
  return path ? ` (${path})` : "";
}

/**
 * Checks an image's packages and recorded base against the organisation's standards. Pure: the caller
 * supplies the packages (from an SBOM) and how to compare versions of each ecosystem.
 */
export function checkStandards(
  standards: Standards,
  subject: StandardsSubject,
  schemeFor: SchemeLookup,
): Violation[] {
  const violations: Violation[] = [];
  const forbidden = matchesByRule(standards.forbiddenPackages, subject.packages);
  standards.forbiddenPackages.forEach((rule, i) => {
    for (const pkg of forbidden[i]!) {
      violations.push({
        rule: "forbidden-package",
        severity: rule.severity,
        message: `forbidden package ${pkg.name} ${pkg.version}${where(pkg)}`,
        ...(rule.reason ? { reason: rule.reason } : {}),
        package: pkg,
      });
    }
  });
  const minimum = matchesByRule(standards.minimumVersions, subject.packages);
  standards.minimumVersions.forEach((rule, i) => {
    for (const pkg of minimum[i]!) {
      const scheme = schemeFor(pkg.type);
      let below: boolean | undefined;
      if (scheme?.isValid(pkg.version) && scheme.isValid(rule.version)) {
        below = scheme.compare(pkg.version, rule.version) < 0;
      }
      if (below === false) continue;
      violations.push({
        rule: "minimum-version",
        severity: rule.severity,
        message:
          below === undefined
            ? `${pkg.name} ${pkg.version}${where(pkg)} cannot be compared with the minimum ${rule.version}`
            : `${pkg.name} ${pkg.version}${where(pkg)} is older than the minimum ${rule.version}`,
        ...(rule.reason ? { reason: rule.reason } : {}),
        package: pkg,
      });
    }
  });
  const baseViolation = checkBase(standards, subject);
  if (baseViolation) violations.push(baseViolation);
  return violations;
}

function checkBase(standards: Standards, subject: StandardsSubject): Violation | undefined {
  if (standards.approvedBaseImages.length === 0) return undefined;
  const base = subject.base;
  if (base?.name === undefined) {
    if (!standards.requireKnownBase) return undefined;
    return {
      rule: "approved-base",
      severity: "high",
      message:
        "the base image cannot be determined (the image records no org.opencontainers.image.base.name annotation or label)",
    };
  }
  let shown = base.name;
  let ref: ReturnType<typeof parseImageReference>;
  try {
    ref = parseImageReference(base.name);
    if (base.digest !== undefined && ref.digest === undefined) {
      ref = { ...ref, digest: base.digest };
      shown = `${base.name}@${base.digest}`;
    }
  } catch {
    return {
      rule: "approved-base",
      severity: "high",
      message: `base image "${base.name}" is not a valid reference`,
    };
  }
  const verdict = checkApprovedBase(ref, standards.approvedBaseImages, shown);
  return verdict.approved ? undefined : { rule: "approved-base", severity: "high", message: verdict.message };
}
