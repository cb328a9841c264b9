import type { z } from "zod";
import type { Descriptor } from "./descriptor.js";
import { OciError, quote } from "./errors.js";
import {
  isDockerSchema1MediaType,
  isManifestMediaType,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "./media-types.js";
import {
  caseVariantFinder,
  caseVariantMessage,
  dockerImageManifestSchema,
  dockerManifestListSchema,
  MANIFEST_FIELDS,
  ociImageManifestSchema,
  ociIndexSchema,
  type Problem,
  toProblems,
} from "./schema.js";

/**
 * Image manifests and indexes (OCI Image Spec 1.1 manifest.md and image-index.md; Docker image
 * manifest schema 2 and manifest lists). Docker schema 1 is refused.
 */

export interface ParsedManifest {
  mediaType: string;
  kind: "image" | "index";
  schemaVersion: 2;
  /** Image manifests only. */
  config?: Descriptor;
  /** Image manifests only; may be empty (artifacts). */
  layers: Descriptor[];
  /** Indexes only. */
  manifests: Descriptor[];
  /** OCI only: the manifest this one refers to (referrers API). */
  subject?: Descriptor;
  /** OCI only. */
  artifactType?: string;
  /** OCI only; empty when absent. */
  annotations: Record<string, string>;
}

/** Content-Types that say nothing about which manifest format a body is. */
const UNSPECIFIED_CONTENT_TYPES: ReadonlySet<string> = new Set([
  "",
  "application/json",
  "application/octet-stream",
]);

const findManifestCaseVariants = caseVariantFinder(MANIFEST_FIELDS);

function invalid(message: string, options: { cause?: unknown; problems?: Problem[] } = {}): OciError {
  const detail = options.problems === undefined ? undefined : { problems: options.problems };
  return new OciError("MANIFEST_INVALID", `invalid manifest: ${message}`, { cause: options.cause, detail });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field that counts as set: not absent, not null, not an empty array. */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function decode(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // Keep a byte-order mark so JSON.parse refuses it, as Go's encoding/json does.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw invalid("not valid UTF-8", { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? `: ${err.message.slice(0, 200)}` : "";
    throw invalid(`not valid JSON${reason}`, { cause: err });
  }
  if (!isRecord(doc)) throw invalid("must be a JSON object");
  return doc;
}

/** The media type part of a Content-Type header, lowercased; undefined when it names no format. */
function contentTypeMediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const mediaType = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return UNSPECIFIED_CONTENT_TYPES.has(mediaType) ? undefined : mediaType;
}

function determineMediaType(doc: Record<string, unknown>, contentType: string | undefined): string {
  const field = doc.mediaType;
  if (field !== undefined && typeof field !== "string") throw invalid("mediaType: must be a string");
  const header = contentTypeMediaType(contentType);
  if (field !== undefined && header !== undefined && field !== header) {
    throw invalid(`mediaType ${quote(field)} does not match the Content-Type ${quote(header)}`);
  }
  const declared = field ?? header;
  if (declared !== undefined) return declared;
  const looksLikeIndex = Array.isArray(doc.manifests);
  const looksLikeImage = doc.config !== undefined && doc.layers !== undefined;
  if (looksLikeIndex && !looksLikeImage) return MEDIA_TYPE_OCI_INDEX;
  if (looksLikeImage && !looksLikeIndex) return MEDIA_TYPE_OCI_MANIFEST;
  const untyped = "no mediaType field and no Content-Type";
  throw invalid(
    looksLikeIndex
      ? `cannot tell an image manifest from an index: ${untyped}, and both manifests and config/layers are present`
      : `cannot determine the media type: ${untyped}, and neither a manifests array nor config and layers`,
  );
}

function validate<T>(schema: z.ZodType<T>, doc: Record<string, unknown>): T {
  const result = schema.safeParse(doc);
  if (result.success) return result.data;
  const problems = toProblems(result.error);
  const first = problems[0];
  const summary =
    first === undefined ? "invalid" : `${first.path === "" ? "" : `${first.path}: `}${first.message}`;
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
  throw invalid(`${summary}${more}`, { problems });
}

