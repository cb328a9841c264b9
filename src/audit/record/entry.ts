import { AuditError } from "../errors.js";
import { merkleLeafHash } from "../merkle/index.js";

/** What the one record holds: every event Portcullis sees or takes part in (issue 15). */
export const RECORD_KINDS = [
  "image.pushed",
  "image.pulled",
  "image.deleted",
  "tag.moved",
  "image.signed",
  "image.attested",
  "image.scanned",
  "gate.decision",
  "access",
  "build.provenance",
  "occurrence.created",
  "k8s.audit",
  "runtime.alert",
  // Retention removed the entries below `payload.before` (their leaf hashes stay in the tree).
  "record.pruned",
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** One event to append. Everything but kind/summary/payload is an indexed column for lookups. */
export interface RecordEventInput {
  readonly kind: RecordKind;
  /** When it happened (epoch ms); defaults to the time of appending. Ingested events pass their own. */
  readonly at?: number;
  /** The user, robot, workload or Kubernetes user that did it. */
  readonly actor?: string;
  /** The image digest it concerns (sha256:...). */
  readonly digest?: string;
  /** project/repo */
  readonly repository?: string;
  /** Kubernetes namespace. */
  readonly namespace?: string;
  /** Kubernetes pod name. */
  readonly pod?: string;
  /** Runtime container id (full or 12-character short, stored as given, lowercase). */
  readonly containerId?: string;
  /** One human-readable line. */
  readonly summary: string;
  /** Normalised detail, bounded (MAX_PAYLOAD_BYTES of canonical JSON). */
  readonly payload: JsonValue;
}

/** A stored event: its leaf number in the tree, its time, and the hex RFC 9162 hash of its leaf. */
export interface RecordEntry extends RecordEventInput {
  readonly index: number;
  readonly at: number;
  readonly leafHash: string;
}

export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_SUMMARY_CHARS = 1024;
const MAX_FIELD_CHARS = 512;

/** The indexed fields besides kind and at, in the order the leaf encodes them. */
export const INDEXED_FIELDS = ["actor", "digest", "repository", "namespace", "pod", "containerId"] as const;

/**
 * JSON with object members sorted by key (UTF-16 code units, as RFC 8785 orders them) and no
 * whitespace; numbers as ECMAScript writes them, which RFC 8785 adopts. Refuses what JSON cannot hold
 * (non-finite numbers, undefined, functions) rather than writing what would not read back the same.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalid(`${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${members.join(",")}}`;
  }
  throw invalid(`a ${typeof value} is not a JSON value`);
}

/**
 * The leaf of an event: canonical JSON of a versioned object holding every field. Its position is not
 * part of it (the tree orders leaves); its time is. The RFC 9162 leaf hash is taken over these bytes.
 */
export function encodeLeaf(event: RecordEventInput & { readonly at: number }): string {
  const leaf: Record<string, JsonValue> = { v: 1, at: event.at, kind: event.kind };
  for (const field of INDEXED_FIELDS) {
    const value = event[field];
    if (value !== undefined) leaf[field] = value;
  }
  leaf.summary = event.summary;
  leaf.payload = event.payload;
  return canonicalJson(leaf);
}

export function leafHashOf(leaf: string): Uint8Array {
  return merkleLeafHash(Buffer.from(leaf, "utf8"));
}

/** Checks an event before anything is stored; the caller gets AuditError INVALID_ARGUMENT. */
export function checkEvent(event: RecordEventInput, now: number): RecordEventInput & { at: number } {
  const at = event.at ?? now;
  checkFields(event, at);
  return { ...event, at };
}

function checkFields(event: RecordEventInput, at: number): void {
  if (!RECORD_KINDS.includes(event.kind)) throw invalid(`unknown record kind ${JSON.stringify(event.kind)}`);
  if (!Number.isSafeInteger(at) || at < 0) throw invalid(`at must be epoch milliseconds, not ${at}`);
  if (typeof event.summary !== "string" || event.summary.length === 0) throw invalid("summary is required");
  if (event.summary.length > MAX_SUMMARY_CHARS || /[\r\n]/.test(event.summary)) {
    throw invalid(`summary is one line of at most ${MAX_SUMMARY_CHARS} characters`);
  }
  for (const field of INDEXED_FIELDS) {
    const value = event[field];
    if (value === undefined) continue;
    if (typeof value !== "string" || value.length === 0 || value.length > MAX_FIELD_CHARS) {
      throw invalid(`${field} is a non-empty string of at most ${MAX_FIELD_CHARS} characters`);
    }
  }
  if (event.containerId !== undefined && event.containerId !== event.containerId.toLowerCase()) {
    throw invalid("containerId is lowercase");
  }
  if (event.payload === undefined) throw invalid("payload is required (null for none)");
}

/** Reads a stored leaf back into the event it encodes (throws on a leaf that is not one). */
export function decodeLeaf(leaf: string): RecordEventInput & { at: number } {
  const parsed = JSON.parse(leaf) as Record<string, unknown>;
  if (parsed === null || typeof parsed !== "object" || parsed.v !== 1) throw invalid("not a version 1 leaf");
  const event: Record<string, unknown> = {
    kind: parsed.kind,
    at: parsed.at,
    summary: parsed.summary,
    payload: parsed.payload,
  };
  for (const field of INDEXED_FIELDS) if (parsed[field] !== undefined) event[field] = parsed[field];
  // Checked in place, not copied: a timeline decodes ten thousand leaves at once.
  const checked = event as unknown as RecordEventInput & { at: number };
  checkFields(checked, checked.at);
  return checked;
}

function invalid(message: string): AuditError {
  return new AuditError("INVALID_ARGUMENT", message);
}
