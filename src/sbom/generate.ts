import {
  type FileConsumer,
  type OpenedImage,
  type SquashedFileSystem,
  type WalkLimits,
  type WalkProgress,
  walkImage,
} from "../oci/index.js";
import type { CatalogContext, Cataloger, FileResolver } from "./catalogers/cataloger.js";
import { CATALOGERS } from "./catalogers/list.js";
import {
  dropsData,
  type IncompleteReason,
  MAX_INCOMPLETE_REASONS,
  type SbomWarningCode,
} from "./completeness.js";
import { detectDistro, distroFileSelector } from "./distro/index.js";
import { PORTCULLIS_TOOL_NAME, type SbomDocument, type SbomSubject } from "./formats/document.js";
import { mergePackages } from "./merge.js";
import type { Distro, Package } from "./model.js";

export interface GenerateSbomOptions {
  /** Catalogers to run; default every one in CATALOGERS. */
  readonly catalogers?: readonly Cataloger[];
  /** The name to record for the subject (the reference or path as the user typed it). */
  readonly name?: string;
  readonly limits?: Partial<WalkLimits>;
  readonly onProgress?: (progress: WalkProgress) => void;
  /**
   * Every warning (hostile layer entries, malformed package databases) as it happens, with its code;
   * the ones that drop data are also in the document's `incomplete`.
   */
  readonly warn?: SbomWarn;
  readonly toolVersion?: string;
  readonly now?: () => Date;
}

export type SbomWarn = (message: string, code?: SbomWarningCode) => void;

/** A resolver over one consumer's view of the squashed file system. */
function resolverFor(fs: SquashedFileSystem, consumer: number): FileResolver {
  return {
    info: (path) => fs.stat(path),
    read: (path) => fs.content(path, consumer),
    selected: () => fs.selected(consumer),
    realPath: (path) => fs.realPath(path),
  };
}

/**
 * Catalogues a squashed file system: detects the operating system from consumer 0's files, then runs
 * each cataloger over its own consumer (index + 1). Exposed for tests and for `dir:` sources.
 */
export async function catalogFileSystem(
  fs: SquashedFileSystem,
  catalogers: readonly Cataloger[],
  warn: SbomWarn,
  maxFileBytes?: number,
): Promise<{ distro?: Distro; packages: Package[] }> {
  const distro = detectDistro(resolverFor(fs, 0));
  const found: Package[] = [];
  for (const [index, cataloger] of catalogers.entries()) {
    const context: CatalogContext = {
      ...(distro ? { distro } : {}),
      // Catalogers name themselves in their messages ("dpkg: /var/lib/dpkg/status: ...").
      warn,
      ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
    };
    try {
      found.push(...(await cataloger.catalog(resolverFor(fs, index + 1), context)));
    } catch (err) {
      // A cataloger must not throw; if one does, the others' packages still count.
      warn(`${cataloger.name}: cataloger failed: ${(err as Error).message}`, "CATALOGER_FAILED");
    }
  }
  return { ...(distro ? { distro } : {}), packages: mergePackages(found) };
}

/** The consumers the walker feeds: the distro files first, then one per cataloger. */
export function consumersFor(catalogers: readonly Cataloger[]): FileConsumer[] {
  return [
    { select: distroFileSelector },
    ...catalogers.map((c) => ({
      select: (file: Parameters<Cataloger["wants"]>[0]) => c.wants(file),
      ...(c.reduce ? { reduce: c.reduce } : {}),
      ...(c.byContent ? { byContent: true } : {}),
    })),
  ];
}

/**
 * Generates the SBOM of an opened image or directory: reads every layer once, keeps only the files
 * catalogers asked for, and returns the format-neutral document the CycloneDX and SPDX writers render.
 */
export async function generateSbom(
  image: OpenedImage,
  options: GenerateSbomOptions = {},
): Promise<SbomDocument> {
  const catalogers = options.catalogers ?? CATALOGERS;
  const incomplete: IncompleteReason[] = [];
  const warn: SbomWarn = (message, code) => {
    if (dropsData(code) && incomplete.length < MAX_INCOMPLETE_REASONS)
      incomplete.push({ code: code!, message });
    options.warn?.(message, code);
  };
  const fs = await walkImage(image, {
    consumers: consumersFor(catalogers),
    warn,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const { distro, packages } = await catalogFileSystem(fs, catalogers, warn, options.limits?.maxFileBytes);
  return {
    subject: subjectOf(image, options.name),
    ...(distro ? { distro } : {}),
    packages,
    createdAt: (options.now ?? (() => new Date()))(),
    tool: { name: PORTCULLIS_TOOL_NAME, version: options.toolVersion ?? "dev" },
    ...(incomplete.length > 0 ? { incomplete } : {}),
  };
}

function subjectOf(image: OpenedImage, name: string | undefined): SbomSubject {
  if (image.kind === "directory") return { kind: "directory", name: name ?? image.root };
  const labels = image.config.parsed.config?.Labels;
  return {
    kind: "image",
    name: name ?? image.reference ?? image.description,
    digest: image.digest,
    ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
    ...(image.platform ? { platform: image.platform } : {}),
    ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    layers: image.layers.map((layer, index) => ({ index, digest: layer.digest, size: layer.size })),
  };
}
