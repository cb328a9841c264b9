/** The accounts API's shapes the administration pages read (src/server/api/identity/schemas.ts). */
export interface ProjectSettings {
  readonly certifiedPolicy?: string;
  readonly quotaBytes?: number;
  readonly immutableTags?: readonly string[];
  readonly retention?: RetentionPolicy;
  /** A proxy project's upstream and allowlist (pull-through cache). */
  readonly proxy?: { readonly upstream: string; readonly allow: readonly string[] };
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
  /** A system robot's system permissions (runtime.write); empty for project robots. */
  readonly systemPermissions?: readonly string[];
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

export interface User {
  readonly name: string;
  readonly email: string | null;
  readonly source: string;
  readonly admin: boolean;
  readonly disabled: boolean;
  readonly mustChangePassword: boolean;
  readonly createdAt: string;
}

export interface Group {
  readonly name: string;
  readonly members: readonly string[];
}

/**
 * Every project permission, in the table's order (auth/permissions.ts's PROJECT_PERMISSIONS; a test
 * pins the two equal): what a custom role or a system robot's grant can be made of.
 */
export const PROJECT_PERMISSIONS = [
  "project.read",
  "repository.pull",
  "scan.read",
  "member.read",
  "audit.read",
  "repository.push",
  "repository.delete",
  "retention.write",
  "scan.run",
  "occurrence.write",
  "immutability.write",
  "robot.read",
  "webhook.read",
  "webhook.write",
  "project.write",
  "member.write",
  "robot.write",
  "project.delete",
] as const;

/** The system permissions a system robot may hold (auth/permissions.ts's ROBOT_SYSTEM_PERMISSIONS). */
export const ROBOT_SYSTEM_PERMISSIONS = ["runtime.write"] as const;
