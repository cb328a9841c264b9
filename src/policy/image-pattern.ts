import { compileGlob, globWalk, type LinearPattern, matchGlob } from "../core/index.js";

/**
 * Image reference patterns for `allowlist`, `require.registries` and scan exceptions.
 *
 *   pattern := name [":" tag-glob] ["@" digest]
 *   name    := segment ("/" segment)*      matched against the normalised `registry/repository`
 *
 * In the name, `*` matches any run of characters within one path segment (so `127.0.0.1:*` matches any
 * port), `?` one character within a segment, and a segment that is exactly `**` matches one or more
 * whole segments (`registry.example.com/**` is every repository on that registry). A pattern whose
 * first segment does not look like a registry (no ".", ":", glob character, and not `localhost`) is
 * normalised as docker does for references: `nginx` is `docker.io/library/nginx`, `bitnami/*` is
 * `docker.io/bitnami/*`. The tag glob (`*`, `?`) must match the reference's tag; `:*` also matches a
 * reference without a tag, as does a pattern without a tag part. A digest part must equal the digest.
 */
export interface ImagePattern {
  readonly source: string;
  /** The normalised name's segments: a glob each, or "**" (one or more whole segments). */
  readonly name: readonly string[];
  readonly tag?: LinearPattern;
  readonly anyTag: boolean;
  readonly digest?: string;
}

export interface MatchableImage {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const ALLOWED = /^[A-Za-z0-9._\-/:*?@[\]]+$/;

function looksLikeRegistry(segment: string): boolean {
  return /[.:*?[]/.test(segment) || segment === "localhost";
}

/** Compiles a pattern, or returns why it is not one. */
export function compileImagePattern(pattern: string): ImagePattern | string {
  if (pattern === "") return "an image pattern must not be empty";
  if (!ALLOWED.test(pattern))
    return `image pattern ${JSON.stringify(pattern)} has characters no reference can hold`;
  let rest = pattern;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return `image pattern ${JSON.stringify(pattern)} has an invalid digest`;
  }
  let tagGlob: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/") && rest.includes("/")) {
    tagGlob = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tagGlob === "" || tagGlob.includes("/"))
      return `image pattern ${JSON.stringify(pattern)} has an empty tag`;
  }
  let segments = rest.split("/");
  if (segments.some((s) => s === ""))
    return `image pattern ${JSON.stringify(pattern)} has an empty path segment`;
  if (!looksLikeRegistry(segments[0]!)) {
    segments = segments.length === 1 ? ["docker.io", "library", ...segments] : ["docker.io", ...segments];
  } else if (segments[0] === "index.docker.io") {
    segments[0] = "docker.io";
  }
  for (const segment of segments) {
    if (segment !== "**" && segment.includes("**"))
      return `image pattern ${JSON.stringify(pattern)}: "**" must be a whole path segment`;
  }
  const compiled: ImagePattern = {
    source: pattern,
    name: segments,
    anyTag: tagGlob === undefined || tagGlob === "*",
    ...(tagGlob !== undefined && tagGlob !== "*" ? { tag: compileGlob(tagGlob) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
  return compiled;
}

const ONE = Symbol("one segment");
const MANY = Symbol("any number of segments");

/** A segment glob: `*` and `?` never cross a "/" because matching is segment by segment. */
function segmentMatches(glob: string, segment: string): boolean {
  return matchGlob(glob, segment);
}

/**
 * Matches the name segment by segment with the same linear-time walk as globs (core/patterns.ts), a
 * `**` segment standing for "one segment, then any number more".
 */
function nameMatches(pattern: readonly string[], name: string): boolean {
  const tokens = pattern.flatMap((segment): (string | symbol)[] =>
    segment === "**" ? [ONE, MANY] : [segment],
  );
  const segments = name.split("/");
  return globWalk(
    tokens.length,
    segments.length,
    (p) => tokens[p] === MANY,
    (p) => tokens[p] === ONE,
    (p, t) => segmentMatches(tokens[p] as string, segments[t]!),
  );
}

/** Whether the image's normalised name, tag and digest match the pattern. */
export function matchesImage(pattern: ImagePattern, image: MatchableImage): boolean {
  if (!nameMatches(pattern.name, `${image.registry}/${image.repository}`)) return false;
  if (pattern.digest !== undefined && pattern.digest !== image.digest) return false;
  if (pattern.anyTag) return true;
  return image.tag !== undefined && pattern.tag!.test(image.tag);
}

/** A value glob (labels): `*` any run of characters, `?` one character. */
export function valueGlob(glob: string): LinearPattern {
  return compileGlob(glob);
}
