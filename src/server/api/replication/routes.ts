import type { z } from "zod";
import type { Platform, ReplicationRule, ReplicationRuleInput, ReplicationRun } from "../../../app/index.js";
import { ServerError } from "../../errors.js";
import { type IdentityRoute, openRoute } from "../identity/route.js";
import {
  ReplicationRuleBody,
  ReplicationRuleList,
  ReplicationRunList,
  RuleParams,
  ReplicationRule as RuleSchema,
  RunParams,
  ReplicationRun as RunSchema,
  RunsQuery,
} from "./schemas.js";

const BASE = "/api/v1/replication";
/**
 * Replication rules hold credentials for other registries and copy whole repositories out of and into
 * this one: installation settings, `system.config` (administrators). Anonymous mode answers on
 * loopback, where its one principal administers everything.
 */
const ADMIN = { kind: "permission", permission: "system.config" } as const;
const tag = "replication";
const iso = (ms: number) => new Date(ms).toISOString();

function ruleWire(r: ReplicationRule): z.input<typeof RuleSchema> {
  return {
    id: r.id,
    name: r.name,
    direction: r.direction,
    registry: r.registry,
    insecure: r.insecure,
    username: r.username,
    hasSecret: r.hasSecret,
    repositories: [...r.repositories],
    tags: [...r.tags],
    signedOnly: r.signedOnly,
    destinationNamespace: r.destinationNamespace,
    deletion: r.deletion,
    onPush: r.onPush,
    intervalSeconds: Math.round(r.intervalMs / 1000),
    enabled: r.enabled,
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

async function runWire(platform: Platform, run: ReplicationRun, withResults: boolean) {
  const wire: z.input<typeof RunSchema> = {
    id: run.id,
    rule: run.ruleId,
    trigger: run.trigger,
    state: run.state,
    startedAt: iso(run.startedAt),
    finishedAt: run.finishedAt === null ? null : iso(run.finishedAt),
    error: run.error,
    copied: run.copied,
    present: run.present,
    skipped: run.skipped,
    deleted: run.deleted,
    failed: run.failed,
    bytes: run.bytes,
  };
  if (withResults) {
    wire.results = (await platform.replication.store.results(run.id)).map((r) => ({
      kind: r.kind,
      repository: r.repository,
      reference: r.reference,
      digest: r.digest ?? null,
      outcome: r.outcome,
      bytes: r.bytes,
      detail: r.detail ?? null,
    }));
  }
  return wire;
}

/**
 * Records a change of a rule in the audit log (accounts mode; anonymous mode has no accounts to
 * record): who, which rule, what; never the secret, only whether one was given.
 */
function recorded(
  context: { platform: Platform; caller: { subject: string }; request: { ip: string } },
  rule: string,
  reason: string,
): void {
  context.platform.identity?.record({
    type: "replication.changed",
    actor: context.caller.subject,
    target: `replication:${rule}`,
    outcome: "allow",
    reason,
    address: context.request.ip,
  });
}

function describe(body: z.output<typeof ReplicationRuleBody>): string {
  return `${body.direction} ${body.registry}${body.secret ? " with a secret" : body.secret === null ? " without a secret" : ""}`;
}

function inputOf(body: z.output<typeof ReplicationRuleBody>): ReplicationRuleInput {
  const { intervalSeconds, ...rest } = body;
  return { ...rest, intervalMs: intervalSeconds * 1000 };
}

/** Rules CRUD, run now, and the history of runs with each artifact's result (`system.config`). */
export const REPLICATION_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "listReplicationRules",
    method: "GET",
    path: `${BASE}/rules`,
    summary: "List replication rules (never their secrets)",
    tag,
    access: ADMIN,
    response: ReplicationRuleList,
    handle: async ({ platform }) => ({ rules: (await platform.replication.list()).map(ruleWire) }),
  }),
  openRoute({
    id: "createReplicationRule",
    method: "POST",
    path: `${BASE}/rules`,
    summary: "Create a replication rule; its secret is stored sealed and never answered",
    tag,
    access: ADMIN,
    body: ReplicationRuleBody,
    response: RuleSchema,
    status: 201,
    handle: async (context) => {
      const rule = await context.platform.replication.create(inputOf(context.body), context.caller.subject);
      recorded(context, rule.name, `rule created: ${describe(context.body)}`);
      return ruleWire(rule);
    },
  }),
  openRoute({
    id: "getReplicationRule",
    method: "GET",
    path: `${BASE}/rules/{rule}`,
    summary: "One replication rule, by id or name",
    tag,
    access: ADMIN,
    params: RuleParams,
    response: RuleSchema,
    handle: async ({ platform, params }) => ruleWire(await platform.replication.get(params.rule)),
  }),
  openRoute({
    id: "updateReplicationRule",
    method: "PUT",
    path: `${BASE}/rules/{rule}`,
    summary: "Replace a replication rule (the secret stays unless given, or null to remove it)",
    tag,
    access: ADMIN,
    params: RuleParams,
    body: ReplicationRuleBody,
    response: RuleSchema,
    handle: async (context) => {
      const rule = await context.platform.replication.update(context.params.rule, inputOf(context.body));
      recorded(context, rule.name, `rule replaced: ${describe(context.body)}`);
      return ruleWire(rule);
    },
  }),
  openRoute({
    id: "deleteReplicationRule",
    method: "DELETE",
    path: `${BASE}/rules/{rule}`,
    summary: "Delete a replication rule with its history",
    tag,
    access: ADMIN,
    params: RuleParams,
    status: 204,
    handle: async (context) => {
      await context.platform.replication.delete(context.params.rule);
      recorded(context, context.params.rule, "rule deleted");
      return undefined;
    },
  }),
  openRoute({
    id: "runReplicationRule",
    method: "POST",
    path: `${BASE}/rules/{rule}/run`,
    summary: "Run a rule now over everything it matches; answers the finished run with each artifact",
    tag,
    access: ADMIN,
    params: RuleParams,
    response: RunSchema,
    handle: async (context) => {
      const run = await context.platform.replication.runNow(context.params.rule, "manual");
      recorded(context, context.params.rule, `run ${run.id} started by hand: ${run.state}`);
      return runWire(context.platform, run, true);
    },
  }),
  openRoute({
    id: "listReplicationRuns",
    method: "GET",
    path: `${BASE}/rules/{rule}/runs`,
    summary: "A rule's runs, newest first, with their totals",
    tag,
    access: ADMIN,
    params: RuleParams,
    query: RunsQuery,
    response: ReplicationRunList,
    handle: async ({ platform, params, query }) => {
      const rule = await platform.replication.get(params.rule);
      const runs = await platform.replication.store.runs(rule.id, query.limit ?? 50);
      return { runs: await Promise.all(runs.map((run) => runWire(platform, run, false))) };
    },
  }),
  openRoute({
    id: "getReplicationRun",
    method: "GET",
    path: `${BASE}/runs/{run}`,
    summary: "One run with each artifact's result",
    tag,
    access: ADMIN,
    params: RunParams,
    response: RunSchema,
    handle: async ({ platform, params }) => {
      const run = await platform.replication.store.run(params.run);
      if (!run) throw new ServerError("NOT_FOUND", `no replication run ${params.run}`);
      return runWire(platform, run, true);
    },
  }),
];
