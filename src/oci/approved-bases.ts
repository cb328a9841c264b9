import { matchGlob } from "../core/index.js";
import { type ImageReference, parseImageReference } from "./reference.js";

/**
 * The organisation's approved base images, shared by the Dockerfile linter (FROM lines), the
 * scanner's standards (an image's recorded base) and the policy engine. An entry names a repository
 * (normalised as docker does: `debian` is `docker.io/library/debian`) and optionally the tags (globs)
 * and digests allowed; an entry with neither allows every version of that repository.
 */
export interface ApprovedBase {
  readonly name: string;
  readonly tags?: readonly string[];
  readonly digests?: readonly string[];
}

export type ApprovedBaseVerdict =
  | { readonly approved: true; readonly entry: ApprovedBase }
  | {
      readonly approved: false;
      readonly reason: "not-listed" | "version-not-allowed";
      readonly message: string;
    };

/** `registry/repository` of a name, or undefined when it does not parse. */
export function normalisedRepository(name: string): string | undefined {
  try {
    const ref = parseImageReference(name);
    return `${ref.registry}/${ref.repository}`;
  } catch {
    return undefined;
  }
}

/** Whether `entry` (for the same repository) allows the tag or digest of `ref`. */
function entryAllows(entry: ApprovedBase, ref: ImageReference): boolean {
  const tags = entry.tags ?? [];
  const digests = entry.digests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  if (ref.digest !== undefined && digests.includes(ref.digest)) return true;
  const tag = ref.tag ?? (ref.digest === undefined ? "latest" : undefined);
  // Tag globs (`*` any run, `?` one character) in linear time: a tag is attacker-chosen text.
  return tag !== undefined && tags.some((glob) => matchGlob(glob, tag));
}

/** Checks a parsed reference against the approved list; the message quotes `shown` (as written). */
export function checkApprovedBase(
  ref: ImageReference,
  approved: readonly ApprovedBase[],
  shown: string,
): ApprovedBaseVerdict {
  const name = `${ref.registry}/${ref.repository}`;
  const entries = approved.filter((entry) => normalisedRepository(entry.name) === name);
  if (entries.length === 0) {
    return {
      approved: false,
      reason: "not-listed",
      message: `base image "${shown}" is not on the approved list`,
    };
  }
  const allowing = entries.find((entry) => entryAllows(entry, ref));
  if (allowing !== undefined) return { approved: true, entry: allowing };
  const version = ref.digest ?? ref.tag ?? "latest";
  const allowed = entries.flatMap((e) => [...(e.tags ?? []), ...(e.digests ?? [])]).join(", ");
  return {
    approved: false,
    reason: "version-not-allowed",
    message: `base image "${shown}" is approved, but not at "${version}" (allowed: ${allowed})`,
  };
}
