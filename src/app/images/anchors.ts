import type { Policy } from "../../policy/index.js";
import type { TrustedRoot } from "../../trust/index.js";
import { type GateAnchor, loadPolicyAnchors } from "../gates/anchors.js";

/**
 * The keys and identities the pull policy trusts, loaded once per policy (a reloaded policy is a new
 * object, read anew). No pull policy, or one that names none: undefined, and the console calls no
 * signature verified. A key that cannot be read verifies nothing, and says why. Keyless signers need
 * `trustedRoot` (config trust.trustedRoot); without it they are unavailable, with that reason.
 */
export function pullPolicyAnchors(
  policy: (() => Policy) | undefined,
  trustedRoot?: TrustedRoot,
): () => readonly GateAnchor[] | undefined {
  const loaded = new WeakMap<Policy, readonly GateAnchor[]>();
  return () => {
    if (!policy) return undefined;
    const current = policy();
    let anchors = loaded.get(current);
    if (!anchors) {
      try {
        anchors = loadPolicyAnchors(current, trustedRoot ? { trustedRoot } : {});
      } catch (err) {
        anchors = [{ signer: {}, unavailable: (err as Error).message }];
      }
      loaded.set(current, anchors);
    }
    return anchors.length > 0 ? anchors : undefined;
  };
}
