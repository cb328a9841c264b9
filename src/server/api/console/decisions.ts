import { z } from "zod";
import type { Platform } from "../../../app/index.js";
import {
  type AuditEffect,
  type AuditEntry,
  type AuditFilter,
  type AuditGate,
  parseSince,
} from "../../../audit/index.js";
import { ServerError } from "../../errors.js";
import { type IdentityRoute, openRoute } from "../identity/route.js";
import { chainStatus } from "./chain.js";
import { ChainStatus, DecisionAnswer, DecisionQuery, type Decision as DecisionSchema } from "./schemas.js";

type Query = z.output<typeof DecisionQuery>;
type Decision = z.input<typeof DecisionSchema>;

const DEFAULT_PER_PAGE = 50;

/**
 * The filter a decision-log query names, for AuditLog's list and page. Parsing is the zod schema's
 * (DecisionQuery); times go through parseSince, whose AuditError INVALID_ARGUMENT is a 400.
 */
export function decisionFilter(query: Query, now: number = Date.now()): AuditFilter {
  return {
    ...(query.gate !== undefined ? { gate: query.gate.split(",") as AuditGate[] } : {}),
    ...(query.effect !== undefined ? { effect: query.effect.split(",") as AuditEffect[] } : {}),
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.namespace !== undefined ? { namespace: query.namespace } : {}),
    ...(query.image !== undefined ? { image: query.image } : {}),
    ...(query.digest !== undefined ? { digest: query.digest } : {}),
    ...(query.since !== undefined ? { since: parseSince(query.since, now) } : {}),
    ...(query.until !== undefined ? { until: parseSince(query.until, now) } : {}),
    ...(query.q !== undefined ? { text: query.q } : {}),
    ...(query.breakGlass !== undefined ? { breakGlass: query.breakGlass === "true" } : {}),
    ...(query.limit !== undefined ? { limit: Number(query.limit) } : {}),
  };
}

/** A log entry in the console's shape (contract: console-api.md, "Decisions"). */
export function decisionWire(entry: AuditEntry): Decision {
  return {
    id: entry.id,
    at: new Date(entry.at).toISOString(),
    gate: entry.gate,
    effect: entry.effect,
    mode: entry.mode,
    image: entry.image,
    digest: entry.digest ?? null,
    actor: entry.actor ?? null,
    namespace: entry.namespace ?? null,
    workload: entry.workload ?? null,
    reason: entry.reason,
    rules: entry.rules.map((r) => ({ id: r.rule, outcome: r.passed ? "pass" : "fail", message: r.reason })),
    breakGlass: entry.breakGlass
      ? { annotation: entry.breakGlass.annotation, value: entry.breakGlass.value }
      : null,
    caller: entry.caller ?? null,
    policyDigest: entry.policyDigest ?? null,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

/**
 * GET /api/v1/audit/decisions after its authorisation: with `page`, one page newest first in the
 * console's shape with the total; without, the log's entries oldest first as before (`limit`).
 * `filter` lets the caller narrow what the query may see (a project-scoped reader) before it runs.
 */
export async function listDecisions(
  platform: Platform,
  rawQuery: unknown,
  narrow: (filter: AuditFilter) => AuditFilter = (filter) => filter,
): Promise<z.input<typeof DecisionAnswer>> {
  const parsed = DecisionQuery.safeParse(rawQuery ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    throw new ServerError("INVALID_ARGUMENT", `query: ${path === "" ? "" : `${path}: `}${issue.message}`);
  }
  const query = parsed.data;
  if (query.page === undefined && query.perPage !== undefined) {
    throw new ServerError("INVALID_ARGUMENT", "query: perPage needs page (or use limit without paging)");
  }
  if (query.page !== undefined && query.limit !== undefined) {
    throw new ServerError(
      "INVALID_ARGUMENT",
      "query: limit is for the unpaged answer; with page use perPage",
    );
  }
  const filter = narrow(decisionFilter(query));
  if (query.page === undefined) {
    const decisions: Array<Record<string, unknown>> = (await platform.audit.list(filter)).map((e) => ({
      ...e,
    }));
    return { decisions };
  }
  const page = Number(query.page);
  const perPage = query.perPage === undefined ? DEFAULT_PER_PAGE : Number(query.perPage);
  const result = await platform.audit.page(filter, page, perPage);
  return { total: result.total, page, perPage, items: result.items.map(decisionWire) };
}

export const DECISION_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "listDecisions",
    method: "GET",
    path: "/api/v1/audit/decisions",
    summary:
      "The gate decision log, filtered (gate, effect, actor, namespace, image, digest, since, until, q, breakGlass); paged newest first with page/perPage. system.audit reads the whole log; audit.read over a whole project reads that project's entries (its images' decisions and the events about it)",
    tag: "audit",
    // The whole log with system.audit, a project's part with audit.read there (api/audit-scope.ts).
    access: { kind: "permission", permission: "audit.read" },
    query: DecisionQuery,
    response: DecisionAnswer,
    // Registered in api/routes.ts, whose handler calls listDecisions: described here.
    external: true,
    handle: async ({ platform, query }) => listDecisions(platform, query),
  }),
  openRoute({
    id: "verifyDecisions",
    method: "GET",
    path: "/api/v1/audit/verify",
    summary:
      "Whether the decision log's hash chain holds: a walk in the background, its progress until it ends",
    tag: "audit",
    access: { kind: "permission", permission: "system.audit" },
    query: z.strictObject({
      refresh: z
        .enum(["true", "false"])
        .optional()
        .describe("true: start a new walk even when the last one is recent"),
    }),
    response: ChainStatus,
    handle: async ({ platform, query }) => chainStatus(platform, { refresh: query.refresh === "true" }),
  }),
];
