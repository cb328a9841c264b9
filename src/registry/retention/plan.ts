import { matchGlob } from "../../core/index.js";
import { describeRule, type RetentionPolicy, type RetentionRule } from "./policy.js";

/** A manifest of a repository as retention sees it (inventory.ts reads them from the database). */
export interface InventoryManifest {
  readonly digest: string;
  readonly tags: ReadonlyArray<{ readonly name: string; readonly updatedAt: number }>;
  readonly createdAt: number;
  readonly pulledAt: number | null;
  /** The `subject` of a referrer (a signature, attestation or SBOM of that manifest). */
  readonly subject: string | null;
  /** The manifests an index lists. */
  readonly children: readonly string[];
}

export interface InventoryRepository {
  /** The full name (`team/app`). */
  readonly name: string;
  readonly manifests: readonly InventoryManifest[];
}

/** How a manifest that is not an artifact of its own belongs to another: it goes wherever that goes. */
export type FollowerRelation = "child" | "referrer" | "accessory";

export interface PlannedArtifact {
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /** The later of the manifest's first push and its tags' last moves (epoch ms). */
  readonly pushedAt: number;
  readonly pulledAt: number | null;
  readonly action: "keep" | "delete";
  /** Why: the rules that keep it, the kept manifest that needs it, or that no rule keeps it. */
  readonly reasons: readonly string[];
  /** The manifests deleted with it (for a delete) in deletion order: referrers, cosign tags, index children. */
  readonly followers: ReadonlyArray<{ readonly digest: string; readonly relation: FollowerRelation }>;
}

export interface RetentionPlan {
  readonly project: string;
  /** The time the plan was made for (epoch ms): `pushedWithin` and `pulledWithin` count back from it. */
  readonly at: number;
  /** Artifacts of the repositories some rule picks, kept and deleted. */
  readonly artifacts: readonly PlannedArtifact[];
  /** Repositories of the project no rule picks: never touched. */
  readonly untouched: readonly string[];
}

const DAY_MS = 86_400_000;

/**
 * cosign's tag scheme (`sha256-<hex>.sig`, `.att`, `.sbom`) and the OCI referrers tag fallback
 * (`sha256-<hex>`): a manifest tagged only so belongs to the manifest the tag names.
 */
const ACCESSORY_TAG = /^(sha256|sha512)-([0-9a-f]{64}|[0-9a-f]{128})(\.[A-Za-z0-9_-]+)?$/;

function accessoryTarget(tag: string): string | undefined {
  const match = ACCESSORY_TAG.exec(tag);
  return match ? `${match[1]}:${match[2]}` : undefined;
}

/** Where a manifest stands before any rule is applied. */
type Standing =
  | { kind: "artifact" }
  /** Belongs to a present manifest: follows it. */
  | { kind: "follower"; of: string; relation: FollowerRelation }
  /** A referrer or cosign tag whose subject is absent (pushed first, or left behind): never touched. */
  | { kind: "orphan" };

/**
 * The pure planner: which artifacts of a project's repositories the rules keep, and which are deleted
 * with what. An artifact is a manifest pushed for its own sake: tagged, or untagged and listed by no
 * index. Referrers (anything with a `subject`), manifests tagged only in cosign's tag scheme and an
 * index's untagged children are not artifacts: they are kept with the manifest they belong to and
 * deleted with it, never counted by a rule. An artifact kept by a rule keeps everything it needs (an
 * index its children, also ones tagged and otherwise unkept; an image its signatures); tags of a kept
 * artifact are never removed on their own.
 *
 * Untagged artifacts are candidates only of rules with `untagged: true`; elsewhere they are deleted
 * (Harbor's default).
 */
export function planRetention(
  project: string,
  policy: RetentionPolicy,
  repositories: readonly InventoryRepository[],
  at: number,
): RetentionPlan {
  const artifacts: PlannedArtifact[] = [];
  const untouched: string[] = [];
  for (const repository of [...repositories].sort((a, b) => compare(a.name, b.name))) {
    const path = pathInProject(project, repository.name);
    const rules = policy.rules
      .map((rule, index) => ({ rule, index }))
      .filter(({ rule }) => matchGlob(rule.repositories, path));
    if (rules.length === 0) {
      untouched.push(repository.name);
      continue;
    }
    artifacts.push(...planRepository(repository, rules, policy.excludeTags, at));
  }
  return { project, at, artifacts, untouched };
}

