import { z } from "zod";
import { CoreError, digestOf, isDigestAlgorithm, parseDigest } from "../core/index.js";
import type { Descriptor, Platform } from "./descriptor.js";
import { isValidMediaType } from "./media-types.js";

/**
 * zod schemas for descriptors and the four manifest formats. They check field types and grammars only;
 * choosing the media type and refusing ambiguous documents is manifest.ts's job.
 *
 * Every object schema also refuses keys that differ from a known field only in letter case
 * ("Digest", "LAYERS"): Go's encoding/json, which most registry clients use, matches keys
 * case-insensitively, so such a key would make a Go client read different content than we validated.
 */

type IssueInput = { input?: unknown };

/** An error map saying "is required" for a missing value and "must be <kind>" for a wrong type. */
function expected(kind: string): (issue: IssueInput) => string {
  return (issue) => (issue.input === undefined ? "is required" : `must be ${kind}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Go's encoding/json key folding, near enough: also folds ſ→s and the Kelvin sign K→k. */
function foldKey(key: string): string {
  return key.toUpperCase().toLowerCase();
}

/**
 * A finder for the keys of an object that equal one of `known` only case-insensitively; each hit comes
 * with the field it shadows.
 */
export function caseVariantFinder(
  known: readonly string[],
): (value: Record<string, unknown>) => [string, string][] {
  const folded = new Map(known.map((key) => [foldKey(key), key]));
  return (value) => {
    const found: [string, string][] = [];
    for (const key of Object.keys(value)) {
      const field = folded.get(foldKey(key));
      if (field !== undefined && field !== key) found.push([key, field]);
    }
    return found;
  };
}

export function caseVariantMessage(field: string): string {
  return `differs from the field "${field}" only in letter case; refusing the ambiguous key`;
}

/** Wraps an object schema so case variants of its keys are reported (see the note at the top). */
function caseStrict<T extends z.ZodObject>(schema: T) {
  const findCaseVariants = caseVariantFinder(Object.keys(schema.shape));
  return z.preprocess((value, ctx) => {
    if (isRecord(value)) {
      for (const [key, field] of findCaseVariants(value)) {
        ctx.addIssue({ code: "custom", path: [key], message: caseVariantMessage(field), input: value });
      }
    }
    return value;
  }, schema);
}

const stringSchema = z.string({ error: expected("a string") });
const stringArraySchema = z.array(stringSchema, { error: expected("an array of strings") });

const mediaTypeSchema = stringSchema.refine(isValidMediaType, {
  message: "must be a media type of the form type/subtype (RFC 6838)",
});

const digestSchema = stringSchema.superRefine((value, ctx) => {
  try {
    parseDigest(value);
  } catch (err) {
    const unsupported = err instanceof CoreError && err.code === "DIGEST_UNSUPPORTED";
    ctx.addIssue({
      code: "custom",
      message: unsupported ? err.message : `invalid digest ${JSON.stringify(value.slice(0, 80))}`,
    });
  }
});

const sizeSchema = z
  .number({ error: expected("a number") })
  .refine((n) => Number.isSafeInteger(n) && n >= 0, {
    message: "must be a non-negative integer (at most 2^53-1)",
  });

/** A string→string map, copied so that even a "__proto__" key survives as plain data. */
const annotationsSchema = z.unknown().transform((value, ctx): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!isRecord(value)) {
    ctx.addIssue({ code: "custom", message: "must be an object of string values", input: value });
    return out;
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") {
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    } else {
      ctx.addIssue({ code: "custom", path: [key], message: "must be a string", input: item });
    }
  }
  return out;
});

const platformSchema: z.ZodType<Platform> = caseStrict(
  z.object(
    {
      architecture: stringSchema,
      os: stringSchema,
      "os.version": stringSchema.optional(),
      "os.features": stringArraySchema.optional(),
      variant: stringSchema.optional(),
      features: stringArraySchema.optional(),
    },
    { error: expected("an object") },
  ),
);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const descriptorSchema: z.ZodType<Descriptor> = caseStrict(
  z.object(
    {
      mediaType: mediaTypeSchema,
      digest: digestSchema,
      size: sizeSchema,
      urls: stringArraySchema.optional(),
      annotations: annotationsSchema.optional(),
      artifactType: mediaTypeSchema.optional(),
      platform: platformSchema.optional(),
      data: stringSchema.optional(),
    },
    { error: expected("an object") },
  ),
).superRefine((descriptor, ctx) => {
  // Embedded data must be the content the descriptor points at (descriptor.md#embedded-content).
  if (descriptor.data === undefined) return;
  if (!BASE64.test(descriptor.data)) {
    ctx.addIssue({ code: "custom", path: ["data"], message: "must be standard base64 (RFC 4648)" });
    return;
  }
  const bytes = Buffer.from(descriptor.data, "base64");
  const algorithm = descriptor.digest.slice(0, descriptor.digest.indexOf(":"));
  if (bytes.length !== descriptor.size) {
    const message = `decodes to ${bytes.length} bytes but size is ${descriptor.size}`;
    ctx.addIssue({ code: "custom", path: ["data"], message });
  } else if (isDigestAlgorithm(algorithm) && digestOf(bytes, algorithm) !== descriptor.digest) {
    ctx.addIssue({ code: "custom", path: ["data"], message: "does not match the descriptor's digest" });
  }
});

const descriptorsSchema = z.array(descriptorSchema, { error: expected("an array") });

/** Fields shared by every manifest format, for the top-level case check. */
export const MANIFEST_FIELDS = [
  "schemaVersion",
  "mediaType",
  "artifactType",
  "config",
  "layers",
  "manifests",
  "subject",
  "annotations",
] as const;

export const ociImageManifestSchema = z.object({
  artifactType: mediaTypeSchema.optional(),
  config: descriptorSchema,
  layers: descriptorsSchema,
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});

export const dockerImageManifestSchema = z.object({ config: descriptorSchema, layers: descriptorsSchema });

export const ociIndexSchema = z.object({
  artifactType: mediaTypeSchema.optional(),
  manifests: descriptorsSchema,
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});

export const dockerManifestListSchema = z.object({ manifests: descriptorsSchema });

export interface Problem {
  path: string;
  message: string;
}

/** `layers[2].digest`, `annotations["org.opencontainers.image.title"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

export function toProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
