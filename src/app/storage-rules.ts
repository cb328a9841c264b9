import type { AccountStore, ProjectSettings } from "../auth/index.js";
import { type ProjectStorageRules, projectOfRepository, type StorageRules } from "../registry/index.js";

export interface ProjectSettingsRulesOptions {
  /** How often the stored revision is compared with the loaded one (other replicas' changes). */
  readonly revisionCheckMs?: number;
  readonly now?: () => number;
}

/**
 * The registry's storage rules (quota, immutable tags) read from the projects' settings, which `auth/`
 * stores. Every project is loaded into a map kept until the accounts revision moves, as AccessControl
 * keeps its grants: this process's own changes reload it at once (the store's change listener), other
 * replicas' within `revisionCheckMs` (a second), and a push in between costs a map read.
 */
export class ProjectSettingsRules implements StorageRules {
  private rules: ReadonlyMap<string, ProjectStorageRules> | undefined;
  private revision = -1;
  private loading: Promise<ReadonlyMap<string, ProjectStorageRules>> | undefined;
  private checkedAt = 0;
  private stale = true;
  private readonly revisionCheckMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: AccountStore,
    options: ProjectSettingsRulesOptions = {},
  ) {
    this.revisionCheckMs = options.revisionCheckMs ?? 1000;
    this.now = options.now ?? Date.now;
    store.onChange(() => {
      this.stale = true;
    });
  }

  async forRepository(repository: string): Promise<ProjectStorageRules> {
    return (await this.current()).get(projectOfRepository(repository)) ?? {};
  }

  private async current(): Promise<ReadonlyMap<string, ProjectStorageRules>> {
    if (this.rules && !this.stale && this.now() - this.checkedAt < this.revisionCheckMs) return this.rules;
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async reload(): Promise<ReadonlyMap<string, ProjectStorageRules>> {
    this.stale = false;
    const checked = this.now();
    const revision = await this.store.revision();
    if (!this.rules || revision !== this.revision) {
      const projects = await this.store.listProjects();
      this.rules = new Map(projects.map((p) => [p.name, storageRulesOf(p.settings)]));
      this.revision = revision;
    }
    this.checkedAt = checked;
    return this.rules;
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
