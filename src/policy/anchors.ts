import type { Policy, PolicyRule, SignerRequirement } from "./model.js";

/** What a gate must prepare before verifying: the keys a policy names, keyless identities, predicate types. */
export interface PolicyTrustAnchors {
  /** Key references as written (`keys/release.pub`): the app reads them; verifiers report them back. */
  readonly keys: readonly string[];
  readonly keyless: readonly {
    readonly issuer: string;
    readonly identity?: string;
    readonly identityRegExp?: string;
  }[];
  readonly attestationTypes: readonly string[];
}

function rulesOf(policy: Policy): PolicyRule[] {
  return [
    policy.defaultRule,
    ...policy.namespaceRules.values(),
    ...policy.serviceAccountRules.values(),
    ...policy.clusterRules.values(),
  ];
}

/** Every signer and predicate type any rule of the policy requires, each once. */
export function policyTrustAnchors(policy: Policy): PolicyTrustAnchors {
  const keys = new Set<string>();
  const keyless = new Map<string, PolicyTrustAnchors["keyless"][number]>();
  const types = new Set<string>();
  const add = (signer: SignerRequirement | undefined) => {
    if (!signer) return;
    if (signer.kind === "key") keys.add(signer.key);
    else {
      const pattern = signer.identityPattern;
      const entry = {
        issuer: signer.issuer,
        ...(signer.identity !== undefined ? { identity: signer.identity } : {}),
        ...(pattern !== undefined ? { identityRegExp: pattern } : {}),
      };
      keyless.set(JSON.stringify(entry), entry);
    }
  };
  for (const rule of rulesOf(policy)) {
    for (const signer of rule.require.signedBy ?? []) add(signer);
    for (const attestation of rule.require.attestations ?? []) {
      types.add(attestation.type);
      add(attestation.signer);
    }
  }
  return { keys: [...keys], keyless: [...keyless.values()], attestationTypes: [...types] };
}
