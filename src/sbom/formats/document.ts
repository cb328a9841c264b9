import type { Platform } from "../../oci/index.js";
import type { IncompleteReason } from "../completeness.js";
import type { Distro, Package } from "../model.js";

/**
 * The format-neutral SBOM: what was scanned, the operating system, the packages, when and by what.
 * The CycloneDX and SPDX writers render it; the readers turn either format (ours, Trivy's, syft's)
 * back into it, so `portcullis scan --sbom FILE` works on any of them.
 */

export type SubjectKind = "image" | "directory" | "archive";

/** One layer of an image, in manifest order (index 0 is the base layer). */
export interface SubjectLayer {
  index: number;
  digest: string;
  size: number;
}

export interface SbomSubject {
  kind: SubjectKind;
  /** The image reference or the path, exactly as the user gave it. */
  name: string;
  /** The image manifest digest. */
  digest?: string;
  /** The digest of the index the manifest was chosen from, when the reference named an index. */
  indexDigest?: string;
  platform?: Platform;
  /** Image config labels. */
  labels?: Record<string, string>;
  layers?: SubjectLayer[];
}

export interface SbomTool {
  /** "portcullis" for documents we write; the producing tool's name for documents we read. */
  name: string;
  version: string;
}

export interface SbomDocument {
  subject: SbomSubject;
  distro?: Distro;
  packages: Package[];
  createdAt: Date;
  tool: SbomTool;
  /**
   * Present when packages may be missing: a limit was reached or a package database was unreadable
   * (completeness.ts). Written as `portcullis:incomplete:N:code|message` properties (CycloneDX) or
   * annotations (SPDX) of the subject, and read back, so a stored SBOM matched again stays incomplete.
   */
  incomplete?: IncompleteReason[];
}

/** The tool name our writers put in every document. */
export const PORTCULLIS_TOOL_NAME = "portcullis";
