import type { PolicyGate } from "../../app/index.js";
import type { ImagePolicyGate } from "./gate.js";

/**
 * The webhook over app/'s PolicyGate (createPolicyGate). Every image of one review shares one tag
 * resolver, keyed by the review's AbortSignal (one per review, see guardedDecider), so a tag named by
 * several containers is resolved once; the digest the gate resolved is what /mutate pins.
 */
export function fromPolicyGate(gate: PolicyGate): ImagePolicyGate {
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
    return digest === undefined ? { decision: outcome.decision } : { decision: outcome.decision, digest };
  };
}
