import { matchGlob } from "../../core/index.js";
import { checkApprovedBase, parseImageReference } from "../../oci/index.js";
import type { VersionScheme } from "../versioning/scheme.js";
import type { Standards, StandardsPackage, StandardsSubject, Violation } from "./types.js";

/** Finds the version scheme for a purl package type; undefined when the ecosystem has none. */
export type SchemeLookup = (packageType: string) => VersionScheme | undefined;

function nameMatcher(pattern: string): (name: string) => boolean {
  const lower = pattern.toLowerCase();
  if (!/[*?]/.test(lower)) return (name) => name.toLowerCase() === lower;
  // Linear-time glob matching: a package name is whatever the scanned image says it is.
  return (name) => matchGlob(lower, name.toLowerCase());
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
  for (const rule of standards.forbiddenPackages) {
    const matches = nameMatcher(rule.name);
    for (const pkg of subject.packages) {
      if (rule.type !== undefined && pkg.type !== rule.type) continue;
      if (!matches(pkg.name)) continue;
      violations.push({
        rule: "forbidden-package",
        severity: rule.severity,
        message: `forbidden package ${pkg.name} ${pkg.version}${where(pkg)}`,
        ...(rule.reason ? { reason: rule.reason } : {}),
        package: pkg,
      });
    }
  }
  for (const rule of standards.minimumVersions) {
    const matches = nameMatcher(rule.name);
    for (const pkg of subject.packages) {
      if (rule.type !== undefined && pkg.type !== rule.type) continue;
      if (!matches(pkg.name)) continue;
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
  }
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
