import { z } from "zod";
import {
  BUILTIN_ROLES,
  PROJECT_PERMISSIONS,
  ROBOT_SYSTEM_PERMISSIONS,
  SYSTEM_PERMISSIONS,
} from "../../../auth/index.js";
import { ProxySettingsSchema } from "../../../proxy/index.js";
import {
  immutableTagRuleProblem,
  MAX_IMMUTABLE_TAG_RULES,
  RetentionPolicySchema,
} from "../../../registry/index.js";

/**
 * The request and response schemas of the accounts API. Handlers' answers are parsed through their
 * response schema before they are sent, so a field the schema does not name (a password or secret
 * hash, a row id) never leaves the server; the OpenAPI document (openapi.ts) is generated from the
 * same schemas, so it cannot drift from what is checked.
 *
 * Every response schema is named in `components` (its OpenAPI component). Request bodies are strict:
 * an unknown key ("pasword") is refused rather than ignored.
 */
export const components = z.registry<{ id: string }>();

export function named<T extends z.ZodType>(id: string, schema: T): T {
  components.add(schema, { id });
  return schema;
}

/** A user, group, project, robot or role name in a path or a body; the store checks its grammar. */
export const Name = z.string().min(1).max(255);
const Time = z.iso.datetime().describe("RFC 3339 time, UTC");
export const ProjectPermission = z.enum(PROJECT_PERMISSIONS);
const SystemPermission = z.enum(SYSTEM_PERMISSIONS);
/** Repository globs inside a project (`*`, `app/*`); `*` is the whole project. */
const Globs = z.array(z.string().min(1).max(255)).min(1).max(64);

export const ErrorBody = named(
  "Error",
  z
    .object({
      errors: z.array(z.object({ code: z.string(), message: z.string(), detail: z.unknown().optional() })),
    })
    .describe("Every error answer: the OCI distribution spec's shape"),
);

// Users and groups -----------------------------------------------------------------------------------

export const User = named(
  "User",
  z.object({
    name: z.string(),
    email: z.string().nullable(),
    source: z.string().describe("where the account comes from: local, or an identity provider"),
    admin: z.boolean().describe("an administrator holds every permission"),
    disabled: z.boolean(),
    mustChangePassword: z
      .boolean()
      .describe("the password is one-time: the account may only change it (and read /me) until then"),
    createdAt: Time,
  }),
);
export const UserList = named("UserList", z.object({ users: z.array(User) }));
export const UserCreated = named(
  "UserCreated",
  z.object({
    user: User,
    password: z
      .string()
      .optional()
      .describe("the generated one-time password, present only when none was given; shown once"),
  }),
);

export const Group = named("Group", z.object({ name: z.string(), members: z.array(z.string()) }));
export const GroupList = named("GroupList", z.object({ groups: z.array(Group) }));

// Projects and members -------------------------------------------------------------------------------

