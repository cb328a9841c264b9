import type { Decision, Facts, ImageInput, Policy, RequestInput } from "../../policy/index.js";
import { evaluate } from "../../policy/index.js";
import type { AdmissionCaller } from "./caller.js";

/**
 * The seam between the webhook and the policy gate. app/ builds the real gate (evidence gathered from
 * the registry, signatures, scans); until it is wired, `evaluatingGate` evaluates the policy over
 * evidence from an injected look-up. The webhook never needs more than this one function.
 */
export interface ImageCheck {
  readonly image: ImageInput;
  readonly request: RequestInput;
  /** The AdmissionReview's dryRun: the gate must not record the decision or change anything. */
  readonly dryRun: boolean;
  /** `Kind/name` of the workload the image is in (the audit log's workload column). */
  readonly workload?: string;
  /** How the review's caller was authenticated (set by the server); only authenticated ones are recorded. */
  readonly caller?: AdmissionCaller;
  /**
   * The endpoint asking (set by the server). Only /validate's decisions are recorded: /mutate always
   * admits (it pins digests; denying is the validating webhook's job), so a row from it would record a
   * "deny" that never happened, and every Pod twice.
   */
  readonly endpoint?: "validate" | "mutate";
}

export interface ImageVerdict {
  readonly decision: Decision;
  /** The digest the reference was resolved to and checked at; the mutating webhook pins to it. */
  readonly digest?: string;
}

/** Decides about one image; `signal` aborts when the webhook's deadline passes. */
export type ImagePolicyGate = (check: ImageCheck, signal: AbortSignal) => Promise<ImageVerdict>;

/** What the evidence side knows about an image: the digest its tag resolves to, and the facts. */
export interface ImageEvidence {
  readonly digest?: string;
  readonly evidence: Facts;
}

export type EvidenceLookup = (image: ImageInput, signal: AbortSignal) => Promise<ImageEvidence>;

/** No evidence at all: digests only when the reference names one. Requirements reading evidence fail. */
export const noEvidence: EvidenceLookup = async (image) => ({
  ...(image.digest === undefined ? {} : { digest: image.digest }),
  evidence: {},
});

/** A gate that evaluates `policy` over the looked-up evidence, resolving the tag to its digest first. */
export function evaluatingGate(policy: Policy, lookup: EvidenceLookup = noEvidence): ImagePolicyGate {
  return async (check, signal) => {
    const found = await lookup(check.image, signal);
    const digest = check.image.digest ?? found.digest;
    const image: ImageInput = digest === undefined ? check.image : { ...check.image, digest };
    const decision = evaluate(policy, { image, request: check.request, evidence: found.evidence });
    return digest === undefined ? { decision } : { decision, digest };
  };
}
