import { matchGlob } from "../core/index.js";

/**
 * The storage rules of one project, as the registry needs them: a quota on the bytes its repositories
 * hold and the tags no push may move. They are project settings (stored by `auth/`), handed to the
 * registry through the `StorageRules` port that `app/` implements, so the registry never reads accounts.
 */
export interface ProjectStorageRules {
  /** Most bytes the project's repositories may hold (distinct blobs and manifests); none when absent. */
  readonly quotaBytes?: number;
  /** Immutable-tag rules, `TAG_GLOB` or `REPOSITORY_GLOB:TAG_GLOB` (see `immutableTagRule`). */
  readonly immutableTags?: readonly string[];
}

/** The port: the rules that apply to a repository (its project's). Asked on every push and delete. */
export interface StorageRules {
  forRepository(repository: string): Promise<ProjectStorageRules> | ProjectStorageRules;
}

export const NO_STORAGE_RULES: StorageRules = { forRepository: () => ({}) };

/** At most this many immutable-tag rules per project. */
export const MAX_IMMUTABLE_TAG_RULES = 64;

// A tag glob is a tag (distribution spec: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}) with `*` and `?`; a
// repository glob is a path inside the project, in the alphabet of member grants' repository globs.
const TAG_GLOB = /^[A-Za-z0-9_.*?-]{1,128}$/;
const REPOSITORY_GLOB = /^[a-z0-9._\-/*?]{1,255}$/;

/** The project a repository belongs to: its first path component (`team/app` is in `team`). */
export function projectOfRepository(repository: string): string {
  const slash = repository.indexOf("/");
  return slash === -1 ? repository : repository.slice(0, slash);
}

function pathInProject(repository: string): string {
  const slash = repository.indexOf("/");
  return slash === -1 ? "" : repository.slice(slash + 1);
}

/** Splits a rule at its one colon: repository names and tags never contain one. */
function splitRule(rule: string): { repositories: string | undefined; tags: string } {
  const colon = rule.indexOf(":");
  return colon === -1
    ? { repositories: undefined, tags: rule }
    : { repositories: rule.slice(0, colon), tags: rule.slice(colon + 1) };
}

/** Why `rule` is not an immutable-tag rule, or undefined when it is one. */
export function immutableTagRuleProblem(rule: string): string | undefined {
  const { repositories, tags } = splitRule(rule);
  if (!TAG_GLOB.test(tags))
    return `tag glob ${JSON.stringify(tags)} is not allowed (letters, digits, _ . - and the wildcards * ?)`;
  if (repositories !== undefined && !REPOSITORY_GLOB.test(repositories))
    return `repository glob ${JSON.stringify(repositories)} is not allowed (a-z 0-9 . _ - / and * ?)`;
  return undefined;
}

/**
 * The first rule of `rules` that makes `tag` of `repository` immutable, or undefined. A rule without a
 * colon covers every repository of the project; `REPOSITORY_GLOB:TAG_GLOB` only repositories whose path
 * inside the project (`team/app/api` → `app/api`) matches, as Harbor's rule pairs a repository selector
 * with a tag selector. Globs are core's: `*` any run (slashes too), `?` one character. Malformed rules
 * (refused when set, but the column is JSON) match nothing.
 */
export function immutableTagRule(
  rules: readonly string[] | undefined,
  repository: string,
  tag: string,
): string | undefined {
  if (!rules) return undefined;
  for (const rule of rules) {
    if (typeof rule !== "string" || immutableTagRuleProblem(rule) !== undefined) continue;
    const { repositories, tags } = splitRule(rule);
    if (!matchGlob(tags, tag)) continue;
    if (repositories === undefined || matchGlob(repositories, pathInProject(repository))) return rule;
  }
  return undefined;
}
