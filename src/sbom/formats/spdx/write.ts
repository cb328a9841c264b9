import { randomUUID } from "node:crypto";
import { spdxLicenseList } from "../../../core/index.js";
import type { Package } from "../../model.js";
import { distroFacts } from "../distro-facts.js";
import type { SbomDocument, SbomSubject } from "../document.js";
import { resolveDependencies, sortPackages } from "../graph.js";
import { packageFacts } from "../package-facts.js";
import type { NameValue } from "../properties.js";
import { subjectPurl } from "../purl.js";
import { incompleteFacts, subjectFacts } from "../subject-facts.js";
import { IdAllocator } from "./ids.js";
import { declaredLicense, LicenseRefs } from "./licenses.js";

/**
 * SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3/). The document DESCRIBES the image (or directory,
 * archive) package, which CONTAINS the operating-system package and every package; `dependsOn`
 * becomes DEPENDS_ON. SPDX has no generic key/value field, so the facts CycloneDX keeps in
 * properties (properties.ts) go into annotations of type OTHER whose comment is "name=value".
 * `primaryPackagePurpose` uses the JSON schema's spelling: its enum has "OPERATING_SYSTEM" where
 * the prose of §7.24 says "OPERATING-SYSTEM"; readers accept both.
 */

export interface SpdxWriteOptions {
  /** The UUID that makes `documentNamespace` unique; random when absent. */
  namespaceUuid?: string;
}

interface Annotation {
  annotationDate: string;
  annotationType: "OTHER";
  annotator: string;
  comment: string;
}

export interface SpdxPackageOut {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier: "NOASSERTION";
  downloadLocation: "NOASSERTION";
  filesAnalyzed: false;
  sourceInfo?: string;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: "NOASSERTION";
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
  primaryPackagePurpose: string;
  annotations?: Annotation[];
}

const DOCUMENT_ID = "SPDXRef-DOCUMENT";

/** SPDX 2.3 §6.9: "YYYY-MM-DDThh:mm:ssZ", no fractional seconds. */
export function spdxDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function purposeOfSubject(subject: SbomSubject): string {
  return subject.kind === "image" ? "CONTAINER" : subject.kind === "archive" ? "ARCHIVE" : "FILE";
}

function purlRef(purl: string) {
  return [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl }];
}

export function toSpdx(doc: SbomDocument, options: SpdxWriteOptions = {}): string {
  const created = spdxDate(doc.createdAt);
  const annotator = `Tool: ${doc.tool.name}-${doc.tool.version}`;
  const annotate = (facts: NameValue[]): Annotation[] =>
    facts.map((f) => ({
      annotationDate: created,
      annotationType: "OTHER",
      annotator,
      comment: `${f.name}=${f.value}`,
    }));
  const ids = new IdAllocator("SPDXRef-");
  const refs = new LicenseRefs();

  const subject = doc.subject;
  const subjectId = ids.next(`${subject.kind === "image" ? "Image" : "Source"}-${subject.name}`);
  const subjectPackage: SpdxPackageOut = {
    SPDXID: subjectId,
    name: subject.name,
    ...(subject.digest ? { versionInfo: subject.digest } : {}),
    supplier: "NOASSERTION",
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: "NOASSERTION",
    copyrightText: "NOASSERTION",
    ...(subjectPurl(subject) ? { externalRefs: purlRef(subjectPurl(subject)!) } : {}),
    primaryPackagePurpose: purposeOfSubject(subject),
    annotations: annotate([...subjectFacts(subject), ...incompleteFacts(doc.incomplete)]),
  };
  const packagesOut: SpdxPackageOut[] = [subjectPackage];
  const relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[] = [
    { spdxElementId: DOCUMENT_ID, relationshipType: "DESCRIBES", relatedSpdxElement: subjectId },
  ];

  const distro = doc.distro;
  if (distro) {
    const osId = ids.next(`OperatingSystem-${distro.id}-${distro.versionId ?? ""}`);
    const facts = distroFacts(distro);
    packagesOut.push({
      SPDXID: osId,
      name: distro.id,
      ...(distro.versionId ? { versionInfo: distro.versionId } : {}),
      supplier: "NOASSERTION",
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      licenseConcluded: "NOASSERTION",
      licenseDeclared: "NOASSERTION",
      copyrightText: "NOASSERTION",
      primaryPackagePurpose: "OPERATING_SYSTEM",
      annotations: annotate(facts),
    });
    relationships.push({ spdxElementId: subjectId, relationshipType: "CONTAINS", relatedSpdxElement: osId });
  }

  const packages = sortPackages(doc.packages);
  const graph = resolveDependencies(packages);
  const packageIds = packages.map((pkg) => ids.next(`Package-${pkg.type}-${pkg.name}-${pkg.version}`));
  packages.forEach((pkg: Package, i) => {
    packagesOut.push({
      SPDXID: packageIds[i]!,
      name: pkg.name,
      ...(pkg.version ? { versionInfo: pkg.version } : {}),
      supplier: "NOASSERTION",
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      ...(pkg.source
        ? {
            sourceInfo: `source package: ${pkg.source.name}${pkg.source.version ? ` ${pkg.source.version}` : ""}`,
          }
        : {}),
      licenseConcluded: "NOASSERTION",
      licenseDeclared: declaredLicense(pkg.licenses, refs),
      copyrightText: "NOASSERTION",
      ...(pkg.purl ? { externalRefs: purlRef(pkg.purl) } : {}),
      primaryPackagePurpose:
        pkg.type === "golang" && pkg.metadata?.mainModule === "true" ? "APPLICATION" : "LIBRARY",
      annotations: annotate(packageFacts(pkg, graph.unresolved[i])),
    });
    relationships.push({
      spdxElementId: subjectId,
      relationshipType: "CONTAINS",
      relatedSpdxElement: packageIds[i]!,
    });
  });
  packages.forEach((_, i) => {
    for (const j of graph.edges[i]!) {
      relationships.push({
        spdxElementId: packageIds[i]!,
        relationshipType: "DEPENDS_ON",
        relatedSpdxElement: packageIds[j]!,
      });
    }
  });

  const listVersion = /(\d+\.\d+)(?:\.\d+)?$/.exec(spdxLicenseList().version)?.[1];
  const namespaceName = encodeURIComponent(subject.name).replace(/%2F/g, "/");
  const document = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: DOCUMENT_ID,
    name: subject.name,
    documentNamespace: `https://spdx.org/spdxdocs/${doc.tool.name}/${subject.kind}/${namespaceName}-${options.namespaceUuid ?? randomUUID()}`,
    creationInfo: {
      ...(listVersion ? { licenseListVersion: listVersion } : {}),
      creators: [annotator],
      created,
    },
    documentDescribes: [subjectId],
    packages: packagesOut,
    ...(refs.extracted.length > 0 ? { hasExtractedLicensingInfos: refs.extracted } : {}),
    relationships,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
