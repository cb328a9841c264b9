import type { NoteKind } from "./model.js";

/**
 * Names of Grafeas projects, notes and occurrences as Portcullis draws them.
 *
 * - A Grafeas project is a Portcullis project (the first path component of a repository): an image's
 *   occurrences live in its repository's project, and reading them needs that project's permissions.
 * - Notes Portcullis derives live in two reserved projects no repository can write to:
 *   `portcullis` (one note per kind of analysis: `scan`, `sbom`, `provenance`, `signature`,
 *   `attestation`, `admission`, `base-image`) and `portcullis-advisories` (one VULNERABILITY note
 *   per advisory id, `CVE-2024-1234`, `GHSA-...`).
 * - A derived occurrence's id starts with `pc-` and encodes what it was derived from (kind,
 *   repository, digest, key), so a GET can derive it again; outside occurrences have random ids.
 */
export const ANALYSIS_PROJECT = "portcullis";
export const ADVISORY_PROJECT = "portcullis-advisories";
export const RESERVED_PROJECTS: ReadonlySet<string> = new Set([ANALYSIS_PROJECT, ADVISORY_PROJECT]);

export const ANALYSIS_NOTES = {
  scan: "DISCOVERY",
  sbom: "PACKAGE",
  provenance: "BUILD",
  signature: "ATTESTATION",
  attestation: "ATTESTATION",
  admission: "DEPLOYMENT",
  "base-image": "IMAGE",
} as const satisfies Record<string, NoteKind>;
export type AnalysisNote = keyof typeof ANALYSIS_NOTES;

/** Project and note ids: what Grafeas and our project names allow, no slash, at most 256 characters. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:~-]{0,255}$/;

export function isGrafeasId(id: string): boolean {
  return ID.test(id);
}

export function noteName(project: string, id: string): string {
  return `projects/${project}/notes/${id}`;
}

export function occurrenceName(project: string, id: string): string {
  return `projects/${project}/occurrences/${id}`;
}

/** `projects/P/notes/N` as its parts, or undefined when it is not one. */
export function parseNoteName(name: string): { project: string; id: string } | undefined {
  const m = /^projects\/([^/]+)\/notes\/([^/]+)$/.exec(name);
  if (!m || !isGrafeasId(m[1]!) || !isGrafeasId(m[2]!)) return undefined;
  return { project: m[1]!, id: m[2]! };
}

/** The id of an advisory's note (a CVE, GHSA, OSV id), made safe for a name. */
export function advisoryNoteId(advisory: string): string {
  const id = advisory.replace(/[^A-Za-z0-9._:~-]/g, "_").slice(0, 256);
  return isGrafeasId(id) ? id : `_${id}`.slice(0, 256);
}

export interface ImageResource {
  readonly host: string;
  readonly repository: string;
  readonly digest: string;
}

export function resourceUri(image: ImageResource): string {
  return `https://${image.host}/${image.repository}@${image.digest}`;
}

/** `https://HOST/REPOSITORY@sha256:HEX` as its parts, or undefined when it does not name an image by digest. */
export function parseResourceUri(uri: string): ImageResource | undefined {
  const m =
    /^https:\/\/([^/@\s]+)\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/.exec(
      uri,
    );
  if (!m) return undefined;
  return { host: m[1]!, repository: m[2]!, digest: m[3]! };
}

/** The Portcullis project of a repository: its first path component. */
export function projectOfRepository(repository: string): string {
  const slash = repository.indexOf("/");
  return slash === -1 ? repository : repository.slice(0, slash);
}

export interface DerivedKey {
  readonly kind: NoteKind;
  readonly repository: string;
  readonly digest: string;
  /** What tells occurrences of one kind on one image apart (an advisory and package, a signature digest). */
  readonly key: string;
}

const DERIVED = "pc-";

export function derivedOccurrenceId(key: DerivedKey): string {
  const json = JSON.stringify([key.kind, key.repository, key.digest, key.key]);
  return `${DERIVED}${Buffer.from(json, "utf8").toString("base64url")}`;
}

/** The derivation a `pc-` id names, or undefined for any other id (an outside occurrence's). */
export function parseDerivedOccurrenceId(id: string): DerivedKey | undefined {
  if (!id.startsWith(DERIVED) || id.length > 4096) return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(id.slice(DERIVED.length), "base64url").toString("utf8"));
    if (!Array.isArray(parts) || parts.length !== 4 || !parts.every((p) => typeof p === "string"))
      return undefined;
    const [kind, repository, digest, key] = parts as string[];
    return { kind: kind as NoteKind, repository: repository!, digest: digest!, key: key! };
  } catch {
    return undefined;
  }
}
