import { PackageURL } from "packageurl-js";
import type { Finding, VexAnnotation } from "../model.js";
import type { OpenVexComponent, OpenVexDocument, OpenVexProduct, OpenVexStatement } from "./schema.js";

/**
 * Applies OpenVEX statements to findings. A statement applies to a finding when its vulnerability
 * (name, @id or aliases) is the finding's id or one of its aliases, and one of its products is
 * the finding's package (by purl) or the scanned image (by digest) with, when subcomponents are
 * listed, the package among them. Statements are applied oldest first, so the latest one about a
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
      document.statements.map((statement, order) => ({
        statement,
        document,
        time: Date.parse(statement.timestamp ?? document.timestamp ?? "") || 0,
        order,
      })),
    )
    .sort((a, b) => a.time - b.time);
  const digest = imageDigest ? digestOf(imageDigest) : undefined;
  return findings.map((finding) => {
    let annotation: VexAnnotation | undefined;
    for (const { statement, document } of statements) {
      if (!namesVulnerability(statement, finding) || !coversPackage(statement, finding, digest)) continue;
      annotation = {
        status: statement.status,
        ...(statement.justification ? { justification: statement.justification } : {}),
        ...(statement.impact_statement ? { impactStatement: statement.impact_statement } : {}),
        ...(document["@id"] ? { document: document["@id"] } : {}),
      };
    }
    if (!annotation) return finding;
    return {
      ...finding,
      vex: annotation,
      suppressed: annotation.status === "not_affected" || annotation.status === "fixed",
    };
  });
}

function namesVulnerability(statement: OpenVexStatement, finding: Finding): boolean {
  const v = statement.vulnerability;
  const names = typeof v === "string" ? [v] : [v.name, v["@id"], ...(v.aliases ?? [])];
  const ids = new Set([finding.id, ...finding.aliases]);
  return names.some((name) => name !== undefined && ids.has(name));
}

function coversPackage(statement: OpenVexStatement, finding: Finding, digest: string | undefined): boolean {
  return statement.products.some((product) => {
    const ids = idsOf(product);
    if (ids.some((id) => purlMatches(id, finding.package.purl))) return true;
    if (!digest || !ids.some((id) => digestOf(id) === digest)) return false;
    const subcomponents = [
      ...(typeof product === "string" ? [] : (product.subcomponents ?? [])),
      ...(statement.subcomponents ?? []),
    ];
    return (
      subcomponents.length === 0 ||
      subcomponents.some((c) => idsOf(c).some((id) => purlMatches(id, finding.package.purl)))
    );
  });
}

function idsOf(item: OpenVexProduct | OpenVexComponent): string[] {
  if (typeof item === "string") return [item];
  return [item["@id"], item.identifiers?.purl].filter((id): id is string => id !== undefined);
}

/** "sha256:<hex>", "pkg:oci/name@sha256%3A<hex>" or "registry/repo@sha256:<hex>" → "sha256:<hex>". */
function digestOf(id: string): string | undefined {
  const match = /sha256(?::|%3A)([0-9a-f]{64})/i.exec(id);
  return match ? `sha256:${match[1]!.toLowerCase()}` : undefined;
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
