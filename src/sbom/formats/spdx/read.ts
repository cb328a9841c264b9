import type { Distro, Package } from "../../model.js";
import { distroFromFacts } from "../distro-facts.js";
import type { SbomDocument, SbomSubject, SubjectKind } from "../document.js";
import { checkedValue, invalidSbom } from "../invalid.js";
import { addDependency, normaliseDependencies, packageFromFacts } from "../package-from-facts.js";
import type { NameValue } from "../properties.js";
import { purlIdentity } from "../purl.js";
import type { ReadOptions } from "../read-options.js";
import { incompleteFromFacts, subjectFromFacts } from "../subject-facts.js";
import { licensesFromField } from "./licenses.js";
import {
  isPackageShape,
  isRelationshipShape,
  type SpdxInputDocument,
  type SpdxInputPackage,
  type SpdxInputRelationship,
  spdxDocument,
  spdxPackage,
  spdxRelationship,
} from "./schema.js";

/**
 * SPDX 2.2 / 2.3 JSON into an SbomDocument: ours, Trivy's and syft's. The described package is the
 * subject; a package whose purpose is OPERATING-SYSTEM (OPERATING_SYSTEM in the JSON schema) is
 * the distribution; packages with a PACKAGE-MANAGER purl of one of our types are the packages;
 * DEPENDS_ON (and its inverse DEPENDENCY_OF) become `dependsOn`.
 * Facts come from our "name=value" annotations, from Trivy's "Key: value" attribution texts and
 * "built package from: NAME VERSION" source info, and from syft's "acquired package info from …:
 * PATH, PATH" source info.
 */

const OS_PURPOSES = new Set(["OPERATING-SYSTEM", "OPERATING_SYSTEM"]);

function purlOf(p: SpdxInputPackage): string | undefined {
  return p.externalRefs?.find(
    (r) => r.referenceType === "purl" && r.referenceCategory.replace("_", "-") === "PACKAGE-MANAGER",
  )?.referenceLocator;
}

/** Our annotations and the other tools' free-text fields, as name/value pairs. */
function factsOf(p: SpdxInputPackage): NameValue[] {
  const facts: NameValue[] = [];
  for (const a of p.annotations ?? []) {
    const comment = a.comment ?? "";
    const eq = comment.indexOf("=");
    if (comment.startsWith("portcullis:") && eq > 0)
      facts.push({ name: comment.slice(0, eq), value: comment.slice(eq + 1) });
  }
  for (const text of p.attributionTexts ?? []) {
    const m = /^([A-Za-z]+): (.*)$/s.exec(text);
    if (m) facts.push({ name: `aquasecurity:trivy:${m[1]}`, value: m[2]! });
  }
  const info = p.sourceInfo ?? "";
  const built = /^built package from: (\S+)(?: (\S+))?$/.exec(info);
  if (built) {
    facts.push({ name: "aquasecurity:trivy:SrcName", value: built[1]! });
    if (built[2]) facts.push({ name: "aquasecurity:trivy:SrcVersion", value: built[2] });
  }
  const acquired = /^acquired package info from [^:]*: (.+)$/s.exec(info);
  if (acquired) {
    acquired[1]!.split(", ").forEach((path, i) => {
      facts.push({ name: `syft:location:${i}:path`, value: path.trim() });
    });
  }
  return facts;
}

/** The document with its packages and relationships checked. */
type SpdxChecked = Pick<
  SpdxInputDocument,
  "SPDXID" | "name" | "creationInfo" | "documentDescribes" | "hasExtractedLicensingInfos"
> & {
  packages: SpdxInputPackage[];
  relationships: SpdxInputRelationship[];
};

function checkAll<T>(
  list: readonly unknown[] | undefined,
  key: string,
  isShape: (v: unknown) => v is T,
  schema: Parameters<typeof checkedValue<T>>[3],
): T[] {
  return (list ?? []).map((value, i) => checkedValue("SPDX", value, isShape, schema, () => [key, i]));
}

/** The package the document DESCRIBES (the image or directory), when it names one. */
function describedPackage(
  doc: SpdxChecked,
  byId: Map<string, SpdxInputPackage>,
): SpdxInputPackage | undefined {
  const describedIds = [
    ...(doc.documentDescribes ?? []),
    ...doc.relationships
      .filter((r) => r.spdxElementId === doc.SPDXID && r.relationshipType === "DESCRIBES")
      .map((r) => r.relatedSpdxElement),
  ];
  return describedIds.map((id) => byId.get(id)).find((p) => p !== undefined);
}

