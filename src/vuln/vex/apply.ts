import { PackageURL } from "packageurl-js";
import type { Finding, VexAnnotation } from "../model.js";
import type { OpenVexDocument } from "./schema.js";
import { digestOf, StatementIndex } from "./statement-index.js";

/**
 * Applies OpenVEX statements to findings. A statement applies to a finding when its vulnerability
 * (name, @id or aliases) is the finding's id or one of its aliases, and one of its products is
 * the finding's package (by purl) or the scanned image (by digest) with, when subcomponents are
 * listed, the package among them. Statements are ranked oldest first, so the latest one about a
 * (vulnerability, product) wins, as the OpenVEX spec asks. `not_affected` and `fixed` suppress the
 * finding; `affected` and `under_investigation` only annotate it. Findings are copied, not changed.
 */
export function applyVex(
  findings: readonly Finding[],
  documents: readonly OpenVexDocument[],
  imageDigest?: string,
): Finding[] {
  const statements = documents
    .flatMap((document) =>
      document.statements.map((statement) => ({
        statement,
        document,
        time: Date.parse(statement.timestamp ?? document.timestamp ?? "") || 0,
      })),
    )
    .sort((a, b) => a.time - b.time)
    .map(({ statement, document }, order) => ({ statement, document, order }));
  const index = new StatementIndex(statements, imageDigest ? digestOf(imageDigest) : undefined);
  return findings.map((finding) => {
    const latest = index.latestFor(finding);
    if (!latest) return finding;
    const { statement, document } = latest;
    const annotation: VexAnnotation = {
      status: statement.status,
      ...(statement.justification ? { justification: statement.justification } : {}),
      ...(statement.impact_statement ? { impactStatement: statement.impact_statement } : {}),
      ...(document["@id"] ? { document: document["@id"] } : {}),
    };
    return {
      ...finding,
      vex: annotation,
      suppressed: annotation.status === "not_affected" || annotation.status === "fixed",
    };
  });
}

/**
 * A VEX purl names a package when type, namespace and name agree, its version (if any) is the
 * package's, and its qualifiers (if any) are among the package's: "pkg:deb/debian/bash" covers
 * every bash, "pkg:deb/debian/bash@5.2.15-2?arch=amd64" only that build.
 */
export function purlMatches(vexPurl: string, packagePurl: string): boolean {
  if (!vexPurl.startsWith("pkg:")) return false;
  if (vexPurl === packagePurl) return true;
  let vex: PackageURL;
  let pkg: PackageURL;
  try {
    vex = PackageURL.fromString(vexPurl);
    pkg = PackageURL.fromString(packagePurl);
  } catch {
    return false;
  }
  if (vex.type !== pkg.type || vex.name !== pkg.name || (vex.namespace ?? "") !== (pkg.namespace ?? ""))
    return false;
  if (vex.version && vex.version !== pkg.version) return false;
  for (const [key, value] of Object.entries(vex.qualifiers ?? {})) {
    if (pkg.qualifiers?.[key] !== value) return false;
  }
  return true;
}