function planRepository(
  repository: InventoryRepository,
  rules: ReadonlyArray<{ rule: RetentionRule; index: number }>,
  excludeTags: readonly string[],
  at: number,
): PlannedArtifact[] {
  const byDigest = new Map(repository.manifests.map((m) => [m.digest, m]));
  const parents = new Map<string, string[]>();
  for (const m of repository.manifests) {
    for (const child of m.children) {
      if (!byDigest.has(child)) continue;
      const list = parents.get(child) ?? [];
      list.push(m.digest);
      parents.set(child, list);
    }
  }
  const standing = new Map<string, Standing>();
  const followers = new Map<string, Array<{ digest: string; relation: FollowerRelation }>>();
  for (const m of repository.manifests) {
    const s = standingOf(m, byDigest, parents);
    standing.set(m.digest, s);
    if (s.kind === "follower" && s.relation !== "child") addFollower(followers, s.of, m.digest, s.relation);
    for (const child of m.children) {
      if (byDigest.has(child)) addFollower(followers, m.digest, child, "child");
    }
  }

  const candidates = repository.manifests
    .filter((m) => standing.get(m.digest)?.kind === "artifact")
    .map((m) => ({
      manifest: m,
      pushedAt: Math.max(m.createdAt, ...m.tags.map((t) => t.updatedAt)),
      pulledAt: latest([m.pulledAt, ...m.children.map((c) => byDigest.get(c)?.pulledAt ?? null)]),
    }));

  const keptBy = new Map<string, string[]>();
  for (const { rule, index } of rules) {
    const picked = candidates.filter(({ manifest }) =>
      manifest.tags.length === 0 ? rule.untagged : manifest.tags.some((t) => matchGlob(rule.tags, t.name)),
    );
    for (const c of keep(rule, picked, at)) {
      const list = keptBy.get(c.manifest.digest) ?? [];
      list.push(`rule ${index + 1}: ${describeRule(rule)}`);
      keptBy.set(c.manifest.digest, list);
    }
  }
  // Excluded tags overrule every rule: such an artifact is kept like one a rule keeps (with what it needs).
  for (const { manifest } of candidates) {
    const excluded = manifest.tags
      .map((t) => ({ tag: t.name, glob: excludeTags.find((glob) => matchGlob(glob, t.name)) }))
      .find((e) => e.glob !== undefined);
    if (!excluded) continue;
    const list = keptBy.get(manifest.digest) ?? [];
    list.push(`excluded: tag ${excluded.tag} matches ${excluded.glob}`);
    keptBy.set(manifest.digest, list);
  }

  // What is kept: the kept artifacts and orphans, and transitively what belongs to them (children,
  // referrers, cosign tags) and what they belong to (a kept referrer keeps its subject, even when an
  // index, not the subject, is what kept the referrer).
  // Manifests that belong to no artifact (orphans, and cycles of referrers and index children only
  // each other name) are never deleted, so they count as kept too.
  const belongs = new Set<string>();
  const walk = candidates.map((c) => c.manifest.digest);
  while (walk.length > 0) {
    for (const f of followers.get(walk.shift()!) ?? []) {
      if (belongs.has(f.digest)) continue;
      belongs.add(f.digest);
      walk.push(f.digest);
    }
  }
  const neededBy = new Map<string, string>();
  const queue = repository.manifests
    .filter(
      (m) => keptBy.has(m.digest) || (standing.get(m.digest)?.kind !== "artifact" && !belongs.has(m.digest)),
    )
    .map((m) => m.digest);
  const kept = new Set(queue);
  while (queue.length > 0) {
    const digest = queue.shift()!;
    const s = standing.get(digest);
    const owner = s?.kind === "follower" && s.relation !== "child" ? [s.of] : [];
    for (const next of [...(followers.get(digest) ?? []).map((f) => f.digest), ...owner]) {
      if (kept.has(next)) continue;
      kept.add(next);
      neededBy.set(next, digest);
      queue.push(next);
    }
  }

  const assigned = new Set<string>();
  const ordered = [...candidates].sort(
    (a, b) => b.pushedAt - a.pushedAt || compare(a.manifest.digest, b.manifest.digest),
  );
  return ordered.map(({ manifest, pushedAt, pulledAt }) => {
    const base = {
      repository: repository.name,
      digest: manifest.digest,
      tags: manifest.tags.map((t) => t.name).sort(compare),
      pushedAt,
      pulledAt,
    };
    if (kept.has(manifest.digest)) {
      const reasons = keptBy.get(manifest.digest) ?? [`needed by kept ${neededBy.get(manifest.digest)}`];
      return { ...base, action: "keep" as const, reasons, followers: [] };
    }
    return {
      ...base,
      action: "delete" as const,
      reasons: ["kept by no rule"],
      followers: collectFollowers(manifest.digest, followers, kept, assigned, standing),
    };
  });
}

