import type { AdmissionDecider, WorkloadDecision, WorkloadFacts } from "../../admission/index.js";

/**
 * The webhook always answers, and in time. The API server waits `timeoutSeconds` (1–30, default 10)
 * and then applies the webhook's failurePolicy itself; answering at ~80% of that keeps the choice
 * ours and the message readable. A decider that throws or overruns gets the same treatment:
 * "Fail" denies every image with the reason (fail closed), "Ignore" admits them with a warning.
 * (admissionregistration.k8s.io/v1 ValidatingWebhook: timeoutSeconds, failurePolicy.)
 *
 * Failing open must not be reachable by pushing content (issue 11, item 5). So the decider's signal
 * aborts earlier, at the evidence deadline (80% of the guard's): every evidence look-up still running
 * then stops and becomes an evidence error, which the policy rule's own failurePolicy decides (fail
 * closed by default), and the gate answers with a decided deny. Whatever an image's signatures,
 * attestations or scan cost (and discovery bounds that, trust ArtifactLimits), the answer is the
 * policy's. The guard's replacement is left for a gate that does not answer even then: a hung audit
 * write, a stuck evaluation, an exception — infrastructure, not content.
 */
export type WebhookFailurePolicy = "Fail" | "Ignore";

export interface DeadlineOptions {
  /** Milliseconds before the decider is abandoned. */
  deadlineMs: number;
  failurePolicy: WebhookFailurePolicy;
  /** Told once for each decision replaced by the failure policy, and why (for metrics). */
  onFailure?: (reason: "deadline" | "error") => void;
}

/** The deadline for a webhook timeout: 80% of it, leaving room for the network and the API server. */
export function deadlineFor(timeoutMs: number): number {
  return Math.max(1, Math.floor(timeoutMs * 0.8));
}

/**
 * When the decider's signal aborts, before the guard's deadline: 80% of it, leaving the gate the rest
 * to evaluate over what it gathered and record the decision.
 */
export function evidenceDeadlineFor(deadlineMs: number): number {
  return Math.max(1, Math.floor(deadlineMs * 0.8));
}

/** Signals of reviews the guard answered itself (the decider's late decisions are dropped unseen). */
const answeredByGuard = new WeakSet<AbortSignal>();

/** Whether the guard has answered the review this signal belongs to (so its decisions count for nothing). */
export function guardAnswered(signal: AbortSignal): boolean {
  return answeredByGuard.has(signal);
}

function failed(facts: WorkloadFacts, policy: WebhookFailurePolicy, why: string): WorkloadDecision {
  const verdict = policy === "Fail" ? "deny" : "warn";
  const reason =
    policy === "Fail" ? `${why} (failurePolicy Fail: denied)` : `${why} (failurePolicy Ignore: admitted)`;
  return {
    images: facts.images.map((image) => ({ path: image.path, verdict, reasons: [reason] })),
    workload: { verdict, reasons: [reason] },
    auditAnnotations: { "decision-error": why },
  };
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `policy decision failed: ${message.replace(/\s+/g, " ").slice(0, 500)}`;
}

/**
 * Wraps a decider (built per review around an AbortSignal) so that it never throws and resolves
 * within the deadline; the signal aborts when the deadline passes so the gate can stop its look-ups.
 */
export function guardedDecider(
  build: (signal: AbortSignal) => AdmissionDecider,
  options: DeadlineOptions,
): AdmissionDecider {
  const onFailure = options.onFailure ?? (() => {});
  return (facts) => {
    const controller = new AbortController();
    return new Promise<WorkloadDecision>((resolve) => {
      // Whichever comes first answers; a late decision or error after the deadline is dropped unseen.
      let settled = false;
      const evidenceTimer = setTimeout(
        () => controller.abort(new Error("the decision's evidence deadline passed")),
        evidenceDeadlineFor(options.deadlineMs),
      );
      const timer = setTimeout(() => {
        settled = true;
        answeredByGuard.add(controller.signal);
        controller.abort();
        onFailure("deadline");
        resolve(
          failed(facts, options.failurePolicy, `policy decision timed out after ${options.deadlineMs} ms`),
        );
      }, options.deadlineMs);
      Promise.resolve()
        .then(() => build(controller.signal)(facts))
        .then(
          (decision) => {
            settled = true;
            resolve(decision);
          },
          (err: unknown) => {
            if (settled) return;
            settled = true;
            onFailure("error");
            resolve(failed(facts, options.failurePolicy, describe(err)));
          },
        )
        .finally(() => {
          clearTimeout(timer);
          clearTimeout(evidenceTimer);
        });
    });
  };
}
