import { z } from "zod";
import { named } from "../identity/schemas.js";

/** The replication routes' schemas: a rule's secret goes in, and never comes out. */
const Time = z.iso.datetime().describe("RFC 3339 time, UTC");
const Globs = z.array(z.string().min(1).max(255)).max(100);

export const RuleParams = z.object({ rule: z.string().min(1).max(63).describe("the rule's id or name") });
export const RunParams = z.object({ run: z.coerce.number().int().positive() });
export const RunsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).optional() });

export const ReplicationRuleBody = named(
  "ReplicationRuleInput",
  z.strictObject({
    name: z.string().min(1).max(63),
    direction: z
      .enum(["push", "pull"])
      .describe("push: this registry to the remote; pull: the remote into this one"),
    registry: z.string().min(1).max(255).describe("the remote as image references write it: host[:port]"),
    insecure: z.boolean().default(false).describe("plain HTTP to a host other than loopback"),
    username: z.string().min(1).max(255).nullable().default(null),
    secret: z
      .string()
      .min(1)
      .max(4096)
      .nullable()
      .optional()
      .describe(
        "password or token; stored sealed, never answered. On update: absent keeps it, null removes it",
      ),
    repositories: Globs.default([]).describe("globs over source repositories; empty: all"),
    tags: Globs.default([]).describe("globs over tags; empty: all"),
    signedOnly: z.boolean().default(false).describe("only images with a signature present at the source"),
    destinationNamespace: z.string().max(200).default(""),
    deletion: z.boolean().default(false).describe("remove at the destination the tags the source dropped"),
    onPush: z.boolean().default(true).describe("push rules: run on each push to this registry"),
    intervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(31_536_000)
      .default(0)
      .describe("0: no schedule; else at least 60"),
    enabled: z.boolean().default(true),
  }),
);

export const ReplicationRule = named(
  "ReplicationRule",
  z.strictObject({
    id: z.string(),
    name: z.string(),
    direction: z.enum(["push", "pull"]),
    registry: z.string(),
    insecure: z.boolean(),
    username: z.string().nullable(),
    hasSecret: z.boolean(),
    repositories: z.array(z.string()),
    tags: z.array(z.string()),
    signedOnly: z.boolean(),
    destinationNamespace: z.string(),
    deletion: z.boolean(),
    onPush: z.boolean(),
    intervalSeconds: z.number().int(),
    enabled: z.boolean(),
    createdBy: z.string(),
    createdAt: Time,
    updatedAt: Time,
  }),
);
export const ReplicationRuleList = named(
  "ReplicationRuleList",
  z.strictObject({ rules: z.array(ReplicationRule) }),
);

const Totals = {
  copied: z.number().int(),
  present: z.number().int(),
  skipped: z.number().int(),
  deleted: z.number().int(),
  failed: z.number().int(),
  bytes: z.number().int(),
};

export const ReplicationResult = named(
  "ReplicationResult",
  z.strictObject({
    kind: z.enum(["image", "signature", "referrer", "referrers-index", "deletion"]),
    repository: z.string(),
    reference: z.string(),
    digest: z.string().nullable(),
    outcome: z.enum(["copied", "present", "skipped", "deleted", "failed"]),
    bytes: z.number().int(),
    detail: z.string().nullable(),
  }),
);

export const ReplicationRun = named(
  "ReplicationRun",
  z.strictObject({
    id: z.number().int(),
    rule: z.string(),
    trigger: z.enum(["manual", "schedule", "event"]),
    state: z.enum(["running", "succeeded", "failed", "error"]),
    startedAt: Time,
    finishedAt: Time.nullable(),
    error: z.string().nullable(),
    ...Totals,
    results: z
      .array(ReplicationResult)
      .optional()
      .describe("each artifact (GET of one run, and a manual run)"),
  }),
);
export const ReplicationRunList = named(
  "ReplicationRunList",
  z.strictObject({ runs: z.array(ReplicationRun) }),
);
