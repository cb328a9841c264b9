import { PackageURL } from "packageurl-js";
import type { FileInfo } from "../../oci/index.js";
import { locationOf, type Package, type PackageType } from "../model.js";
import type { CatalogContext, FileResolver } from "./cataloger.js";

/**
 * The loop every language cataloger shares: read each selected file, hand its text to the parser
 * the path calls for, turn the parser's drafts into packages, and turn any failure into a warning
 * (the Cataloger contract: malformed input never throws). Used by the npm, python, ruby, php and
 * dotnet catalogers.
 */

/** What a parser knows about one package; the cataloger adds type, purl, location and its name. */
export interface PackageDraft {
  name: string;
  version: string;
  licenses: string[];
  dependsOn?: string[];
}

/** A parser over one file's text. It may throw: the loop turns that into a warning for the file. */
export type TextParser = (text: string, file: FileInfo, resolver: FileResolver) => PackageDraft[];

export interface LanguageCatalogerSpec {
  name: string;
  type: PackageType;
  /** The parser for a selected path, or undefined for a selected file that is only read by others. */
  parserFor(path: string): TextParser | undefined;
  /** purl namespace and name for a package name (npm "@scope/x" -> ["@scope", "x"]). */
  purlParts(name: string): [namespace: string | undefined, name: string];
  /** Files larger than this are skipped with a warning rather than parsed. */
  maxBytes: number;
}

// Limits no genuine manifest reaches; they keep a hostile value out of purls and reports.
const MAX_NAME = 512;
const MAX_VERSION = 256;
const MAX_LICENSES = 32;

export function catalogSelected(
  spec: LanguageCatalogerSpec,
  resolver: FileResolver,
  context: CatalogContext,
): Package[] {
  const packages: Package[] = [];
  for (const file of resolver.selected()) {
    const parse = spec.parserFor(file.path);
    if (!parse) continue;
    const bytes = resolver.read(file.path);
    if (!bytes) continue;
    const maxBytes = context.maxFileBytes ?? spec.maxBytes;
    if (bytes.length > maxBytes) {
      context.warn(
        `${spec.name}: ${file.path}: skipped, ${bytes.length} bytes is over the ${maxBytes} limit`,
        "PACKAGE_DB_TOO_LARGE",
      );
      continue;
    }
    let drafts: PackageDraft[];
    try {
      drafts = parse(textOf(bytes), file, resolver);
    } catch (error) {
      context.warn(`${spec.name}: ${file.path}: skipped, ${messageOf(error)}`, "MANIFEST_UNREADABLE");
      continue;
    }
    const location = locationOf(file);
    for (const draft of drafts) {
      const pkg = finish(spec, draft, location);
      if (typeof pkg === "string") context.warn(`${spec.name}: ${file.path}: ${pkg}`);
      else packages.push(pkg);
    }
  }
  return packages;
}

function finish(
  spec: LanguageCatalogerSpec,
  draft: PackageDraft,
  location: Package["locations"][number],
): Package | string {
  const { name, version } = draft;
  if (!name || name.length > MAX_NAME)
    return `skipped a package with an invalid name (${name.length} characters)`;
  if (!version || version.length > MAX_VERSION) return `skipped ${name}: missing or invalid version`;
  let purl: string;
  try {
    const [namespace, purlName] = spec.purlParts(name);
    purl = new PackageURL(spec.type, namespace, purlName, version, undefined, undefined).toString();
  } catch (error) {
    return `skipped ${name}@${version}: ${messageOf(error)}`;
  }
  const pkg: Package = {
    type: spec.type,
    name,
    version,
    purl,
    // No package declares dozens of licences; a list that long is junk and is cut, not kept whole.
    licenses: draft.licenses.length > MAX_LICENSES ? draft.licenses.slice(0, MAX_LICENSES) : draft.licenses,
    cataloger: spec.name,
    locations: [location],
  };
  if (draft.dependsOn && draft.dependsOn.length > 0) pkg.dependsOn = draft.dependsOn;
  return pkg;
}

/** UTF-8 text without a byte-order mark (Windows-made manifests and deps.json files carry one). */
export function textOf(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** One line of at most 200 characters: parser messages may quote (hostile) input at length. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200).replace(/\s+/g, " ").trim();
}

/** Strings of an unknown JSON value, for licence and dependency fields of uncertain shape. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function stringOr(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value.trim() : fallback;
}

/** Keys of an object-valued field (`dependencies`, `require`), filtered and deduplicated in order. */
export function keysOf(value: unknown, keep: (name: string) => boolean = () => true): string[] {
  if (!isRecord(value)) return [];
  return Object.keys(value).filter(keep);
}
