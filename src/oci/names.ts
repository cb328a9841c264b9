import { CoreError, parseDigest } from "../core/index.js";
import { OciError, quote } from "./errors.js";

/**
 * Repository names and tags, as the OCI Distribution Spec 1.1 defines them:
 *   name ::= [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
 *   tag  ::= [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
 * A name is checked one `/`-separated component at a time against an anchored pattern with no nested
 * ambiguity, so matching is linear in the input and a hostile name cannot make it backtrack.
 */

export const REPOSITORY_NAME_MAX_LENGTH = 255;
export const TAG_MAX_LENGTH = 128;

/** One path component: alphanumeric runs joined by ".", "_", "__" or a run of "-". */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Why a repository path (without registry) is invalid, or undefined when it is valid. */
export function repositoryNameProblem(name: string): string | undefined {
  if (typeof name !== "string") return "repository name must be a string";
  if (name.length === 0) return "repository name is empty";
  if (name.length > REPOSITORY_NAME_MAX_LENGTH) {
    return `repository name is ${name.length} characters long; the maximum is ${REPOSITORY_NAME_MAX_LENGTH}`;
  }
  if (/[A-Z]/.test(name)) return "repository name must be lowercase";
  if (name.startsWith("/")) return "repository name must not start with '/'";
  if (name.endsWith("/")) return "repository name must not end with '/'";
  const components = name.split("/");
  for (const component of components) {
    if (component.length === 0) return "repository name must not contain an empty path component ('//')";
    if (!COMPONENT.test(component)) {
      return (
        `path component ${quote(component)} is invalid: components are lowercase letters and digits, ` +
        `separated by '.', '_', '__' or runs of '-', and must start and end with a letter or digit`
      );
    }
  }
  return undefined;
}

export function isValidRepositoryName(name: string): boolean {
  return repositoryNameProblem(name) === undefined;
}

/** Returns the name unchanged when valid; throws OciError NAME_INVALID saying what is wrong otherwise. */
export function checkRepositoryName(name: string): string {
  const problem = repositoryNameProblem(name);
  if (problem !== undefined) {
    throw new OciError("NAME_INVALID", `invalid repository name ${quote(String(name))}: ${problem}`);
  }
  return name;
}

/** Why a tag is invalid, or undefined when it is valid. */
export function tagProblem(tag: string): string | undefined {
  if (typeof tag !== "string") return "tag must be a string";
  if (tag.length === 0) return "tag is empty";
  if (tag.length > TAG_MAX_LENGTH)
    return `tag is ${tag.length} characters long; the maximum is ${TAG_MAX_LENGTH}`;
  if (TAG.test(tag)) return undefined;
  if (!/^[a-zA-Z0-9_]/.test(tag)) return "tag must start with a letter, a digit or '_'";
  return "tag may contain only letters, digits, '_', '.' and '-'";
}

export function isValidTag(tag: string): boolean {
  return tagProblem(tag) === undefined;
}

/** Returns the tag unchanged when valid; throws OciError TAG_INVALID saying what is wrong otherwise. */
export function checkTag(tag: string): string {
  const problem = tagProblem(tag);
  if (problem !== undefined)
    throw new OciError("TAG_INVALID", `invalid tag ${quote(String(tag))}: ${problem}`);
  return tag;
}

export type ManifestReference = { kind: "tag"; tag: string } | { kind: "digest"; digest: string };

/**
 * Parses the `<reference>` of `/v2/<name>/manifests/<reference>`: a digest when it contains ":" (tags
 * cannot), a tag otherwise. Throws OciError TAG_INVALID, DIGEST_INVALID or DIGEST_UNSUPPORTED.
 */
export function parseManifestReference(reference: string): ManifestReference {
  if (typeof reference === "string" && reference.includes(":")) {
    return { kind: "digest", digest: checkDigest(reference) };
  }
  return { kind: "tag", tag: checkTag(reference) };
}

/** parseDigest with its CoreError turned into the matching OciError; returns the canonical digest. */
export function checkDigest(digest: string): string {
  if (typeof digest !== "string") throw new OciError("DIGEST_INVALID", "digest must be a string");
  try {
    return parseDigest(digest).value;
  } catch (err) {
    if (err instanceof CoreError) {
      const code = err.code === "DIGEST_UNSUPPORTED" ? "DIGEST_UNSUPPORTED" : "DIGEST_INVALID";
      throw new OciError(code, err.message, { cause: err });
    }
    throw err;
  }
}
