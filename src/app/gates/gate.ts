import { nextTurn } from "../../core/index.js";
import {
  type DigestResolver,
  type EvidenceCache,
  type EvidencePorts,
  type GatheredFacts,
  type Resolution,
  requestDigestResolver,
  type TagReference,
} from "../../evidence/index.js";
import { type Platform, parseImageReference } from "../../oci/index.js";
import {
  type Decision,
  evaluate,
  type ImageInput,
  matchesImage,
  type Policy,
  type PolicyInput,
  type RequestInput,
  requiredEvidence,
  selectRule,
} from "../../policy/index.js";
import { GateError } from "./errors.js";
import { type EntryOutcome, judgeDigest, unavailable } from "./index-judging.js";

export interface PolicyGateOptions {
  readonly policy: Policy;
  /** Where evidence comes from (registryEvidencePorts, storedScanSource, localScanSource, or fakes). */
  readonly ports: EvidencePorts;
  /** Resolves a tag to a digest; without it a tag stays unresolved and the digest rule fails. */
  readonly resolver?: DigestResolver;
  readonly cache?: EvidenceCache;
  /** Deadline of each evidence lookup and of the tag resolution, in ms. */
  readonly timeoutMs: number;
  /** The decision's clock; the current time by default. */
  readonly now?: () => number;
  /**
   * The platforms of the nodes that run what this gate admits: an index is judged by every entry a
   * runtime could select on one of them. Absent: every runnable entry (the gate does not know its nodes).
   */
  readonly platforms?: readonly Platform[];
}

export interface GateRequest {
  /** The image as written (pod spec, CLI argument, pushed name). */
  readonly image: string;
  readonly request: RequestInput;
  /** The request's own deadline (an admission request's timeout). */
  readonly signal?: AbortSignal;
  /**
   * A resolver shared by every image of one request (PolicyGate.requestResolver), so a tag named by
   * several containers is resolved once; a fresh one per call otherwise.
   */
  readonly resolve?: (ref: TagReference) => Promise<Resolution>;
}

/** A decision and the input it was made from (plain data: record it as a `policy test` case). */
export interface GateOutcome {
  readonly decision: Decision;
  readonly input: PolicyInput;
  /** For an index: each image a runtime could select from it, judged on its own (the decision combines them). */
  readonly entries?: readonly EntryOutcome[];
}

export interface PolicyGate {
  readonly policy: Policy;
  /** Decides about one image; throws GateError INVALID_REFERENCE only for a malformed reference. */
  decide(request: GateRequest): Promise<Decision>;
  /** As decide, with the input the policy saw. */
  explain(request: GateRequest): Promise<GateOutcome>;
  /** One tag resolver for a whole request (several containers, one resolution per tag). */
  requestResolver(signal?: AbortSignal): (ref: TagReference) => Promise<Resolution>;
}

function imageInputOf(reference: string): ImageInput {
  try {
    const ref = parseImageReference(reference);
    return {
      reference,
      registry: ref.registry,
      repository: ref.repository,
      ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
      ...(ref.digest !== undefined ? { digest: ref.digest } : {}),
    };
  } catch (err) {
    throw new GateError(
      "INVALID_REFERENCE",
      `invalid image reference ${JSON.stringify(reference)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * The one gate of every surface (CI verify, admission, registry hooks): resolve the tag to a digest
 * once, gather only the evidence the selected rule reads (requiredEvidence), and evaluate. Fails
 * closed: an unresolvable tag or an unreachable source becomes an evidence error, and the rule's
 * failurePolicy (default `fail`) turns it into a failed requirement with the reason.
 */
export function createPolicyGate(options: PolicyGateOptions): PolicyGate {
  const { policy, ports, resolver, cache, timeoutMs } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new GateError("INVALID_ARGUMENT", `timeoutMs must be a positive number, not ${timeoutMs}`);
  }
  const now = options.now ?? Date.now;
  // Each evaluation waits for an event-loop turn of its own (issue 22). Evidence look-ups of many
  // requests, or of an index's entries, can complete in the same turn, and evaluating them back to
  // back there would hold off every socket and timer for the sum; one evaluation alone is bounded to
  // milliseconds (the CEL budget, linear patterns).
  const decide = async (input: PolicyInput): Promise<Decision> => {
    await nextTurn();
    return evaluate(policy, input, { now: now() });
  };

  const requestResolver = (signal?: AbortSignal) =>
    resolver
      ? requestDigestResolver(resolver, { timeoutMs, ...(signal ? { signal } : {}) })
      : async (): Promise<Resolution> => ({ error: "no digest resolver is configured" });

  const explain = async (req: GateRequest): Promise<GateOutcome> => {
    let image = imageInputOf(req.image);
    const rule = selectRule(policy, req.request);
    const exempt = policy.allowlist.some((p) => matchesImage(p, image));
    const sources = exempt ? [] : requiredEvidence(rule);
    let evidence: GatheredFacts = {};
    let resolutionError: string | undefined;
    // Resolve even when no evidence is needed: the digest rule and the pinning patch want the digest.
    if (!exempt && image.digest === undefined && rule.evaluationMode === "require") {
      const resolve = req.resolve ?? requestResolver(req.signal);
      const result = await resolve({
        registry: image.registry,
        repository: image.repository,
        tag: image.tag ?? "latest",
      });
      if ("digest" in result) image = { ...image, digest: result.digest };
      else resolutionError = result.error;
    }
    if (resolutionError !== undefined) {
      evidence = unavailable(sources, `cannot resolve ${req.image} to a digest: ${resolutionError}`);
    } else if (sources.length > 0 && image.digest !== undefined) {
      // An index is judged by every image a runtime could select from it (index-judging.ts).
      return judgeDigest({ ...image, digest: image.digest }, req.request, {
        ports,
        sources,
        timeoutMs,
        evaluate: decide,
        ...(cache ? { cache } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(options.platforms ? { platforms: options.platforms } : {}),
      });
    }
    const input: PolicyInput = { image, request: req.request, evidence };
    return { decision: await decide(input), input };
  };

  return {
    policy,
    explain,
    decide: async (req) => (await explain(req)).decision,
    requestResolver,
  };
}
