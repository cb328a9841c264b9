import type { Distro, Package } from "../../model.js";
import { distroFromFacts } from "../distro-facts.js";
import type { SbomDocument, SbomSubject } from "../document.js";
import { invalidSbom } from "../invalid.js";
import { addDependencies, packageFromFacts } from "../package-from-facts.js";
import { type NameValue, propertyValue } from "../properties.js";
import { purlIdentity } from "../purl.js";
import type { ReadOptions } from "../read-options.js";
import { incompleteFromFacts, subjectFromFacts } from "../subject-facts.js";
import { type CdxInputComponent, cdxBom } from "./schema.js";

/**
 * CycloneDX 1.4–1.6 JSON into an SbomDocument: ours, Trivy's and syft's. The operating system is the
 * "operating-system" component (Trivy and syft both write one); packages are the components whose
 * purl is one of our package types; `dependencies` become `dependsOn` names. Components we cannot
 * place (no purl, a purl type we do not model) are skipped with a warning.
 */

const MAX_NESTING = 64;

const props = (c: CdxInputComponent): NameValue[] =>
  (c.properties ?? []).map((p) => ({ name: p.name, value: p.value ?? "" }));

function licensesOf(c: CdxInputComponent): string[] {
  const out: string[] = [];
  for (const choice of c.licenses ?? []) {
    const text = choice.expression ?? choice.license?.id ?? choice.license?.name;
    if (text) out.push(text);
  }
  return out;
}

function flatten(components: readonly CdxInputComponent[], into: CdxInputComponent[], depth = 0): void {
  if (depth > MAX_NESTING) return;
  for (const c of components) {
    into.push(c);
    if (c.components) flatten(c.components, into, depth + 1);
  }
}

function subjectOf(c: CdxInputComponent | undefined): SbomSubject {
  if (!c) return { kind: "directory", name: "" };
  const p = props(c);
  return subjectFromFacts(p, {
    fallbackKind: c.type === "container" ? "image" : "directory",
    name: c.name,
    candidates: [c.version, c.purl, propertyValue(p, "aquasecurity:trivy:RepoDigest")?.split("@")[1]],
  });
}

function toolOf(tools: unknown): { name: string; version: string } {
  const list = Array.isArray(tools)
    ? tools
    : ((tools as { components?: unknown[] } | undefined)?.components ?? []);
  const first = list[0] as { name?: string; version?: string } | undefined;
  return { name: first?.name ?? "unknown", version: first?.version ?? "unknown" };
}

export function readCycloneDx(json: unknown, options: ReadOptions = {}): SbomDocument {
  const parsed = cdxBom.safeParse(json);
  if (!parsed.success) throw invalidSbom("CycloneDX", parsed.error);
  const bom = parsed.data;
  const warn = options.warn ?? (() => {});
  const all: CdxInputComponent[] = [];
  flatten(bom.components ?? [], all);

  let distro: Distro | undefined;
  let purlDistro: Distro | undefined;
  const packages: Package[] = [];
  const byRef = new Map<string, Package>();
  for (const c of all) {
    if (c.type === "operating-system") {
      distro ??= distroFromFacts(props(c), c.name, c.version);
      continue;
    }
    const built = packageFromFacts({
      purl: c.purl,
      version: c.version,
      licenses: licensesOf(c),
      props: props(c),
    });
    if (!built) {
      if (c.purl && !purlIdentity(c.purl))
        warn(
          `CycloneDX component ${JSON.stringify(c.name)}: purl ${c.purl} is not a package type we read; skipped`,
        );
      else if (!c.purl && c.type === "library")
        warn(`CycloneDX component ${JSON.stringify(c.name)} has no purl; skipped`);
      continue;
    }
    purlDistro ??= built.distro;
    packages.push(built.pkg);
    if (c["bom-ref"]) byRef.set(c["bom-ref"], built.pkg);
  }
  for (const dep of bom.dependencies ?? []) {
    const from = byRef.get(dep.ref);
    if (!from) continue;
    const names = (dep.dependsOn ?? [])
      .map((ref) => byRef.get(ref))
      .filter((to): to is Package => to !== undefined && to.type === from.type)
      .map((to) => to.name);
    addDependencies(from, names);
  }
  for (const pkg of packages) addDependencies(pkg, []);

  const doc: SbomDocument = {
    subject: subjectOf(bom.metadata?.component),
    packages,
    createdAt: new Date(bom.metadata?.timestamp ?? 0),
    tool: toolOf(bom.metadata?.tools),
  };
  const incomplete = bom.metadata?.component ? incompleteFromFacts(props(bom.metadata.component)) : undefined;
  if (incomplete) doc.incomplete = incomplete;
  if (Number.isNaN(doc.createdAt.getTime())) doc.createdAt = new Date(0);
  const chosen = distro ?? purlDistro;
  if (chosen) doc.distro = chosen;
  return doc;
}
