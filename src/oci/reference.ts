import { CoreError, parseDigest } from "../core/index.js";
import { OciError, quote } from "./errors.js";
import { repositoryNameProblem, tagProblem } from "./names.js";

/**
 * Full image references, parsed the way docker/distribution's `reference.ParseNormalizedNamed` does:
 *   reference := [domain "/"] path [":" tag] ["@" digest]
 *   domain    := host [":" port]        host := domain-name | "[" IPv6 "]"      port := [0-9]+
 *   domain-name := label ("." label)*   label := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 * The first `/`-separated component is the registry when it contains "." or ":", is "localhost" or is
 * a bracketed IPv6 address; otherwise the registry is the default (docker.io). Single-component Docker
 * Hub names get the `library/` prefix, and `index.docker.io` is normalised to `docker.io`.
 * The path follows the repository name grammar (see names.ts); `registry/path` is at most 255 long.
 */

export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface ParseImageReferenceOptions {
  /**
   * Registry for references without one; defaults to docker.io. Only docker.io gets the `library/`
   * prefix. Pick a name containing "." or ":" (or `localhost`) so formatted references parse back.
   */
  defaultRegistry?: string;
}

export const DOCKER_HUB_REGISTRY = "docker.io";
const LEGACY_DOCKER_HUB_REGISTRY = "index.docker.io";
const NAME_TOTAL_MAX_LENGTH = 255;

const LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const IMAGE_ID = /^[a-f0-9]{64}$/;

function fail(input: string, problem: string, cause?: unknown): never {
  throw new OciError("REFERENCE_INVALID", `invalid image reference ${quote(input)}: ${problem}`, { cause });
}

/** Why a registry (`host[:port]`) is invalid, or undefined when it is valid. */
function registryProblem(registry: string): string | undefined {
  let host = registry;
  let port: string | undefined;
  if (registry.startsWith("[")) {
    const close = registry.indexOf("]");
    if (close === -1) return `registry ${quote(registry)} has an unclosed '['`;
    host = registry.slice(0, close + 1);
    const rest = registry.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return `registry ${quote(registry)} has text after its IPv6 address`;
      port = rest.slice(1);
    }
    if (!IPV6.test(host)) return `registry ${quote(registry)} is not a valid IPv6 address`;
  } else {
    const colon = registry.indexOf(":");
    if (colon !== -1) {
      host = registry.slice(0, colon);
      port = registry.slice(colon + 1);
    }
    if (host === "") return `registry ${quote(registry)} has an empty host name`;
    if (!host.split(".").every((label) => LABEL.test(label))) {
      return `registry host ${quote(host)} is not a valid host name`;
    }
  }
  if (port !== undefined && !PORT.test(port)) return `registry port ${quote(port)} must be a number`;
  return undefined;
}

/** Whether the first path component of a reference names a registry rather than a repository. */
function looksLikeRegistry(component: string): boolean {
  return (
    component.includes(".") ||
    component.includes(":") ||
    component === "localhost" ||
    component.startsWith("[")
  );
}

/** Parses `[registry/]repository[:tag][@digest]`; throws OciError REFERENCE_INVALID saying what is wrong. */
export function parseImageReference(input: string, options: ParseImageReferenceOptions = {}): ImageReference {
  if (typeof input !== "string") fail(String(input), "reference must be a string");
  const defaultRegistry = options.defaultRegistry ?? DOCKER_HUB_REGISTRY;
  const defaultProblem = registryProblem(defaultRegistry);
  if (defaultProblem !== undefined) fail(input, `default ${defaultProblem}`);
  if (input === "") fail(input, "reference is empty");
  if (IMAGE_ID.test(input)) fail(input, "a 64-character hexadecimal string is an image ID, not a reference");

  let name = input;
  let digest: string | undefined;
  const at = input.indexOf("@");
  if (at !== -1) {
    name = input.slice(0, at);
    digest = input.slice(at + 1);
    if (digest === "") fail(input, "digest after '@' is empty");
    try {
      digest = parseDigest(digest).value;
    } catch (err) {
      const unsupported = err instanceof CoreError && err.code === "DIGEST_UNSUPPORTED";
      fail(
        input,
        unsupported ? `${err.message} (supported: sha256, sha512)` : `invalid digest ${quote(digest)}`,
        err,
      );
    }
  }

  let tag: string | undefined;
  const colon = name.lastIndexOf(":");
  if (colon !== -1 && colon > name.lastIndexOf("/")) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    const problem = tagProblem(tag);
    if (problem !== undefined) fail(input, problem);
  }
  if (name === "") fail(input, "repository name is empty");

  let registry = defaultRegistry;
  let repository = name;
  const slash = name.indexOf("/");
  if (slash !== -1 && looksLikeRegistry(name.slice(0, slash))) {
    registry = name.slice(0, slash);
    repository = name.slice(slash + 1);
    const problem = registryProblem(registry);
    if (problem !== undefined) fail(input, problem);
  }
  if (registry === LEGACY_DOCKER_HUB_REGISTRY) registry = DOCKER_HUB_REGISTRY;
  if (registry === DOCKER_HUB_REGISTRY && repository !== "" && !repository.includes("/")) {
    repository = `library/${repository}`;
  }

  const problem = repositoryNameProblem(repository);
  if (problem !== undefined) fail(input, problem);
  if (registry.length + 1 + repository.length > NAME_TOTAL_MAX_LENGTH) {
    fail(
      input,
      `registry and repository name together must not be more than ${NAME_TOTAL_MAX_LENGTH} characters`,
    );
  }

  const ref: ImageReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `registry/repository[:tag][@digest]`, always fully qualified, so it parses back to the same reference. */
export function formatImageReference(ref: ImageReference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}
