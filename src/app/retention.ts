import type { Logger } from "pino";
import { type AccountStore, AuthError, type AuthEvent } from "../auth/index.js";
import {
  type Actor,
  parseRetentionPolicy,
  type Registry,
  type RetentionRun,
  SYSTEM_ACTOR,
} from "../registry/index.js";

/** Projects' retention rules, run on request (the API) and on a schedule (`registry.retention.interval`). */
export interface ProjectRetention {
  /**
   * Plans the project's stored rules and, unless `dryRun`, deletes what the plan says, recording each
   * deletion and each refusal in the audit log (gate `access`, event `retention.run`).
   */
  run(project: string, options: { readonly dryRun: boolean; readonly actor: Actor }): Promise<RetentionRun>;
  /** Runs every project's rules as the system (the schedule); a project that fails is logged and skipped. */
  runAll(): Promise<{ projects: number; deleted: number; failed: number }>;
}

export function projectRetention(deps: {
  readonly registry: Registry;
  readonly store: AccountStore;
  readonly record: (event: AuthEvent) => void;
  readonly logger: Logger;
}): ProjectRetention {
  const { registry, store, record, logger } = deps;

  const run: ProjectRetention["run"] = async (project, options) => {
    const found = await store.findProject(project);
    if (!found) throw new AuthError("NOT_FOUND", `no project ${project}`);
    const policy = parseRetentionPolicy(found.settings.retention ?? { rules: [] });
    const result = await registry.retention.run(project, policy, options);
    const reasons = new Map(result.plan.artifacts.map((a) => [a.digest, a]));
    for (const d of result.deleted) {
      const artifact = reasons.get(d.digest);
      record({
        type: "retention.run",
        actor: options.actor.subject,
        target: `${d.repository}@${d.digest}`,
        outcome: "allow",
        reason:
          d.relation === "artifact"
            ? `deleted by project ${project}'s retention rules: ${artifact?.reasons.join("; ") ?? "kept by no rule"}${d.tags.length > 0 ? ` (tags ${d.tags.join(", ")})` : ""}`
            : `deleted by project ${project}'s retention rules with the artifact it belongs to (${d.relation})`,
      });
    }
    for (const f of result.failed) {
      record({
        type: "retention.run",
        actor: options.actor.subject,
        target: `${f.repository}@${f.digest}`,
        outcome: "deny",
        reason: `retention of project ${project} did not delete it: ${f.reason}`,
      });
    }
    return result;
  };

  return {
    run,
    async runAll() {
      let projects = 0;
      let deleted = 0;
      let failed = 0;
      for (const project of await store.listProjects()) {
        if (project.settings.retention === undefined) continue;
        try {
          const result = await run(project.name, { dryRun: false, actor: SYSTEM_ACTOR });
          projects += 1;
          deleted += result.deleted.length;
          failed += result.failed.length;
        } catch (err) {
          logger.error({ err, project: project.name }, "retention run failed");
        }
      }
      return { projects, deleted, failed };
    },
  };
}