function standingOf(
  m: InventoryManifest,
  byDigest: ReadonlyMap<string, InventoryManifest>,
  parents: ReadonlyMap<string, readonly string[]>,
): Standing {
  if (m.subject !== null) {
    return byDigest.has(m.subject)
      ? { kind: "follower", of: m.subject, relation: "referrer" }
      : { kind: "orphan" };
  }
  if (m.tags.length > 0) {
    const targets = m.tags.map((t) => accessoryTarget(t.name));
    if (targets.every((t) => t !== undefined)) {
      const present = targets.find((t) => t !== m.digest && byDigest.has(t!));
      return present ? { kind: "follower", of: present, relation: "accessory" } : { kind: "orphan" };
    }
    return { kind: "artifact" };
  }
  const listedBy = parents.get(m.digest);
  if (listedBy && listedBy.length > 0) return { kind: "follower", of: listedBy[0]!, relation: "child" };
  return { kind: "artifact" };
}

/** The candidates one rule keeps. */
function keep<C extends { manifest: InventoryManifest; pushedAt: number; pulledAt: number | null }>(
  rule: RetentionRule,
  picked: readonly C[],
  at: number,
): readonly C[] {
  switch (rule.keep) {
    case "always":
      return picked;
    case "latestPushed":
      return [...picked]
        .sort((a, b) => b.pushedAt - a.pushedAt || compare(a.manifest.digest, b.manifest.digest))
        .slice(0, rule.count);
    case "latestPulled":
      return [...picked]
        .sort(
          (a, b) =>
            (b.pulledAt ?? -1) - (a.pulledAt ?? -1) ||
            b.pushedAt - a.pushedAt ||
            compare(a.manifest.digest, b.manifest.digest),
        )
        .slice(0, rule.count);
    case "pushedWithin":
      return picked.filter((c) => c.pushedAt >= at - rule.days * DAY_MS);
    case "pulledWithin":
      return picked.filter((c) => c.pulledAt !== null && c.pulledAt >= at - rule.days * DAY_MS);
  }
}

/**
 * The followers of a deleted artifact, parents first: not kept, not already going with another, and
 * not artifacts themselves (a tagged image an index lists is decided by the rules on its own).
 */
function collectFollowers(
  digest: string,
  followers: ReadonlyMap<string, ReadonlyArray<{ digest: string; relation: FollowerRelation }>>,
  kept: ReadonlySet<string>,
  assigned: Set<string>,
  standing: ReadonlyMap<string, Standing>,
): Array<{ digest: string; relation: FollowerRelation }> {
  const out: Array<{ digest: string; relation: FollowerRelation }> = [];
  const queue = [digest];
  assigned.add(digest);
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const f of followers.get(current) ?? []) {
      if (kept.has(f.digest) || assigned.has(f.digest)) continue;
      if (standing.get(f.digest)?.kind === "artifact") continue;
      assigned.add(f.digest);
      out.push(f);
      queue.push(f.digest);
    }
  }
  return out;
}

function addFollower(
  map: Map<string, Array<{ digest: string; relation: FollowerRelation }>>,
  of: string,
  digest: string,
  relation: FollowerRelation,
): void {
  const list = map.get(of) ?? [];
  if (!list.some((f) => f.digest === digest)) list.push({ digest, relation });
  map.set(of, list);
}

function latest(times: ReadonlyArray<number | null>): number | null {
  let best: number | null = null;
  for (const t of times) if (t !== null && (best === null || t > best)) best = t;
  return best;
}

/** The repository's path inside the project (`team/app/api` → `app/api`; `team` itself → ``). */
function pathInProject(project: string, repository: string): string {
  return repository === project ? "" : repository.slice(project.length + 1);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
