import { PackageURL } from "packageurl-js";
import { parseImageReference } from "../../oci/index.js";
import type { Distro, PackageType } from "../model.js";
import type { SbomSubject } from "./document.js";

/**
 * Package URLs in both directions (github.com/package-url/purl-spec, PURL-TYPES.rst): the name
 * convention of our model (model.ts: npm "@scope/name", Maven "group:artifact", Go and Composer
 * the full path) from a purl's namespace and name, and the `pkg:oci` purl of an image.
 */

const PACKAGE_TYPES: ReadonlySet<string> = new Set<PackageType>([
  "deb",
  "apk",
  "rpm",
  "npm",
  "pypi",
  "golang",
  "maven",
  "gem",
  "cargo",
  "nuget",
  "composer",
]);

export interface PurlIdentity {
  type: PackageType;
  name: string;
  version?: string;
  /** The purl namespace (for distribution packages, the vendor: "debian", "alpine", "redhat"). */
  namespace?: string;
  qualifiers: Record<string, string>;
}

export function isPackageType(type: string): type is PackageType {
  return PACKAGE_TYPES.has(type);
}

/** Our model's name for a purl namespace and name. */
export function modelName(type: PackageType, namespace: string | undefined, name: string): string {
  if (!namespace) return name;
  switch (type) {
    case "maven":
      return `${namespace}:${name}`;
    case "npm":
    case "golang":
    case "composer":
      return `${namespace}/${name}`;
    default:
      // deb/apk/rpm namespaces are the vendor, not part of the package name; others have none.
      return name;
  }
}

interface ParsedPurl {
  readonly type: string;
  readonly namespace?: string | null | undefined;
  readonly name: string;
  readonly version?: string | null | undefined;
  readonly qualifiers?: Record<string, string> | null | undefined;
}

/**
 * The purl spec's own decomposition (scheme, type, namespace/name, @version, ?qualifiers, #subpath,
 * each component percent-decoded), without per-type validation. Used where packageurl-js throws on a
 * purl other tools write, e.g. a golang version "v1.2" (2.0.1 crashes with a ReferenceError there).
 */
function parsePurlLeniently(purl: string): ParsedPurl | undefined {
  if (!purl.startsWith("pkg:")) return undefined;
  let rest = purl.slice(4).replace(/^\/+/, "");
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const question = rest.indexOf("?");
  const query = question >= 0 ? rest.slice(question + 1) : "";
  if (question >= 0) rest = rest.slice(0, question);
  const at = rest.lastIndexOf("@");
  const version = at > rest.lastIndexOf("/") ? rest.slice(at + 1) : undefined;
  if (version !== undefined) rest = rest.slice(0, at);
  const segments = rest.split("/").filter((segment) => segment !== "");
  const type = segments.shift()?.toLowerCase();
  const name = segments.pop();
  if (!type || !name) return undefined;
  try {
    const qualifiers: Record<string, string> = {};
    for (const pair of query.split("&")) {
      const eq = pair.indexOf("=");
      if (eq > 0) qualifiers[pair.slice(0, eq).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1));
    }
    return {
      type,
      namespace: segments.length > 0 ? segments.map(decodeURIComponent).join("/") : undefined,
      name: decodeURIComponent(name),
      version: version ? decodeURIComponent(version) : undefined,
      qualifiers,
    };
  } catch {
    return undefined; // a malformed %-escape
  }
}

/** Reads a purl of one of our package types; undefined for other types or an unparsable purl. */
export function purlIdentity(purl: string): PurlIdentity | undefined {
  let parsed: ParsedPurl | undefined;
  try {
    parsed = PackageURL.fromString(purl);
  } catch (err) {
    // A purl the library refuses by its rules (a PurlError) stays refused; one it crashes on with a
    // bug of its own (ReferenceError, TypeError) is read by the spec's decomposition instead.
    const crashed = err instanceof ReferenceError || err instanceof TypeError;
    parsed = crashed ? parsePurlLeniently(purl) : undefined;
  }
  if (!parsed) return undefined;
  if (!isPackageType(parsed.type)) return undefined;
  const identity: PurlIdentity = {
    type: parsed.type,
    name: modelName(parsed.type, parsed.namespace ?? undefined, parsed.name),
    qualifiers: { ...(parsed.qualifiers ?? {}) },
  };
  if (parsed.version) identity.version = parsed.version;
  if (parsed.namespace) identity.namespace = parsed.namespace;
  return identity;
}

/**
 * The source package from the `upstream` qualifier, as syft writes it: "name" or "name@version"
 * (the purl spec leaves `upstream` to tools; syft's dpkg, apk and rpm purls use it).
 */
export function upstreamSource(value: string | undefined): { name: string; version?: string } | undefined {
  if (!value) return undefined;
  const at = value.lastIndexOf("@");
  if (at <= 0) return { name: value };
  return { name: value.slice(0, at), version: value.slice(at + 1) };
}

/**
 * The distribution from a purl `distro` qualifier. Writers differ: syft "debian-12", Trivy
 * "debian-12.5" but bare "3.19.1" for Alpine; then the purl namespace names the distribution.
 */
export function distroFromQualifier(
  value: string | undefined,
  namespace: string | undefined,
): Distro | undefined {
  if (!value) return undefined;
  const match = /^([a-z][a-z0-9._]*(?:-[a-z][a-z0-9._]*)*)-(\d[^\s]*)$/i.exec(value);
  if (match) return { id: match[1]!.toLowerCase(), versionId: match[2]! };
  if (/^\d/.test(value) && namespace) return { id: namespace.toLowerCase(), versionId: value };
  return { id: value.toLowerCase() };
}

/**
 * `pkg:oci/<name>@<digest>?arch=…&repository_url=<registry>/<repository>&tag=…`: the purl spec's
 * oci type names the artifact by its last path segment, lower-cased, versioned by digest. Only an
 * image with a digest gets one.
 */
export function subjectPurl(subject: SbomSubject): string | undefined {
  if (subject.kind !== "image" || !subject.digest) return undefined;
  let registry: string | undefined;
  let repository = subject.name;
  let tag: string | undefined;
  try {
    const ref = parseImageReference(subject.name);
    registry = ref.registry;
    repository = ref.repository;
    tag = ref.tag;
  } catch {
    // Not a reference (an OCI layout path or a tarball name): name the purl after its last
    // segment, without any "@digest" the name carries.
    const at = repository.indexOf("@");
    if (at > 0) repository = repository.slice(0, at);
  }
  const name = (repository.split("/").pop() ?? repository).toLowerCase();
  const qualifiers: Record<string, string> = {};
  if (subject.platform?.architecture) qualifiers.arch = subject.platform.architecture;
  if (registry) qualifiers.repository_url = `${registry}/${repository}`;
  if (tag) qualifiers.tag = tag;
  try {
    return new PackageURL(
      "oci",
      undefined,
      name || "image",
      subject.digest,
      qualifiers,
      undefined,
    ).toString();
  } catch {
    return undefined;
  }
}
