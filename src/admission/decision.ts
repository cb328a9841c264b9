import type { WorkloadFacts } from "./facts.js";

/**
 * What the policy engine answers about a workload. Admission holds no policy: it asks a decider
 * (injected by app/) and turns the answer into an AdmissionResponse.
 */

/** allow: let it run; warn: let it run and tell the client; deny: refuse (in validate mode). */
export type Verdict = "allow" | "warn" | "deny";

export interface ImageDecision {
  /** ContainerImage.path of the image this decision is about. */
  path: string;
  verdict: Verdict;
  /** Why: every failing (or, for warn, offending) rule's reason, one sentence each. */
  reasons: string[];
  /**
   * The digest the image's tag resolved to and was checked at ("sha256:..."). The mutating webhook
   * pins the image to it, so that what runs is what was verified.
   */
  digest?: string;
}

export interface WorkloadDecision {
  /** One per ContainerImage of the facts; an image without one is denied (fail closed). */
  images: ImageDecision[];
  /** Pod-level rules (hostNetwork, hostPath...), independent of any image. */
  workload?: { verdict: Verdict; reasons: string[] };
  /** Extra audit annotations (policy digest, break-glass...); keys are sanitised to valid names. */
  auditAnnotations?: Record<string, string>;
}

/** The seam to the policy engine: may do I/O (evidence look-ups); admission itself never does. */
export type AdmissionDecider = (facts: WorkloadFacts) => WorkloadDecision | Promise<WorkloadDecision>;

export type AdmissionMode = "validate" | "mutate";

export interface MutateOptions {
  /** Write `repo:tag@digest` instead of `repo@digest` (the runtime ignores the tag; people read it). */
  keepTag?: boolean;
  /**
   * When set, an annotation of this name on the workload records each pinned image's original
   * reference as JSON (e.g. "portcullis.dev/original-images"). Must be a valid annotation key.
   */
  recordAnnotation?: string;
}

export interface ResponseOptions {
  mutate?: MutateOptions;
}
