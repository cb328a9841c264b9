import semver from "semver";
import { matchGlob } from "../core/index.js";

/**
 * One allowlist entry of a proxy project, as written in its settings:
 * - `REPO_GLOB`: every tag of the matching upstream repositories (and pulls by digest);
 * - `REPO_GLOB:TAG_GLOB`: the matching tags only (`library/alpine:3.*`);
 * - `REPO_GLOB@RANGE`: tags that read as versions inside the semver range (`library/nginx@>=1.25 <1.27`).
 * Globs are core's (`*` any run, slashes too; `?` one character), over the upstream's repository path
 * (`library/alpine` for Docker Hub's `alpine`).
 */
export type AllowRule = string;

/** At most this many rules per proxy project. */
export const MAX_ALLOW_RULES = 256;

const REPOSITORY_GLOB = /^[a-z0-9._\-/*?]{1,255}$/;
const TAG_GLOB = /^[A-Za-z0-9_.*?-]{1,128}$/;

interface ParsedRule {
  readonly repositories: string;
  readonly tags?: string;
  readonly range?: string;
}

function parseRule(rule: string): ParsedRule | string {
  const at = rule.indexOf("@");
  const colon = rule.indexOf(":");
  let parsed: ParsedRule;
  if (at !== -1 && (colon === -1 || at < colon)) {
    const range = rule.slice(at + 1).trim();
    if (semver.validRange(range) === null) return `semver range ${JSON.stringify(range)} does not parse`;
    parsed = { repositories: rule.slice(0, at), range };
  } else if (colon !== -1) {
    const tags = rule.slice(colon + 1);
    if (!TAG_GLOB.test(tags))
      return `tag glob ${JSON.stringify(tags)} is not allowed (letters, digits, _ . - and the wildcards * ?)`;
    parsed = { repositories: rule.slice(0, colon), tags };
  } else {
    parsed = { repositories: rule };
  }
  if (!REPOSITORY_GLOB.test(parsed.repositories))
    return `repository glob ${JSON.stringify(parsed.repositories)} is not allowed (a-z 0-9 . _ - / and * ?)`;
  return parsed;
}

/** Why `rule` is not an allowlist entry, or undefined when it is one. */
export function allowRuleProblem(rule: string): string | undefined {
  const parsed = parseRule(rule);
  return typeof parsed === "string" ? parsed : undefined;
}

// Image tags name versions loosely (`1.25`, `v3`, `1.25.3-alpine`): a tag is read as MAJOR[.MINOR[.PATCH]]
// with missing parts 0 and an optional `-suffix` kept as a prerelease, so `1.25-alpine` is outside
// `>=1.25` unless the range names prereleases, as semver itself decides.
const VERSION_TAG = /^v?(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?:-([0-9A-Za-z.-]{1,100}))?$/;

/** The semver version a tag reads as, or undefined. */
export function tagVersion(tag: string): string | undefined {
  const m = VERSION_TAG.exec(tag);
  if (!m) return undefined;
  const version = `${Number(m[1])}.${Number(m[2] ?? 0)}.${Number(m[3] ?? 0)}${m[4] ? `-${m[4]}` : ""}`;
  return semver.valid(version) ?? undefined;
}

export type AllowVerdict = { allow: true; rule: string } | { allow: false; reason: string };

/**
 * Whether the allowlist lets `reference` (a tag, or a digest) of the upstream repository `repository`
 * in. A digest is let in only by a rule without a tag condition: a rule naming tags cannot tell which
 * digests those tags hold without asking the upstream, and nothing is asked before the allowlist says
 * yes. (Digests that a let-in tag brought along are cached and served without asking this.)
 * Malformed rules (refused when set; the column is JSON) let nothing in.
 */
export function checkAllowlist(
  rules: readonly AllowRule[],
  repository: string,
  reference: { tag: string } | { digest: string },
): AllowVerdict {
  let repositoryKnown = false;
  for (const rule of rules) {
    if (typeof rule !== "string") continue;
    const parsed = parseRule(rule);
    if (typeof parsed === "string" || !matchGlob(parsed.repositories, repository)) continue;
    repositoryKnown = true;
    if (parsed.tags === undefined && parsed.range === undefined) return { allow: true, rule };
    if (!("tag" in reference)) continue;
    if (parsed.tags !== undefined && matchGlob(parsed.tags, reference.tag)) return { allow: true, rule };
    if (parsed.range !== undefined) {
      const version = tagVersion(reference.tag);
      if (version !== undefined && semver.satisfies(version, parsed.range)) return { allow: true, rule };
    }
  }
  if (!repositoryKnown) {
    return {
      allow: false,
      reason: `upstream repository ${repository} is not on this proxy project's allowlist`,
    };
  }
  return {
    allow: false,
    reason:
      "tag" in reference
        ? `tag ${reference.tag} of ${repository} is not on this proxy project's allowlist`
        : `${repository}@${reference.digest} is not cached and the allowlist admits ${repository} by tag only: pull it by an allowed tag`,
  };
}
