/** The accounts API's shapes the administration pages read (src/server/api/identity/schemas.ts). */
export interface ProjectSettings {
  readonly certifiedPolicy?: string;
  readonly quotaBytes?: number;
  readonly immutableTags?: readonly string[];
  readonly retention?: RetentionPolicy;
}

export interface Project {
  readonly name: string;
  readonly public: boolean;
  readonly settings: ProjectSettings;
  readonly usage: { readonly bytes: number; readonly quotaBytes: number | null };
  readonly createdAt: string;
}

export interface Member {
  readonly id: number;
  readonly kind: "user" | "group";
  readonly name: string;
  readonly role: string;
  readonly repositories: readonly string[];
}

export interface Role {
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
  readonly permissions: readonly string[];
}

export interface Robot {
  readonly name: string;
  readonly description: string;
  readonly project?: string;
  readonly grants: readonly {
    readonly project: string;
    readonly repositories: readonly string[];
    readonly permissions: readonly string[];
  }[];
  readonly expiresAt: string | null;
  readonly expired: boolean;
  readonly disabled: boolean;
  readonly createdBy: string;
  readonly createdAt: string;
}

export type RetentionKeep = "latestPushed" | "latestPulled" | "pushedWithin" | "pulledWithin" | "always";

export interface RetentionRule {
  readonly repositories?: string;
  readonly tags?: string;
  readonly untagged?: boolean;
  readonly keep: RetentionKeep;
  readonly count?: number;
  readonly days?: number;
}

export interface RetentionPolicy {
  readonly rules: readonly RetentionRule[];
}

export interface RetentionRun {
  readonly project: string;
  readonly dryRun: boolean;
  readonly at: string;
  readonly artifacts: readonly {
    readonly repository: string;
    readonly digest: string;
    readonly tags: readonly string[];
    readonly pushedAt: string;
    readonly pulledAt: string | null;
    readonly action: "keep" | "delete";
    readonly reasons: readonly string[];
    readonly followers: readonly { readonly digest: string; readonly relation: string }[];
  }[];
  readonly untouched: readonly string[];
  readonly deleted: readonly {
    readonly repository: string;
    readonly digest: string;
    readonly tags: readonly string[];
  }[];
  readonly failed: readonly {
    readonly repository: string;
    readonly digest: string;
    readonly reason: string;
  }[];
}

/** The project permissions a robot can be given (auth/permissions.ts's PROJECT_PERMISSIONS). */
export const ROBOT_PERMISSIONS = [
  "repository.pull",
  "repository.push",
  "repository.delete",
  "scan.read",
  "scan.run",
  "project.read",
  "member.read",
  "audit.read",
  "retention.write",
  "immutability.write",
  "robot.read",
] as const;
