import type { DecisionRecorder, PolicyGate } from "../../app/index.js";
import { type AdmissionCaller, callerLabel } from "./caller.js";
import type { ImageCheck, ImagePolicyGate, ImageVerdict } from "./gate.js";

export interface PolicyGateRecording {
  /** Where each decision goes (auditRecorder over the platform's AuditLog), with gate "admission". */
  readonly recorder: DecisionRecorder;
  /** A decision that could not be recorded: logged by the caller; the answer stands. */
  readonly onError: (err: unknown, what: string) => void;
}

/**
 * The webhook over app/'s PolicyGate (createPolicyGate). Every image of one review shares one tag
 * resolver, keyed by the review's AbortSignal (one per review, see guardedDecider), so a tag named by
 * several containers is resolved once; the digest the gate resolved is what /mutate pins.
 * With `recording`, every decision of an authenticated caller (check.caller: a client certificate or
 * the bearer token, see caller.ts) is written to the audit log, with how the caller was authenticated,
 * before the answer goes back. An unauthenticated caller is answered but never recorded: anyone who can
 * reach the webhook could otherwise write `system:admin` into the tamper-evident log. Only the
 * validating endpoint records (one row per image of a review, with its real effect); /mutate admits
 * everything and only pins digests, so it records nothing.
 */
export function fromPolicyGate(gate: PolicyGate, recording?: PolicyGateRecording): ImagePolicyGate {
  const resolvers = new WeakMap<AbortSignal, ReturnType<PolicyGate["requestResolver"]>>();
  return async (check, signal) => {
    let resolve = resolvers.get(signal);
    if (resolve === undefined) {
      resolve = gate.requestResolver(signal);
      resolvers.set(signal, resolve);
    }
    const outcome = await gate.explain({
      image: check.image.reference,
      request: check.request,
      signal,
      resolve,
    });
    const digest = outcome.input.image.digest;
    const verdict: ImageVerdict =
      digest === undefined ? { decision: outcome.decision } : { decision: outcome.decision, digest };
    // A dryRun review promises no side effects (AdmissionReview v1 `dryRun`; the API server will not
    // persist the object), so its decision is answered but never written to the audit log.
    const caller = check.caller;
    const decides = check.endpoint !== "mutate";
    if (
      recording !== undefined &&
      decides &&
      !check.dryRun &&
      caller !== undefined &&
      caller.method !== "none"
    ) {
      await record(recording, check, verdict, caller);
    }
    return verdict;
  };
}

/** Records one decision; a failure is reported to `onError` and never changes the answer. */
async function record(
  recording: PolicyGateRecording,
  check: ImageCheck,
  verdict: ImageVerdict,
  caller: AdmissionCaller,
): Promise<void> {
  const { request } = check;
  try {
    await recording.recorder.record(verdict.decision, {
      gate: "admission",
      image: check.image.reference,
      ...(verdict.digest === undefined ? {} : { digest: verdict.digest }),
      ...(request.user === undefined ? {} : { actor: request.user }),
      ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
      ...(check.workload === undefined ? {} : { workload: check.workload }),
      caller: callerLabel(caller),
    });
  } catch (err) {
    recording.onError(err, `recording the admission decision for ${check.image.reference}`);
  }
}