function subjectOf(doc: SpdxChecked, byId: Map<string, SpdxInputPackage>): SbomSubject {
  const described = describedPackage(doc, byId);
  if (!described) return { kind: "directory", name: doc.name };
  const purpose = described.primaryPackagePurpose;
  // SPDX 2.2 has no primaryPackagePurpose; an oci purl says "image" there too.
  const image = purpose === "CONTAINER" || purlOf(described)?.startsWith("pkg:oci/");
  const fallback: SubjectKind = image ? "image" : purpose === "ARCHIVE" ? "archive" : "directory";
  return subjectFromFacts(factsOf(described), {
    fallbackKind: fallback,
    name: described.name,
    candidates: [described.versionInfo, purlOf(described)],
  });
}

function toolOf(creators: readonly string[]): { name: string; version: string } {
  const tool = creators
    .find((c) => c.startsWith("Tool:"))
    ?.slice(5)
    .trim();
  if (!tool) return { name: "unknown", version: "unknown" };
  const dash = tool.lastIndexOf("-");
  return dash > 0
    ? { name: tool.slice(0, dash), version: tool.slice(dash + 1) }
    : { name: tool, version: "unknown" };
}

export function readSpdx(json: unknown, options: ReadOptions = {}): SbomDocument {
  const parsed = spdxDocument.safeParse(json);
  if (!parsed.success) throw invalidSbom("SPDX", parsed.error);
  const doc: SpdxChecked = {
    ...parsed.data,
    packages: checkAll(parsed.data.packages, "packages", isPackageShape, spdxPackage),
    relationships: checkAll(
      parsed.data.relationships,
      "relationships",
      isRelationshipShape,
      spdxRelationship,
    ),
  };
  const warn = options.warn ?? (() => {});
  const extracted = new Map(
    (doc.hasExtractedLicensingInfos ?? []).map((e) => [e.licenseId, e.extractedText] as const),
  );
  const byId = new Map(doc.packages.map((p) => [p.SPDXID, p] as const));
  const subject = subjectOf(doc, byId);

  let distro: Distro | undefined;
  let purlDistro: Distro | undefined;
  const packages: Package[] = [];
  const bySpdxId = new Map<string, Package>();
  for (const p of doc.packages) {
    if (p.primaryPackagePurpose && OS_PURPOSES.has(p.primaryPackagePurpose)) {
      distro ??= distroFromFacts(factsOf(p), p.name, p.versionInfo);
      continue;
    }
    const purl = purlOf(p);
    const declared = licensesFromField(p.licenseDeclared, extracted);
    const licenses = declared.length > 0 ? declared : licensesFromField(p.licenseConcluded, extracted);
    const built = packageFromFacts({ purl, version: p.versionInfo, licenses, props: factsOf(p) });
    if (!built) {
      if (purl && !purlIdentity(purl))
        warn(`SPDX package ${p.SPDXID}: purl ${purl} is not a package type we read; skipped`);
      continue;
    }
    purlDistro ??= built.distro;
    packages.push(built.pkg);
    bySpdxId.set(p.SPDXID, built.pkg);
  }
  for (const r of doc.relationships) {
    const forward = r.relationshipType === "DEPENDS_ON";
    if (!forward && r.relationshipType !== "DEPENDENCY_OF") continue;
    const from = bySpdxId.get(forward ? r.spdxElementId : r.relatedSpdxElement);
    const to = bySpdxId.get(forward ? r.relatedSpdxElement : r.spdxElementId);
    if (from && to && from.type === to.type) addDependency(from, to.name);
  }
  normaliseDependencies(packages);

  let createdAt = new Date(doc.creationInfo.created);
  if (Number.isNaN(createdAt.getTime())) createdAt = new Date(0);
  const result: SbomDocument = { subject, packages, createdAt, tool: toolOf(doc.creationInfo.creators) };
  const chosen = distro ?? purlDistro;
  if (chosen) result.distro = chosen;
  const described = describedPackage(doc, byId);
  const incomplete = described ? incompleteFromFacts(factsOf(described)) : undefined;
  if (incomplete) result.incomplete = incomplete;
  return result;
}