export const ProjectSettings = z.strictObject({
  certifiedPolicy: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe(
      "certified images only: a named policy of policy.library (a 400 names the loaded ones) that every push to and pull from this project must pass, besides policy.push and policy.pull",
    ),
  retention: RetentionPolicySchema.optional().describe(
    "retention rules: an artifact is kept if any rule keeps it (docs: README, Retention)",
  ),
  quotaBytes: z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe(
      "storage quota in bytes: distinct blobs and manifests of the project's repositories, each counted once; a push over it is refused",
    ),
  immutableTags: z
    .array(
      z.string().superRefine((rule, ctx) => {
        const problem = immutableTagRuleProblem(rule);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .max(MAX_IMMUTABLE_TAG_RULES)
    .optional()
    .describe(
      "immutable-tag rules, TAG_GLOB or REPOSITORY_GLOB:TAG_GLOB (a path inside the project; * any run, ? one character): a matching tag is never moved or deleted",
    ),
  proxy: ProxySettingsSchema.optional().describe(
    "a proxy project (pull-through cache): its repositories are copies of the upstream's, fetched on first pull, for what the allowlist names only (docs: README, Pull-through cache)",
  ),
});
/**
 * A proxy setting as a request gives it: with the upstream's password, which is sealed into its own
 * table (app/proxy.ts) and never stored in, or returned with, the settings.
 */
export const ProxySettingsInput = ProxySettingsSchema.extend({
  password: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "write-only: the upstream's password or token for `username`, sealed at rest, never returned; omitted, the stored one stays",
    ),
});
/** Settings as POST /api/v1/projects takes them (the proxy's password is write-only). */
export const ProjectSettingsInput = ProjectSettings.extend({ proxy: ProxySettingsInput.optional() });
/** PATCH's settings: a merge patch, so the keys given are set, a key given as null is removed, others stay. */
export const ProjectSettingsPatch = z.strictObject({
  certifiedPolicy: ProjectSettings.shape.certifiedPolicy.nullable(),
  retention: ProjectSettings.shape.retention.nullable(),
  quotaBytes: ProjectSettings.shape.quotaBytes.nullable(),
  immutableTags: ProjectSettings.shape.immutableTags.nullable(),
  proxy: ProjectSettings.shape.proxy.nullable(),
});
export const ProjectSettingsPatchInput = ProjectSettingsPatch.extend({
  proxy: ProxySettingsInput.optional().nullable(),
});
export const ProjectUsage = z.object({
  bytes: z.number().int().describe("distinct blobs and manifests the project's repositories hold"),
  quotaBytes: z.number().int().nullable().describe("the project's quota, null when it has none"),
});
export const Retention = named("Retention", RetentionPolicySchema);

const Relation = z.enum(["artifact", "child", "referrer", "accessory"]);
export const RetentionRunResult = named(
  "RetentionRun",
  z.object({
    project: z.string(),
    dryRun: z.boolean().describe("true: nothing was deleted, this is what a run would do now"),
    at: Time.describe("the time the plan counts back from"),
    artifacts: z.array(
      z.object({
        repository: z.string(),
        digest: z.string(),
        tags: z.array(z.string()),
        pushedAt: Time,
        pulledAt: Time.nullable(),
        action: z.enum(["keep", "delete"]),
        reasons: z.array(z.string()).describe("the rules that keep it, or why it goes"),
        followers: z
          .array(z.object({ digest: z.string(), relation: Relation.exclude(["artifact"]) }))
          .describe("referrers, cosign tags and index children deleted with it"),
      }),
    ),
    untouched: z.array(z.string()).describe("repositories of the project no rule picks"),
    deleted: z.array(
      z.object({ repository: z.string(), digest: z.string(), relation: Relation, tags: z.array(z.string()) }),
    ),
    failed: z
      .array(z.object({ repository: z.string(), digest: z.string(), reason: z.string() }))
      .describe(
        "deletions refused by the registry (an immutable tag, deletion off) or changed since the plan",
      ),
  }),
);
export const Project = named(
  "Project",
  z.object({
    name: z.string(),
    public: z.boolean().describe("anyone, also anonymous, may read it and pull from it"),
    settings: ProjectSettings,
    usage: ProjectUsage,
    createdAt: Time,
  }),
);
export const ProjectList = named("ProjectList", z.object({ projects: z.array(Project) }));

export const Member = named(
  "Member",
  z.object({
    id: z.number().int().describe("the grant's id (change and remove it by this)"),
    kind: z.enum(["user", "group"]),
    name: z.string(),
    role: z.string(),
    repositories: z.array(z.string()).describe("the repository globs the role applies to"),
  }),
);
export const MemberList = named("MemberList", z.object({ members: z.array(Member) }));

// Roles ---------------------------------------------------------------------------------------------

export const Role = named(
  "Role",
  z.object({
    name: z.string(),
    description: z.string(),
    builtin: z.boolean(),
    permissions: z.array(ProjectPermission),
  }),
);
export const RoleList = named(
  "RoleList",
  z.object({
    roles: z.array(Role),
    builtinOrder: z.array(z.enum(BUILTIN_ROLES)).describe("the built-in roles, least to most"),
  }),
);

// Robots --------------------------------------------------------------------------------------------

export const RobotGrant = z.object({
  project: z.string(),
  repositories: z.array(z.string()),
  permissions: z.array(ProjectPermission),
});
export const Robot = named(
  "Robot",
  z.object({
    name: z.string().describe("the login name: robot$PROJECT+NAME, or robot$NAME for a system robot"),
    description: z.string(),
    project: z.string().optional().describe("the project of a project robot; absent for a system robot"),
    grants: z.array(RobotGrant),
    systemPermissions: z
      .array(z.enum(ROBOT_SYSTEM_PERMISSIONS))
      .describe("system permissions of a system robot (runtime.write: post runtime events); empty otherwise"),
    expiresAt: Time.nullable().describe("null: never expires"),
    expired: z.boolean(),
    disabled: z.boolean().describe("revoked: refused at once on every replica"),
    createdBy: z.string(),
    createdAt: Time,
  }),
);
export const RobotList = named("RobotList", z.object({ robots: z.array(Robot) }));
export const RobotCreated = named(
  "RobotCreated",
  z.object({
    robot: Robot,
    secret: z.string().describe("the robot's secret: shown once, stored only as a hash"),
  }),
);
export const RobotSecret = named(
  "RobotSecret",
  z.object({ name: z.string(), secret: z.string().describe("the new secret: shown once") }),
);

const Expiry = {
  expiresAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .describe("when the robot stops working; null: never. Default: 90 days from now"),
  expiresIn: z.string().min(1).max(32).optional().describe("instead of expiresAt: a duration (30d, 12h)"),
};

export const CreateProjectRobot = z.strictObject({
  name: Name,
  description: z.string().max(1024).optional(),
  permissions: z.array(ProjectPermission).min(1),
  repositories: Globs.optional().describe("default: every repository of the project (`*`)"),
  ...Expiry,
});
export const CreateSystemRobot = z.strictObject({
  name: Name,
  description: z.string().max(1024).optional(),
  grants: z
    .array(
      z.strictObject({
        project: Name,
        repositories: Globs.optional(),
        permissions: z.array(ProjectPermission).min(1),
      }),
    )
    .max(256)
    .default([])
    .describe("project grants; may be empty when systemPermissions is not"),
  systemPermissions: z
    .array(z.enum(ROBOT_SYSTEM_PERMISSIONS))
    .max(ROBOT_SYSTEM_PERMISSIONS.length)
    .optional()
    .describe("system permissions the robot holds: runtime.write lets it post Falco alerts and audit events"),
  ...Expiry,
});

// Who am I, keys, tokens -----------------------------------------------------------------------------

export const Me = named(
  "Me",
  z.object({
    name: z.string(),
    kind: z
      .enum(["user", "robot", "anonymous"])
      .describe("anonymous only in anonymous mode (auth.mode: anonymous), where it may do everything"),
    admin: z.boolean(),
    mustChangePassword: z.boolean(),
    systemPermissions: z.array(SystemPermission),
    grants: z.array(
      z.object({
        project: z.string(),
        role: z.string().optional().describe("the role granted (users); robots hold permissions directly"),
        group: z.string().optional().describe("the group the grant comes through, if not direct"),
        repositories: z.array(z.string()),
        permissions: z.array(ProjectPermission),
      }),
    ),
  }),
);
export const RotatedKey = named("RotatedKey", z.object({ kid: z.string() }));
export const RevokedTokens = named(
  "RevokedTokens",
  z.object({ revoked: z.number().int().describe("refresh tokens revoked") }),
);

export type UserRecordWire = z.output<typeof User>;
export type ProjectWire = z.output<typeof Project>;
export type RobotWire = z.output<typeof Robot>;
export type MemberWire = z.output<typeof Member>;
export type RoleWire = z.output<typeof Role>;
export type MeWire = z.output<typeof Me>;
