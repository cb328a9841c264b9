import type { ScanReportSource } from "../evidence/index.js";
import type { Policy, RequestKind } from "../policy/index.js";
import type { Registry } from "../registry/index.js";
import { type ArtifactLimits, artifactLimits, type TrustedRoot } from "../trust/index.js";
import { registryDigestResolver } from "./gates/digest-resolver.js";
import { createPolicyGate, type GateOutcome, type PolicyGate } from "./gates/gate.js";
import { registryEvidencePorts } from "./gates/ports.js";
import { inProcessRegistryReader } from "./gates/registry-reader.js";

/** What a loaded policy gates. `named`: a policy a project opts into by name ("certified images only"). */
export type PolicyKind = "registry-push" | "registry-pull" | "admission" | "named";

/** A policy file the server follows: config `policy.push`, `policy.pull`, and named policies. */
export interface PolicySlot {
  /** `push`, `pull`, `admission`, or the name a project's settings use. */
  readonly name: string;
  readonly kind: PolicyKind;
  /** The policy file (resolved path). */
  readonly path: string;
  /** The policy deciding now (it follows its file: a reloaded one replaces it). */
  current(): Policy;
  /** The file's text the current policy was loaded from. */
  text(): string;
}

/** A policy as listed: its slot's facts and the current version. */
export interface LoadedPolicy {
  readonly name: string;
  readonly kind: PolicyKind;
  readonly path: string;
  readonly policy: Policy;
  readonly text: string;
}

/** A local image to evaluate: a repository of this registry and a tag or a digest. */
export interface LocalImage {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface PolicyCatalog {
  /** Every policy the server has loaded, registry gates first. */
  list(): LoadedPolicy[];
  get(name: string): LoadedPolicy | undefined;
  /**
   * Decides about `image` with the named policy as its gate would (same evidence, read in-process),
   * recording nothing: a "try it" for people writing policies. Undefined when no policy has that name.
   */
  evaluate(name: string, image: LocalImage, actor: string): Promise<GateOutcome | undefined>;
}

export interface PolicyCatalogOptions {
  /** The slots, in listing order; a function, so slots known later (named policies) can join. */
  readonly slots: () => readonly PolicySlot[];
  readonly registry: () => Registry;
  /** HOST:PORT the registry gates name images with: an evaluation sees the same image string. */
  readonly host: string;
  readonly scans?: ScanReportSource;
  readonly artifactLimits?: Partial<ArtifactLimits>;
  /** Sigstore trusted root for keyless signers (config trust.trustedRoot). */
  readonly trustedRoot?: TrustedRoot;
  readonly timeoutMs?: number;
}

/** The request an evaluation stands for: what the policy's gate is asked. */
const REQUEST_OF: Readonly<Record<PolicyKind, RequestKind>> = {
  "registry-push": "registry-push",
  "registry-pull": "registry-pull",
  admission: "admission",
  // A project's policy applies to the registry's gates; a pull is what a reader of the console asks.
  named: "registry-pull",
};

/**
 * The server's loaded policies, listed for the console and evaluated on request through the gate `verify
 * --policy` uses (createPolicyGate), with the registry read in-process like the pull gate reads it. A
 * gate is built once per policy version (a reload builds a new one, reading its key files again).
 */
export function policyCatalog(options: PolicyCatalogOptions): PolicyCatalog {
  const limits = artifactLimits(options.artifactLimits);
  const clientFor = () => inProcessRegistryReader(options.registry, options.host);
  const gates = new WeakMap<Policy, PolicyGate>();
  const gateFor = (policy: Policy): PolicyGate => {
    let gate = gates.get(policy);
    if (!gate) {
      gate = createPolicyGate({
        policy,
        ports: registryEvidencePorts({
          policy,
          clientFor,
          parents: (repository, digest) => options.registry().manifests.parents(repository, digest),
          artifactLimits: limits,
          ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
          ...(options.scans ? { scans: options.scans } : {}),
        }),
        resolver: registryDigestResolver(clientFor),
        timeoutMs: options.timeoutMs ?? 10_000,
      });
      gates.set(policy, gate);
    }
    return gate;
  };
  const loaded = (slot: PolicySlot): LoadedPolicy => ({
    name: slot.name,
    kind: slot.kind,
    path: slot.path,
    policy: slot.current(),
    text: slot.text(),
  });
  const get = (name: string) => {
    const slot = options.slots().find((s) => s.name === name);
    return slot ? loaded(slot) : undefined;
  };
  return {
    list: () => options.slots().map(loaded),
    get,
    async evaluate(name, image, actor) {
      const found = get(name);
      if (!found) return undefined;
      const reference = `${options.host}/${image.repository}${image.tag !== undefined ? `:${image.tag}` : ""}${
        image.digest !== undefined ? `@${image.digest}` : ""
      }`;
      return gateFor(found.policy).explain({
        image: reference,
        request: { kind: REQUEST_OF[found.kind], user: actor },
      });
    },
  };
}
