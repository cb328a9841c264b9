import { GrafeasError } from "./errors.js";
import { NOTE_KINDS, type NoteKind } from "./model.js";

/**
 * The subset of Grafeas's list filter Portcullis answers: equality terms joined by AND, on
 * `resourceUri` (and its older spelling `resourceUrl`), `kind` and `noteName`:
 *
 *   resourceUri="https://reg/team/app@sha256:..." AND kind="VULNERABILITY"
 *
 * Anything else (OR, NOT, other fields, functions, comparisons) is refused, never ignored: a filter
 * read wider than written would hand back occurrences the caller did not ask for.
 */
export interface OccurrenceFilter {
  readonly resourceUri?: string;
  readonly kind?: NoteKind;
  readonly noteName?: string;
}

const TERM = /^\s*([A-Za-z_]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*/;
const AND = /^AND\s+/;
const MAX_FILTER = 4096;

export function parseFilter(text: string | undefined): OccurrenceFilter {
  if (text === undefined || text.trim() === "") return {};
  if (text.length > MAX_FILTER) throw new GrafeasError(`filter: longer than ${MAX_FILTER} characters`);
  const out: { resourceUri?: string; kind?: NoteKind; noteName?: string } = {};
  let rest = text.trim();
  for (;;) {
    const m = TERM.exec(rest);
    if (!m) throw new GrafeasError(`filter: expected field="value" at "${rest.slice(0, 40)}"`);
    const value = m[2]!.replace(/\\(.)/g, "$1");
    const field = m[1]!;
    const set = (key: "resourceUri" | "noteName", v: string) => {
      if (out[key] !== undefined && out[key] !== v) throw new GrafeasError(`filter: ${key} given twice`);
      out[key] = v;
    };
    if (field === "resourceUri" || field === "resourceUrl") set("resourceUri", value);
    else if (field === "noteName") set("noteName", value);
    else if (field === "kind") {
      if (!(NOTE_KINDS as readonly string[]).includes(value))
        throw new GrafeasError(`filter: kind must be one of ${NOTE_KINDS.join(", ")}`);
      if (out.kind !== undefined && out.kind !== value) throw new GrafeasError("filter: kind given twice");
      out.kind = value as NoteKind;
    } else {
      throw new GrafeasError(`filter: unsupported field "${field}" (resourceUri, kind and noteName are)`);
    }
    rest = rest.slice(m[0].length);
    if (rest === "") return out;
    const and = AND.exec(rest);
    if (!and) throw new GrafeasError(`filter: only AND joins terms (at "${rest.slice(0, 40)}")`);
    rest = rest.slice(and[0].length);
  }
}

export function matchesFilter(
  occurrence: { resourceUri: string; kind: string; noteName: string },
  filter: OccurrenceFilter,
): boolean {
  return (
    (filter.resourceUri === undefined || occurrence.resourceUri === filter.resourceUri) &&
    (filter.kind === undefined || occurrence.kind === filter.kind) &&
    (filter.noteName === undefined || occurrence.noteName === filter.noteName)
  );
}
