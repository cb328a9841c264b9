import { EvidenceCache, type OccurrenceSource, type ScanReportSource } from "../../evidence/index.js";
import type { Platform } from "../../oci/index.js";
import type { Policy } from "../../policy/index.js";
import type { TrustedRoot } from "../../trust/index.js";
import { loadPolicyAnchors } from "./anchors.js";
import type { ClientFor } from "./clients.js";
import { registryDigestResolver } from "./digest-resolver.js";
import { createPolicyGate, type PolicyGate } from "./gate.js";
import { registryEvidencePorts } from "./ports.js";
import { type RegistryAccess, registryClients } from "./registry-access.js";
import { ReloadablePolicy } from "./reloadable-policy.js";

/**
 * The one assembly of the policy gate over remote registries, shared by `verify --policy` and the
 * admission webhook: registry clients built from the user's access, the policy's trust anchors, a scan
 * source, the digest resolver and, for a long-running gate, an evidence cache. The registry's own push
 * and pull gates read the registry in-process instead (registryGateHooks) and follow their policy files
 * with followRegistryPolicy.
 */
export interface GateAssemblyOptions {
  /** How registries are reached (credentials, docker config, insecure, timeout). */
  readonly access: RegistryAccess;
  /** Sigstore trusted root for keyless signers; without it they fail with that reason. */
  readonly trustedRoot?: TrustedRoot;
  /** Where scan reports come from (localScanSource, storedScanSource, apiScanSourceFor), or none. */
  readonly scans?: ScanReportSource;
  /**
   * Outside occurrences for the `occurrences` requirement: a server's API (apiOccurrenceSourceFor, with
   * --scan-api) or the shared database's store. None: that requirement fails closed, saying so.
   */
  readonly occurrences?: OccurrenceSource;
  /** The nodes' platforms: an index is judged by what a runtime could select on one of them. */
  readonly platforms?: readonly Platform[];
  /** Deadline of each evidence lookup and of the tag's resolution, in ms. */
  readonly timeoutMs: number;
  /**
   * A fresh EvidenceCache for every gate built (a webhook asks about the same digests again and again;
   * one `verify` decision does not). Fresh per gate: found signatures depend on the policy's anchors.
   */
  readonly evidenceCache?: boolean;
}

export interface GateAssembly {
  /** The registry clients every gate built here shares (one per host, token caches kept). */
  readonly clientFor: ClientFor;
  /**
   * A gate for `policy`. Its key files are read now, through `readFile` when given (ReloadablePolicy
   * hands in the reader that notices a changed key); a key that cannot be read throws GateError
   * KEY_UNREADABLE before any decision.
   */
  gate(policy: Policy, readFile?: (path: string) => string): PolicyGate;
  /**
   * The policy file at `path` (resolved), loaded now and followed for changes, each version's gate
   * handed to `use` (the webhook wraps it with its recording). Throws the policy's error when the first
   * load fails: a server must not start without one.
   */
  follow<T>(path: string, use: (gate: PolicyGate) => T): ReloadablePolicy<T>;
}

export function assembleGates(options: GateAssemblyOptions): GateAssembly {
  const clientFor = registryClients(options.access);
  const resolver = registryDigestResolver(clientFor);
  const gate = (policy: Policy, readFile?: (path: string) => string): PolicyGate =>
    createPolicyGate({
      policy,
      ports: {
        ...registryEvidencePorts({
          policy,
          clientFor,
          ...(readFile ? { readFile } : {}),
          ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
          ...(options.scans ? { scans: options.scans } : {}),
        }),
        ...(options.occurrences ? { occurrences: options.occurrences } : {}),
      },
      resolver,
      ...(options.evidenceCache ? { cache: new EvidenceCache() } : {}),
      ...(options.platforms ? { platforms: options.platforms } : {}),
      timeoutMs: options.timeoutMs,
    });
  return {
    clientFor,
    gate,
    follow: (path, use) =>
      new ReloadablePolicy({ path, build: (policy, readFile) => use(gate(policy, readFile)) }),
  };
}

/**
 * A registry policy file (config `policy.push`, `policy.pull`) followed for changes. Its key files are
 * loaded by the build (as the pull gate will load them), so a missing key refuses the policy and a
 * changed key reloads it; registryGateHooks builds the gates from the current policy.
 */
export function followRegistryPolicy(path: string): ReloadablePolicy<Policy> {
  return new ReloadablePolicy({
    path,
    build: (policy, readFile) => {
      loadPolicyAnchors(policy, { readFile });
      return policy;
    },
  });
}
