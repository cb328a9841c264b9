import type { Distro, Package } from "../../model.js";
import { distroFromFacts } from "../distro-facts.js";
import type { SbomDocument, SbomSubject } from "../document.js";
import { checkedValue, invalidSbom } from "../invalid.js";
import { addDependency, normaliseDependencies, packageFromFacts } from "../package-from-facts.js";
import { type NameValue, propertyValue } from "../properties.js";
import { purlIdentity } from "../purl.js";
import type { ReadOptions } from "../read-options.js";
import { incompleteFromFacts, subjectFromFacts } from "../subject-facts.js";
import {
  type CdxInputComponent,
  cdxBom,
  cdxComponent,
  cdxDependency,
  isComponentShape,
  isDependencyShape,
} from "./schema.js";

/**
 * CycloneDX 1.4–1.6 JSON into an SbomDocument: ours, Trivy's and syft's. The operating system is the
 * "operating-system" component (Trivy and syft both write one); packages are the components whose
 * purl is one of our package types; `dependencies` become `dependsOn` names. Components we cannot
 * place (no purl, a purl type we do not model) are skipped with a warning.
 */

/**
 * How deep components may nest (CycloneDX `components[].components`, for assemblies). Real SBOMs
 * nest a few levels; the walk is iterative, so depth costs no stack, and the limit only bounds what a
 * hostile document can make us walk for nothing. Components past it are not read, and the document
 * is then incomplete (SBOM_NESTING_LIMIT), which fails a scan like any other gap: never a silent drop.
 */
export const MAX_COMPONENT_DEPTH = 1024;

/** The incomplete-reason code of a document whose components nest past MAX_COMPONENT_DEPTH. */
export const NESTING_LIMIT_CODE = "SBOM_NESTING_LIMIT";

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

/** A component still to check, and where it sits (its parent and its index there) for messages. */
interface Pending {
  value: unknown;
  index: number;
  depth: number;
  parent: Pending | undefined;
}

/** `["components", 0, "components", 3]` for an error's path. */
function pathOf(item: Pending): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Pending | undefined = item; at; at = at.parent) path.push(at.index, "components");
  return path.reverse();
}

interface Flattened {
  components: CdxInputComponent[];
  /** How many components sat deeper than MAX_COMPONENT_DEPTH (their own nested ones not counted). */
  tooDeep: number;
}

/** Every component, nested ones included, in document order (each before what it contains). */
function flatten(top: readonly unknown[]): Flattened {
  const components: CdxInputComponent[] = [];
  let tooDeep = 0;
  const stack: Pending[] = [];
  const pushAll = (values: readonly unknown[], depth: number, parent: Pending | undefined) => {
    for (let i = values.length - 1; i >= 0; i--) stack.push({ value: values[i], index: i, depth, parent });
  };
  pushAll(top, 0, undefined);
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.depth > MAX_COMPONENT_DEPTH) {
      tooDeep++;
      continue;
    }
    const component = checkedValue("CycloneDX", item.value, isComponentShape, cdxComponent, () =>
      pathOf(item),
    );
    components.push(component);
    if (component.components) pushAll(component.components, item.depth + 1, item);
  }
  return { components, tooDeep };
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
  const { components: all, tooDeep } = flatten(bom.components ?? []);

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
  const dependencies = bom.dependencies ?? [];
  for (let i = 0; i < dependencies.length; i++) {
    const dep = checkedValue("CycloneDX", dependencies[i], isDependencyShape, cdxDependency, () => [
      "dependencies",
      i,
    ]);
    const from = byRef.get(dep.ref);
    if (!from) continue;
    for (const ref of dep.dependsOn ?? []) {
      const to = byRef.get(ref);
      if (to !== undefined && to.type === from.type) addDependency(from, to.name);
    }
  }
  normaliseDependencies(packages);

  const doc: SbomDocument = {
    subject: subjectOf(bom.metadata?.component),
    packages,
    createdAt: new Date(bom.metadata?.timestamp ?? 0),
    tool: toolOf(bom.metadata?.tools),
  };
  const incomplete = bom.metadata?.component
    ? (incompleteFromFacts(props(bom.metadata.component)) ?? [])
    : [];
  if (tooDeep > 0) {
    incomplete.push({
      code: NESTING_LIMIT_CODE,
      message: `${tooDeep} CycloneDX component(s) nested deeper than ${MAX_COMPONENT_DEPTH} levels were not read`,
    });
  }
  if (incomplete.length > 0) doc.incomplete = incomplete;
  if (Number.isNaN(doc.createdAt.getTime())) doc.createdAt = new Date(0);
  const chosen = distro ?? purlDistro;
  if (chosen) doc.distro = chosen;
  return doc;
}
