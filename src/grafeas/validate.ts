import { GrafeasError } from "./errors.js";
import { KIND_FIELD, NOTE_KINDS, type NoteKind } from "./model.js";
import { type ImageResource, parseNoteName, parseResourceUri } from "./names.js";

/** A malformed occurrence or note from outside: 400 INVALID_ARGUMENT, nothing stored. */

/** The bytes of one kind's detail object, as JSON: outside data is kept, so it is bounded. */
export const MAX_DETAIL_BYTES = 64 * 1024;
const MAX_REMEDIATION = 4096;
/** Output-only fields a client may echo back (a read occurrence re-posted); ignored, as Grafeas does. */
const OUTPUT_ONLY = new Set(["name", "createTime", "updateTime"]);
const DETAIL_FIELDS = new Set(Object.values(KIND_FIELD));

export interface OccurrenceInput {
  readonly resource: ImageResource;
  readonly resourceUri: string;
  readonly noteName: string;
  readonly noteProject: string;
  readonly kind: NoteKind;
  readonly remediation?: string;
  /** The kind's detail object, as sent. */
  readonly detail: Readonly<Record<string, unknown>>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown, where: string): NoteKind {
  if (typeof value !== "string" || !(NOTE_KINDS as readonly string[]).includes(value))
    throw new GrafeasError(`${where}kind: one of ${NOTE_KINDS.join(", ")}`);
  return value as NoteKind;
}

/** The kind's detail object: present, an object, bounded; no other kind's details beside it. */
function detailOf(body: Record<string, unknown>, kind: NoteKind, where: string): Record<string, unknown> {
  const field = KIND_FIELD[kind];
  for (const key of Object.keys(body)) {
    if (DETAIL_FIELDS.has(key) && key !== field)
      throw new GrafeasError(`${where}${key}: a ${kind} carries only "${field}"`);
  }
  const detail = body[field];
  if (!isObject(detail)) throw new GrafeasError(`${where}${field}: required, an object, for kind ${kind}`);
  if (Buffer.byteLength(JSON.stringify(detail)) > MAX_DETAIL_BYTES)
    throw new GrafeasError(`${where}${field}: larger than ${MAX_DETAIL_BYTES} bytes`);
  return detail;
}

/**
 * Checks an occurrence a client posts (Grafeas v1 `Occurrence`, JSON names): resourceUri names an
 * image by digest, noteName is `projects/P/notes/N`, kind is a Grafeas kind and its detail object is
 * there. `where` prefixes messages (`occurrences[2].` in a batch). Unknown fields are refused.
 */
export function validateOccurrence(body: unknown, where = ""): OccurrenceInput {
  if (!isObject(body)) throw new GrafeasError(`${where || "body"}: an Occurrence object is required`);
  for (const key of Object.keys(body)) {
    if (
      !OUTPUT_ONLY.has(key) &&
      !DETAIL_FIELDS.has(key) &&
      !["resourceUri", "noteName", "kind", "remediation", "envelope"].includes(key)
    )
      throw new GrafeasError(`${where}${key}: not a field of Occurrence`);
  }
  const uri = body.resourceUri;
  const resource = typeof uri === "string" ? parseResourceUri(uri) : undefined;
  if (!resource)
    throw new GrafeasError(`${where}resourceUri: required, https://HOST/REPOSITORY@sha256:DIGEST`);
  const note = typeof body.noteName === "string" ? parseNoteName(body.noteName) : undefined;
  if (!note) throw new GrafeasError(`${where}noteName: required, projects/PROJECT/notes/NOTE`);
  const kind = kindOf(body.kind, where);
  const remediation = body.remediation;
  if (remediation !== undefined && (typeof remediation !== "string" || remediation.length > MAX_REMEDIATION))
    throw new GrafeasError(`${where}remediation: a string of at most ${MAX_REMEDIATION} characters`);
  if (body.envelope !== undefined)
    throw new GrafeasError(
      `${where}envelope: not accepted (DSSE envelopes are stored as attestations in the registry)`,
    );
  return {
    resource,
    resourceUri: uri as string,
    noteName: body.noteName as string,
    noteProject: note.project,
    kind,
    ...(remediation !== undefined ? { remediation } : {}),
    detail: detailOf(body, kind, where),
  };
}

export interface NoteInput {
  readonly kind: NoteKind;
  readonly shortDescription?: string;
  readonly longDescription?: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Checks a note a client posts: a kind, its detail object, optional descriptions. */
export function validateNote(body: unknown): NoteInput {
  if (!isObject(body)) throw new GrafeasError("body: a Note object is required");
  for (const key of Object.keys(body)) {
    if (
      !OUTPUT_ONLY.has(key) &&
      !DETAIL_FIELDS.has(key) &&
      !["kind", "shortDescription", "longDescription"].includes(key)
    )
      throw new GrafeasError(`${key}: not a field of Note that Portcullis stores`);
  }
  const kind = kindOf(body.kind, "");
  const text = (key: "shortDescription" | "longDescription", max: number): string | undefined => {
    const v = body[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.length > max)
      throw new GrafeasError(`${key}: a string of at most ${max} characters`);
    return v;
  };
  const short = text("shortDescription", 1024);
  const long = text("longDescription", 16 * 1024);
  return {
    kind,
    ...(short !== undefined ? { shortDescription: short } : {}),
    ...(long !== undefined ? { longDescription: long } : {}),
    detail: detailOf(body, kind, ""),
  };
}
