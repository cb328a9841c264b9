import { z } from "zod";
import { AUDIT_GATES, MAX_PER_PAGE } from "../../../audit/index.js";
import { components } from "../identity/schemas.js";

/**
 * The schemas of the console's system, decision-log, policy and advisory routes, named in the same
 * registry as the accounts API's (identity/schemas.ts), so one OpenAPI document describes both.
 */
function named<T extends z.ZodType>(id: string, schema: T): T {
  components.add(schema, { id });
  return schema;
}

const Time = z.iso.datetime().describe("RFC 3339 time, UTC");
const Digest = z.string().describe("sha256:<hex>");

export const SystemInfo = named(
  "SystemInfo",
  z.object({
    version: z.string(),
    authMode: z.enum(["anonymous", "accounts"]),
    oidc: z.boolean().describe("OpenID Connect sign-in is configured (GET /auth/oidc/login)"),
    registryHost: z
      .string()
      .describe("HOST[:PORT] to name images with: the address this request reached, else the listen address"),
  }),
);

// Decisions --------------------------------------------------------------------------------------------

const Effect = z.enum(["allow", "warn", "deny"]);
/** A comma-separated list of one enum's values (`gate=registry-pull,admission`). */
const listOf = (values: readonly string[], what: string) =>
  z
    .string()
    .max(200)
    .refine((text) => text.split(",").every((v) => values.includes(v)), {
      message: `${what} must be one or more of ${values.join(", ")}, separated by commas`,
    })
    .optional();
const Text = z.string().min(1).max(512).optional();

export const DecisionQuery = z.strictObject({
  gate: listOf(AUDIT_GATES, "gate"),
  effect: listOf(Effect.options, "effect"),
  actor: Text.describe("who asked, exactly"),
  namespace: Text.describe("the admission request's namespace, exactly"),
  image: Text.describe("a substring of the image reference"),
  digest: z
    .string()
    .regex(/^[a-z0-9]+:[a-f0-9]{32,128}$/, "digest must be algorithm:hex")
    .optional(),
  since: Text.describe("a duration back from now (24h, 7d) or a time (2026-01-31T12:00:00Z)"),
  until: Text.describe("as since: only decisions before it"),
  q: Text.describe("a substring of the image, actor, namespace, workload or reason"),
  breakGlass: z.enum(["true", "false"]).optional().describe("true: only break-glass entries"),
  project: z
    .string()
    .regex(/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/, "project must be a project name")
    .max(255)
    .optional()
    .describe("only this project's entries (needs audit.read over the whole project, or system.audit)"),
  page: z
    .string()
    .regex(/^[1-9][0-9]{0,6}$/, "page must be a whole number from 1")
    .optional()
    .describe("1-based; given: the paged answer, newest first"),
  perPage: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, `perPage must be a whole number from 1 to ${MAX_PER_PAGE}`)
    .optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,4}$/, "limit must be a whole number from 1 to 10000")
    .optional()
    .describe("without page: the newest `limit` (default 1000), oldest first, as { decisions }"),
});

export const Decision = named(
  "Decision",
  z.object({
    id: z.number().int(),
    at: Time,
    gate: z.enum(AUDIT_GATES),
    effect: Effect,
    mode: z.string().describe("the enforcement mode in force: enforce, warn or dry-run"),
    image: z.string(),
    digest: z.string().nullable(),
    actor: z.string().nullable(),
    namespace: z.string().nullable(),
    workload: z.string().nullable(),
    reason: z.string(),
    rules: z.array(z.object({ id: z.string(), outcome: z.enum(["pass", "fail"]), message: z.string() })),
    breakGlass: z
      .object({ annotation: z.string(), value: z.string() })
      .nullable()
      .describe("the break-glass annotation that let the workload through, if one did"),
    caller: z.string().nullable().describe("how the surface that asked was authenticated"),
    policyDigest: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  }),
);

export const DecisionPage = named(
  "DecisionPage",
  z.object({
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
    items: z.array(Decision),
  }),
);

