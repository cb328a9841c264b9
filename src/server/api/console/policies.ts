import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { LoadedPolicy, Platform } from "../../../app/index.js";
import { formatPlatform, type ImageReference, parseImageReference } from "../../../oci/index.js";
import { type PolicyRule, REQUIREMENT_RULES, type Requirements } from "../../../policy/index.js";
import { ServerError } from "../../errors.js";
import { type IdentityRoute, openRoute } from "../identity/route.js";
import { Name } from "../identity/schemas.js";
import { EvaluateBody, Evaluation, PolicyList } from "./schemas.js";
import { registryHost } from "./system.js";

const RATIONALE = new Map<string, string>(REQUIREMENT_RULES.map((rule) => [rule.id, rule.rationale]));
/** A placeholder registry for references that name none: replaced by this registry's own host. */
const THIS_REGISTRY = "this-registry.invalid";

function requirementIds(require: Requirements): string[] {
  return REQUIREMENT_RULES.map((rule) => rule.id).filter((id) => require[id] !== undefined);
}

function ruleWire(rule: PolicyRule) {
  return {
    source: rule.source,
    evaluationMode: rule.evaluationMode,
    enforcementMode: rule.enforcementMode,
    failurePolicy: rule.failurePolicy,
    requirements: requirementIds(rule.require),
  };
}

export function policyWire(loaded: LoadedPolicy) {
  const { policy } = loaded;
  const rules = [
    policy.defaultRule,
    ...policy.clusterRules.values(),
    ...policy.namespaceRules.values(),
    ...policy.serviceAccountRules.values(),
  ];
  return {
    name: loaded.name,
    kind: loaded.kind,
    source: loaded.path,
    digest: policy.digest,
    requirements: requirementIds(policy.defaultRule.require).map((id) => ({
      id,
      description: RATIONALE.get(id) ?? null,
    })),
    rules: rules.map(ruleWire),
    text: loaded.text,
  };
}

/** The image reference of an evaluation, which must name this registry (or no registry). */
function localReference(text: string): ImageReference {
  try {
    return parseImageReference(text, { defaultRegistry: THIS_REGISTRY });
  } catch (err) {
    throw new ServerError("INVALID_ARGUMENT", `body: image: ${(err as Error).message}`, { cause: err });
  }
}

function checkHost(ref: ImageReference, platform: Platform, request: FastifyRequest): void {
  const ours = new Set([THIS_REGISTRY, registryHost(platform, request)]);
  const { host, port } = platform.config.server;
  ours.add(`${host.includes(":") ? `[${host}]` : host}:${port}`);
  if (!ours.has(ref.registry)) {
    throw new ServerError(
      "INVALID_ARGUMENT",
      `body: image: ${ref.registry} is another registry; only images of this one (${[...ours].filter((h) => h !== THIS_REGISTRY).join(", ")}) are evaluated here (portcullis verify --policy decides about others)`,
    );
  }
}

export const POLICY_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "listPolicies",
    method: "GET",
    path: "/api/v1/policies",
    summary: "The policies the server has loaded, with their requirements and text",
    tag: "policies",
    access: { kind: "signed-in" },
    response: PolicyList,
    handle: async ({ platform }) => ({ items: platform.policies.list().map(policyWire) }),
  }),
  openRoute({
    id: "evaluatePolicy",
    method: "POST",
    path: "/api/v1/policies/{name}/evaluate",
    summary: "Decide about an image of this registry with a loaded policy, recording nothing",
    tag: "policies",
    access: { kind: "repository", permission: "repository.pull" },
    params: z.strictObject({ name: Name }),
    body: EvaluateBody,
    response: Evaluation,
    repositoryOf: ({ body }) => localReference(body.image).repository,
    handle: async ({ platform, request, params, body, caller }) => {
      const ref = localReference(body.image);
      checkHost(ref, platform, request);
      const outcome = await platform.policies.evaluate(
        params.name,
        {
          repository: ref.repository,
          ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
          ...(ref.digest !== undefined ? { digest: ref.digest } : {}),
        },
        caller.subject,
      );
      if (!outcome) {
        const names = platform.policies.list().map((p) => p.name);
        throw new ServerError(
          "NOT_FOUND",
          `no policy ${JSON.stringify(params.name)} is loaded${names.length > 0 ? ` (loaded: ${names.join(", ")})` : " (the server has none: config policy.push, policy.pull)"}`,
        );
      }
      const { decision, input } = outcome;
      return {
        policy: params.name,
        image: input.image.reference,
        digest: input.image.digest ?? null,
        decision: {
          allowed: decision.allowed,
          effect: decision.effect,
          verdict: decision.verdict,
          mode: decision.mode,
          ruleSource: decision.ruleSource,
          allowlisted: decision.allowlisted ?? null,
          reason: decision.reason,
          rules: decision.rules.map((r) => ({
            id: r.rule,
            outcome: r.passed ? ("pass" as const) : ("fail" as const),
            message: r.reason,
          })),
          policyDigest: decision.policyDigest,
        },
        entries: (outcome.entries ?? []).map((e) => ({
          digest: e.digest,
          platform: e.platform ? formatPlatform(e.platform) : null,
          effect: e.decision.effect,
          reason: e.decision.reason,
        })),
      };
    },
  }),
];
