import { compileGlob, type LinearPattern } from "../core/index.js";
import { isValidRepositoryName } from "../oci/index.js";
import { ReplicationError } from "./errors.js";

/**
 * A replication rule: which repositories and tags go where. `push` copies from this Portcullis to the
 * remote, `pull` from the remote into this Portcullis; either way the filters read the source's names,
 * and the destination repository is the source's under `destinationNamespace` when one is set.
 */
export interface ReplicationFilters {
  /** Globs over source repository names (`*` crosses `/`); empty: every repository. */
  readonly repositories: readonly string[];
  /** Globs over tags; empty: every tag. */
  readonly tags: readonly string[];
  /**
   * Only images with a signature present at the source: a cosign `.sig` tag or a Sigstore-bundle or
   * Notation referrer. Presence, not verification: the far side's own gates verify against their own
   * trust anchors, which are what decide there.
   */
  readonly signedOnly: boolean;
  /** Prefix for destination repositories (`site-b` makes `team/app` into `site-b/team/app`). */
  readonly destinationNamespace?: string;
}

/** Cosign's tag scheme and the referrers fallback tag: artifacts of an image, copied with it, never alone. */
const ARTIFACT_TAG = /^(sha256|sha512)-[0-9a-f]{64,128}(\.(sig|att|sbom))?$/;

export function isArtifactTag(tag: string): boolean {
  return ARTIFACT_TAG.test(tag);
}

export interface CompiledFilters {
  repository(name: string): boolean;
  tag(tag: string): boolean;
  destination(repository: string): string;
  readonly signedOnly: boolean;
}

/** Checks and compiles a rule's filters; INVALID_ARGUMENT names what is wrong. */
export function compileFilters(filters: ReplicationFilters): CompiledFilters {
  const repositories = filters.repositories.map(glob("repository"));
  const tags = filters.tags.map(glob("tag"));
  const namespace = filters.destinationNamespace?.replace(/\/+$/, "");
  if (namespace !== undefined && namespace !== "" && !isValidRepositoryName(`${namespace}/x`)) {
    throw new ReplicationError(
      "INVALID_ARGUMENT",
      `destination namespace ${JSON.stringify(namespace)} is not a repository name prefix`,
    );
  }
  const any = (patterns: LinearPattern[], text: string) =>
    patterns.length === 0 || patterns.some((p) => p.test(text));
  return {
    repository: (name) => any(repositories, name),
    tag: (tag) => !isArtifactTag(tag) && any(tags, tag),
    destination: (repository) => (namespace ? `${namespace}/${repository}` : repository),
    signedOnly: filters.signedOnly,
  };
}

function glob(what: string): (source: string) => LinearPattern {
  return (source) => {
    if (source === "" || source.length > 255) {
      throw new ReplicationError("INVALID_ARGUMENT", `${what} glob must be 1 to 255 characters`);
    }
    return compileGlob(source);
  };
}