export const DecisionAnswer = named(
  "DecisionAnswer",
  z
    .union([
      DecisionPage,
      z.object({
        decisions: z.array(z.record(z.string(), z.unknown())).describe("the log's own entries, oldest first"),
      }),
    ])
    .describe("with `page`: a DecisionPage; without: { decisions } as before"),
);

export const ChainStatus = named(
  "ChainStatus",
  z.object({
    state: z.enum(["running", "done"]).describe("running: `checked` so far; ask again for the outcome"),
    ok: z.boolean().nullable().describe("null until a walk has finished"),
    checked: z.number().int().describe("rows whose hash was checked (by the walk shown)"),
    total: z.number().int().describe("rows in the log now"),
    head: z
      .string()
      .nullable()
      .describe("the log's head as one checkpoint line (portcullis audit checkpoint)"),
    brokenAt: z.number().int().nullable().describe("the first row that does not fit the chain"),
    problem: z.string().nullable(),
    checkpoints: z.number().int().describe("checkpoints of audit.checkpointFile compared on the way"),
    startedAt: Time,
    finishedAt: Time.nullable(),
  }),
);

// Policies -------------------------------------------------------------------------------------------

export const PolicyItem = named(
  "Policy",
  z.object({
    name: z.string().describe("push, pull, admission, or a named policy"),
    kind: z.enum(["registry-push", "registry-pull", "admission", "named"]),
    source: z.string().describe("the policy file"),
    digest: Digest.describe("sha256 of the file as loaded, recorded with every decision"),
    requirements: z
      .array(z.object({ id: z.string(), description: z.string().nullable() }))
      .describe("what the default rule requires"),
    rules: z.array(
      z.object({
        source: z.string().describe("defaultRule, namespaceRules.<ns>, ..."),
        evaluationMode: z.string(),
        enforcementMode: z.string(),
        failurePolicy: z.string(),
        requirements: z.array(z.string()),
      }),
    ),
    text: z.string().describe("the YAML as loaded"),
  }),
);
export const PolicyList = named("PolicyList", z.object({ items: z.array(PolicyItem) }));

export const EvaluateBody = z.strictObject({
  image: z
    .string()
    .min(1)
    .max(1024)
    .describe("an image of this registry: repo:tag, repo@digest, or with this registry's host"),
});

export const Evaluation = named(
  "Evaluation",
  z.object({
    policy: z.string(),
    image: z.string().describe("the reference evaluated, as the registry's gates name it"),
    digest: z.string().nullable(),
    decision: z.object({
      allowed: z.boolean(),
      effect: Effect,
      verdict: z.enum(["pass", "fail"]),
      mode: z.string(),
      ruleSource: z.string(),
      allowlisted: z.string().nullable(),
      reason: z.string(),
      rules: z.array(z.object({ id: z.string(), outcome: z.enum(["pass", "fail"]), message: z.string() })),
      policyDigest: z.string(),
    }),
    entries: z
      .array(
        z.object({
          digest: z.string(),
          platform: z.string().nullable(),
          effect: Effect,
          reason: z.string(),
        }),
      )
      .describe("an index: each image a runtime could select from it, judged on its own"),
  }),
);

// Advisory database ----------------------------------------------------------------------------------

export const AdvisoryStatus = named(
  "AdvisoryStatus",
  z.object({
    available: z.boolean().describe("false: no advisory database yet (portcullis db import / update)"),
    revision: z.string().nullable().describe("moves on every import; scan reports name the one they used"),
    updatedAt: Time.nullable().describe("the last import"),
    ecosystems: z.array(
      z.object({
        name: z.string(),
        records: z.number().int(),
        importedAt: Time.nullable(),
        source: z.string().nullable(),
      }),
    ),
    sources: z.array(
      z.object({
        name: z.string(),
        ecosystem: z.string().nullable(),
        importedAt: Time,
        records: z.number().int(),
        sha256: z.string().nullable(),
      }),
    ),
  }),
);

export const Rescan = named(
  "Rescan",
  z.object({ queued: z.number().int().describe("stored SBOMs the queued re-match will read") }),
);
