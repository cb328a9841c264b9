import type {
  AdmissionDecider,
  ContainerImage,
  ImageDecision,
  Verdict,
  WorkloadDecision,
  WorkloadFacts,
} from "../../admission/index.js";
import { nextTurn } from "../../core/index.js";
import type { Decision, ImageInput, PodSecurityFacts, RequestInput } from "../../policy/index.js";
import { guardAnswered } from "./deadline.js";
import type { ImagePolicyGate, ImageVerdict } from "./gate.js";

/**
 * WorkloadFacts → one policy decision per image. Each container is decided with its own request
 * context (its effective securityContext is part of it), but two containers with the same image and
 * the same context are asked once. An image whose reference does not parse is denied without asking.
 */

/** The break-glass annotation may sit on the workload or on its pod template: the template wins. */
function annotationsOf(facts: WorkloadFacts): Record<string, string> {
  return { ...facts.annotations, ...facts.pod.annotations };
}

function podSecurityOf(facts: WorkloadFacts, image: ContainerImage): PodSecurityFacts {
  const s = image.securityContext;
  return {
    ...(image.effective.runAsNonRoot === undefined ? {} : { runAsNonRoot: image.effective.runAsNonRoot }),
    ...(image.effective.runAsUser === undefined ? {} : { runAsUser: image.effective.runAsUser }),
    ...(image.effective.runAsGroup === undefined ? {} : { runAsGroup: image.effective.runAsGroup }),
    privileged: s.privileged === true,
    hostNetwork: facts.pod.hostNetwork,
    hostPathVolumes: facts.pod.hostPathVolumes.map((v) => v.path),
    addedCapabilities: s.capabilitiesAdd,
  };
}

/**
 * The request context of one container. `annotations` (annotationsOf(facts)) is computed once per
 * workload and shared by its containers: merging it per container cost containers × annotations.
 */
export function requestOf(
  facts: WorkloadFacts,
  image: ContainerImage,
  annotations: Record<string, string> = annotationsOf(facts),
): RequestInput {
  return {
    kind: "admission",
    namespace: facts.namespace,
    serviceAccount: facts.serviceAccountName,
    ...(facts.userInfo.username === "" ? {} : { user: facts.userInfo.username }),
    annotations,
    podSecurity: podSecurityOf(facts, image),
  };
}

/** `Kind/name`; a pod named by generateName has no name yet, so its prefix stands in (`web-*`). */
function workloadOf(facts: WorkloadFacts): string {
  const name = facts.name !== "" ? facts.name : `${facts.generateName ?? ""}*`;
  return `${facts.kind}/${name}`;
}

export function imageInputOf(image: ContainerImage): ImageInput | undefined {
  const ref = image.reference;
  if (ref === undefined) return undefined;
  return {
    reference: image.image,
    registry: ref.registry,
    repository: ref.repository,
    ...(ref.tag === undefined ? {} : { tag: ref.tag }),
    ...(ref.digest === undefined ? {} : { digest: ref.digest }),
  };
}

/** The reasons a response shows: the failing rules for warn/deny, the one-line reason otherwise. */
function reasonsOf(decision: Decision): string[] {
  if (decision.effect === "allow") return [decision.reason];
  const failed = decision.rules.filter((r) => !r.passed).map((r) => `${r.rule}: ${r.reason}`);
  const reasons = failed.length > 0 ? failed : [decision.reason];
  if (decision.breakGlass !== undefined)
    reasons.unshift(`break-glass annotation ${decision.breakGlass.annotation} let it through`);
  return reasons;
}

function toImageDecision(path: string, verdict: ImageVerdict): ImageDecision {
  const d = verdict.decision;
  const effect: Verdict = d.allowed ? (d.effect === "deny" ? "warn" : d.effect) : "deny";
  return {
    path,
    verdict: effect,
    reasons: reasonsOf(d),
    // Only a digest the policy let through is pinned: for an index, every image a runtime could select
    // from it passed. A denied digest is never written into the object.
    ...(verdict.digest === undefined || !d.allowed ? {} : { digest: verdict.digest }),
  };
}

function auditOf(verdicts: readonly ImageVerdict[]): Record<string, string> {
  const audit: Record<string, string> = {};
  const digests = [...new Set(verdicts.map((v) => v.decision.policyDigest))];
  if (digests.length > 0) audit["policy-digest"] = digests.join(",");
  const sources = [...new Set(verdicts.map((v) => v.decision.ruleSource))];
  if (sources.length > 0) audit["rule-source"] = sources.join(",");
  const glass = verdicts.find((v) => v.decision.breakGlass !== undefined)?.decision.breakGlass;
  if (glass !== undefined) audit["break-glass"] = `${glass.annotation}=${glass.value}`;
  const dryRun = verdicts.filter((v) => v.decision.verdict === "fail" && v.decision.allowed);
  if (dryRun.length > 0) audit["would-deny"] = dryRun.map((v) => v.decision.reason).join(" | ");
  return audit;
}

/**
 * The admission decider over a gate; `signal` is the review's deadline. Throws what the gate throws.
 * `onDecision` is told each container image's decision once all are in, unless the guard has answered
 * without them (its deadline passed first); an unparsable reference has no decision to tell.
 */
export function gateDecider(
  gate: ImagePolicyGate,
  signal: AbortSignal,
  onDecision?: (decision: Decision) => void,
): AdmissionDecider {
  return async (facts: WorkloadFacts): Promise<WorkloadDecision> => {
    const asked = new Map<string, Promise<ImageVerdict>>();
    const annotations = annotationsOf(facts);
    const pending = facts.images.map(async (image): Promise<[ImageDecision, ImageVerdict?]> => {
      const input = imageInputOf(image);
      if (input === undefined) {
        const why = image.referenceError ?? "the image reference is empty";
        return [{ path: image.path, verdict: "deny", reasons: [`invalid image reference: ${why}`] }];
      }
      const request = requestOf(facts, image, annotations);
      const key = JSON.stringify([image.canonical, request.podSecurity]);
      let verdict = asked.get(key);
      if (verdict === undefined) {
        // One decision per event-loop turn: hostile reviews arriving together must not hold off
        // /healthz and the deadline timers for the sum of their decisions (issue 22).
        const check = { image: input, request, dryRun: facts.dryRun, workload: workloadOf(facts) };
        verdict = nextTurn().then(() => gate(check, signal));
        asked.set(key, verdict);
      }
      const v = await verdict;
      return [toImageDecision(image.path, v), v];
    });
    const results = await Promise.all(pending);
    const verdicts = results.flatMap(([, v]) => (v === undefined ? [] : [v]));
    if (onDecision !== undefined && !guardAnswered(signal)) for (const v of verdicts) onDecision(v.decision);
    return { images: results.map(([d]) => d), auditAnnotations: auditOf(verdicts) };
  };
}