/**
 * Parses and validates a manifest as pushed or fetched. The media type is the document's `mediaType`
 * field, else the Content-Type it came with (ignoring an uninformative application/json or
 * application/octet-stream), else inferred from its shape; field and Content-Type must agree when both
 * are given. Throws OciError MANIFEST_INVALID with a message naming the offending field.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  const doc = decode(bytes);

  const variant = findManifestCaseVariants(doc)[0];
  if (variant !== undefined) {
    throw invalid(`${JSON.stringify(variant[0])}: ${caseVariantMessage(variant[1])}`);
  }

  const field = typeof doc.mediaType === "string" ? doc.mediaType : "";
  const header = contentTypeMediaType(contentType) ?? "";
  if (
    doc.schemaVersion === 1 ||
    "fsLayers" in doc ||
    isDockerSchema1MediaType(field) ||
    isDockerSchema1MediaType(header)
  ) {
    throw invalid("Docker schema 1 manifests are not supported; push the image as Docker schema 2 or OCI");
  }
  if (doc.schemaVersion !== 2) {
    throw invalid(
      doc.schemaVersion === undefined ? "schemaVersion: is required (must be 2)" : "schemaVersion: must be 2",
    );
  }

  const mediaType = determineMediaType(doc, contentType);
  if (!isManifestMediaType(mediaType)) throw invalid(`unsupported manifest media type ${quote(mediaType)}`);

  // Refuse documents that read as both kinds (CVE-2021-41190): clients that look at the fields rather
  // than the media type would see different content.
  if (mediaType === MEDIA_TYPE_OCI_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST) {
    if (isSet(doc.manifests)) throw invalid(`manifests: not allowed in an image manifest (${mediaType})`);
  } else {
    for (const key of ["config", "layers"] as const) {
      if (isSet(doc[key])) throw invalid(`${key}: not allowed in an index (${mediaType})`);
    }
  }

  const base = { mediaType, schemaVersion: 2 as const };
  switch (mediaType) {
    case MEDIA_TYPE_OCI_MANIFEST: {
      const m = validate(ociImageManifestSchema, doc);
      return withOptional(
        {
          ...base,
          kind: "image",
          config: m.config,
          layers: m.layers,
          manifests: [],
          annotations: m.annotations ?? {},
        },
        m,
      );
    }
    case MEDIA_TYPE_DOCKER_MANIFEST: {
      const m = validate(dockerImageManifestSchema, doc);
      return { ...base, kind: "image", config: m.config, layers: m.layers, manifests: [], annotations: {} };
    }
    case MEDIA_TYPE_OCI_INDEX: {
      const m = validate(ociIndexSchema, doc);
      return withOptional(
        { ...base, kind: "index", layers: [], manifests: m.manifests, annotations: m.annotations ?? {} },
        m,
      );
    }
    case MEDIA_TYPE_DOCKER_MANIFEST_LIST: {
      const m = validate(dockerManifestListSchema, doc);
      return { ...base, kind: "index", layers: [], manifests: m.manifests, annotations: {} };
    }
  }
}

/** Adds `subject` and `artifactType` only when present, so absent fields stay absent. */
function withOptional(
  parsed: ParsedManifest,
  from: { subject?: Descriptor | undefined; artifactType?: string | undefined },
): ParsedManifest {
  if (from.subject !== undefined) parsed.subject = from.subject;
  if (from.artifactType !== undefined) parsed.artifactType = from.artifactType;
  return parsed;
}

/**
 * The artifactType the referrers API reports for this manifest (distribution-spec 1.1): its own
 * `artifactType`, else for an image manifest its config's mediaType, else (an index) none.
 */
export function manifestArtifactType(parsed: ParsedManifest): string | undefined {
  if (parsed.artifactType !== undefined) return parsed.artifactType;
  return parsed.kind === "image" ? parsed.config?.mediaType : undefined;
}

/** Blobs an image manifest points at: its config, then its layers. None for an index. */
export function referencedBlobs(parsed: ParsedManifest): Descriptor[] {
  if (parsed.kind !== "image") return [];
  return parsed.config === undefined ? [...parsed.layers] : [parsed.config, ...parsed.layers];
}

/** Child manifests of an index. None for an image manifest. */
export function referencedManifests(parsed: ParsedManifest): Descriptor[] {
  return parsed.kind === "index" ? [...parsed.manifests] : [];
}
