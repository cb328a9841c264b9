import type { ProjectSettings } from "../auth/index.js";
import { type ProjectStorageRules, projectOfRepository, type StorageRules } from "../registry/index.js";

/** Where a project's settings are read: AccessControl's snapshot (auth/access.ts). */
export interface ProjectSettingsSource {
  projectSettings(project: string): Promise<ProjectSettings | undefined>;
}

/**
 * The registry's storage rules (quota, immutable tags) read from the projects' settings, which `auth/`
 * stores, through the accounts snapshot "certified images only" reads too: reloaded when the accounts
 * revision moves (this process's changes at once, other replicas' when announced, within a second at worst), so a push in
 * between costs a map read.
 */
export class ProjectSettingsRules implements StorageRules {
  constructor(private readonly settings: ProjectSettingsSource) {}

  async forRepository(repository: string): Promise<ProjectStorageRules> {
    const settings = await this.settings.projectSettings(projectOfRepository(repository));
    return settings ? storageRulesOf(settings) : {};
  }
}

/** The storage part of a project's settings, trusting only well-typed values (the column is JSON). */
function storageRulesOf(settings: ProjectSettings): ProjectStorageRules {
  const quota = settings.quotaBytes;
  const tags = settings.immutableTags;
  return {
    ...(typeof quota === "number" && Number.isSafeInteger(quota) && quota >= 0 ? { quotaBytes: quota } : {}),
    ...(Array.isArray(tags) ? { immutableTags: tags.filter((t): t is string => typeof t === "string") } : {}),
  };
}
