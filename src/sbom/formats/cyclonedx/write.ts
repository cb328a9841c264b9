import { randomUUID } from "node:crypto";
import { parseSpdxExpression } from "../../../core/index.js";
import type { Distro, Package } from "../../model.js";
import { distroFacts } from "../distro-facts.js";
import type { SbomDocument, SbomSubject } from "../document.js";
import { resolveDependencies, sortPackages } from "../graph.js";
import { packageFacts } from "../package-facts.js";
import type { NameValue } from "../properties.js";
import { subjectPurl } from "../purl.js";
import { incompleteFacts, subjectFacts } from "../subject-facts.js";

/**
 * CycloneDX 1.6 JSON (cyclonedx.org/docs/1.6/json/). The image is `metadata.component` (type
 * "container"), the operating system an "operating-system" component, every package a "library"
 * (a Go main module an "application"). Facts without a CycloneDX field go into namespaced
 * `properties` (properties.ts). Output is deterministic except `serialNumber` and the timestamp,
 * which come from the options and `doc.createdAt`.
 */

export interface CycloneDxWriteOptions {
  /** A UUID for `serialNumber` (urn:uuid:…); random when absent. */
  serialNumber?: string;
}

type License = { license: { id: string } | { name: string } } | { expression: string };

export interface CdxComponent {
  "bom-ref": string;
  type: string;
  group?: string;
  name: string;
  version?: string;
  licenses?: License[];
  purl?: string;
  properties?: NameValue[];
}

const SUBJECT_REF = "portcullis:subject";
const OS_REF = "portcullis:operating-system";

/**
 * CycloneDX `licenses` is either license objects or exactly one `expression` (the 1.6 schema's
 * licenseChoice). A listed id goes into `license.id` (canonical case); a lone valid expression
 * (compound, "+", WITH, LicenseRef) into `expression`; anything else, and expressions beside other
 * entries, into `license.name` verbatim so nothing is lost.
 */
export function cycloneDxLicenses(licenses: readonly string[]): License[] | undefined {
  if (licenses.length === 0) return undefined;
  const parsed = licenses.map((text) => ({ text, result: parseSpdxExpression(text) }));
  const plainId = (r: (typeof parsed)[number]["result"]) =>
    r.ok && r.expression.kind === "license" && !r.expression.orLater && !r.expression.exception;
  if (parsed.length === 1) {
    const only = parsed[0]!;
    if (only.result.ok && !plainId(only.result)) return [{ expression: only.text }];
  }
  return parsed.map(({ text, result }) => {
    if (
      result.ok &&
      result.expression.kind === "license" &&
      !result.expression.orLater &&
      !result.expression.exception
    ) {
      return { license: { id: result.expression.id } };
    }
    return { license: { name: text } };
  });
}

/** Maven "group:artifact" and npm "@scope/name" split into CycloneDX group and name. */
function groupAndName(pkg: Package): { group?: string; name: string } {
  if (pkg.type === "maven") {
    const colon = pkg.name.indexOf(":");
    if (colon > 0) return { group: pkg.name.slice(0, colon), name: pkg.name.slice(colon + 1) };
  }
  if (pkg.type === "npm" && pkg.name.startsWith("@")) {
    const slash = pkg.name.indexOf("/");
    if (slash > 0) return { group: pkg.name.slice(0, slash), name: pkg.name.slice(slash + 1) };
  }
  return { name: pkg.name };
}

function subjectComponent(subject: SbomSubject, incomplete: SbomDocument["incomplete"]): CdxComponent {
  const props = [...subjectFacts(subject), ...incompleteFacts(incomplete)];
  const component: CdxComponent = {
    "bom-ref": SUBJECT_REF,
    type: subject.kind === "image" ? "container" : "file",
    name: subject.name,
  };
  if (subject.digest) component.version = subject.digest;
  const purl = subjectPurl(subject);
  if (purl) component.purl = purl;
  component.properties = props;
  return component;
}

function osComponent(distro: Distro): CdxComponent {
  const props = distroFacts(distro);
  const component: CdxComponent = { "bom-ref": OS_REF, type: "operating-system", name: distro.id };
  if (distro.versionId) component.version = distro.versionId;
  component.properties = props;
  return component;
}

/** bom-refs: the purl, made unique with a "#n" suffix when two packages share one. */
function bomRefs(packages: readonly Package[]): string[] {
  const seen = new Map<string, number>();
  return packages.map((pkg) => {
    const base = pkg.purl || `${pkg.type}:${pkg.name}@${pkg.version}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}#${count}`;
  });
}

export function toCycloneDx(doc: SbomDocument, options: CycloneDxWriteOptions = {}): string {
  const packages = sortPackages(doc.packages);
  const refs = bomRefs(packages);
  const graph = resolveDependencies(packages);
  const components: CdxComponent[] = [];
  if (doc.distro) components.push(osComponent(doc.distro));
  packages.forEach((pkg, i) => {
    const { group, name } = groupAndName(pkg);
    const licenses = cycloneDxLicenses(pkg.licenses);
    components.push({
      "bom-ref": refs[i]!,
      type: pkg.type === "golang" && pkg.metadata?.mainModule === "true" ? "application" : "library",
      ...(group ? { group } : {}),
      name,
      ...(pkg.version ? { version: pkg.version } : {}),
      ...(licenses ? { licenses } : {}),
      ...(pkg.purl ? { purl: pkg.purl } : {}),
      properties: packageFacts(pkg, graph.unresolved[i]),
    });
  });
  const topLevel = components.map((c) => c["bom-ref"]);
  const dependencies = [
    { ref: SUBJECT_REF, dependsOn: topLevel },
    ...(doc.distro ? [{ ref: OS_REF, dependsOn: [] as string[] }] : []),
    ...packages.map((_, i) => ({ ref: refs[i]!, dependsOn: graph.edges[i]!.map((j) => refs[j]!) })),
  ];
  const bom = {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${options.serialNumber ?? randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: doc.createdAt.toISOString(),
      tools: { components: [{ type: "application", name: doc.tool.name, version: doc.tool.version }] },
      component: subjectComponent(doc.subject, doc.incomplete),
    },
    components,
    dependencies,
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}
