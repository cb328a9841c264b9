import type { RegistryContext } from "../context.js";
import type { Actor } from "../events.js";
import type { ManifestService } from "../manifests.js";
import { readInventory } from "./inventory.js";
import { type FollowerRelation, type PlannedArtifact, planRetention, type RetentionPlan } from "./plan.js";
import type { RetentionPolicy } from "./policy.js";

export interface RetentionRun {
  readonly plan: RetentionPlan;
  readonly dryRun: boolean;
  /** Manifests removed: the artifacts and what went with them (none in a dry run). */
  readonly deleted: ReadonlyArray<{
    readonly repository: string;
    readonly digest: string;
    readonly relation: "artifact" | FollowerRelation;
    readonly tags: readonly string[];
  }>;
  /** Deletions the registry refused or that no longer matched the plan: nothing of them was removed. */
  readonly failed: ReadonlyArray<{
    readonly repository: string;
    readonly digest: string;
    readonly reason: string;
  }>;
}

/**
 * Plans a project's retention (plan.ts, pure, over inventory.ts's read) and carries a plan out through
 * the registry's one delete path, `ManifestService.delete`: events fire as for a client's DELETE, a
 * refusal (deletion off, an immutable tag) leaves the artifact and everything with it in place, and
 * garbage collection later reclaims the blobs no manifest names any more.
 */
export class RetentionService {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly manifests: ManifestService,
  ) {}

  async plan(project: string, policy: RetentionPolicy): Promise<RetentionPlan> {
    // Pull times noted on this replica count: write them before reading.
    await this.ctx.pulls.flush();
    const inventory = await readInventory(this.ctx.db, project);
    return planRetention(project, policy, inventory, this.ctx.now());
  }

  async run(
    project: string,
    policy: RetentionPolicy,
    options: { readonly dryRun: boolean; readonly actor: Actor },
  ): Promise<RetentionRun> {
    const plan = await this.plan(project, policy);
    if (options.dryRun) return { plan, dryRun: true, deleted: [], failed: [] };
    const deleted: Array<RetentionRun["deleted"][number]> = [];
    const failed: Array<RetentionRun["failed"][number]> = [];
    for (const artifact of plan.artifacts) {
      if (artifact.action !== "delete") continue;
      const changed = await this.changedSincePlanned(artifact);
      // Gone already (a client's DELETE, or another replica's run): nothing to do or report.
      if (changed === GONE) continue;
      if (changed) {
        failed.push({ repository: artifact.repository, digest: artifact.digest, reason: changed });
        continue;
      }
      try {
        // The artifact first: if the registry refuses it, its signatures and children stay with it.
        await this.manifests.delete(artifact.repository, artifact.digest, options.actor);
        deleted.push({
          repository: artifact.repository,
          digest: artifact.digest,
          relation: "artifact",
          tags: artifact.tags,
        });
      } catch (err) {
        failed.push({ repository: artifact.repository, digest: artifact.digest, reason: messageOf(err) });
        continue;
      }
      for (const follower of artifact.followers) {
        try {
          await this.manifests.delete(artifact.repository, follower.digest, options.actor);
          deleted.push({
            repository: artifact.repository,
            digest: follower.digest,
            relation: follower.relation,
            tags: [],
          });
        } catch (err) {
          failed.push({ repository: artifact.repository, digest: follower.digest, reason: messageOf(err) });
        }
      }
    }
    return { plan, dryRun: false, deleted, failed };
  }

  /**
   * Whether the artifact changed between the plan and its deletion (a tag pushed onto it, or it is
   * gone): then it is left alone, and the next run decides again.
   */
  private async changedSincePlanned(artifact: PlannedArtifact): Promise<string | undefined> {
    const repositoryId = await this.ctx.repositories.find(artifact.repository);
    if (repositoryId === undefined) return GONE;
    const present = await this.ctx.db
      .selectFrom("manifests")
      .select("digest")
      .where("repository_id", "=", repositoryId)
      .where("digest", "=", artifact.digest)
      .executeTakeFirst();
    if (!present) return GONE;
    const tags = await this.ctx.db
      .selectFrom("tags")
      .select("name")
      .where("repository_id", "=", repositoryId)
      .where("manifest_digest", "=", artifact.digest)
      .execute();
    const now = tags.map((t) => t.name).sort();
    const planned = [...artifact.tags].sort();
    if (now.length !== planned.length || now.some((t, i) => t !== planned[i])) {
      return `its tags changed since the plan (now: ${now.join(", ") || "none"}): left for the next run`;
    }
    return undefined;
  }
}

const GONE = "gone";

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
