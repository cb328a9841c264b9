import type { EvidencePorts, ScanReportSource } from "../../evidence/index.js";
import type { Policy } from "../../policy/index.js";
import { policyTrustAnchors } from "../../policy/index.js";
import type { ArtifactLimits, TrustedRoot, VerificationCache } from "../../trust/index.js";
import { loadPolicyAnchors } from "./anchors.js";
import type { ClientFor } from "./clients.js";
import { registryImageConfigSource } from "./image-config.js";
import { registryImageUserSource } from "./image-user.js";
import { registryRelationSource } from "./relations.js";
import { registryVerifiers } from "./verifiers.js";

export interface RegistryEvidenceOptions {
  readonly policy: Policy;
  readonly clientFor: ClientFor;
  /** For keyless signers; without it they fail with that reason. */
  readonly trustedRoot?: TrustedRoot;
  /** The scan source: localScanSource (CI), storedScanSource (server), or none. */
  readonly scans?: ScanReportSource;
  /** The indexes that list a digest, where the registry can tell (the registry's own pull gate). */
  readonly parents?: (repository: string, digest: string) => Promise<readonly string[]>;
  readonly verificationCache?: VerificationCache;
  /** Bounds on what a decision reads from signature and attestation artifacts (trust defaults). */
  readonly artifactLimits?: ArtifactLimits;
  /** Reads key files; node:fs by default. */
  readonly readFile?: (path: string) => string;
}

/**
 * Evidence ports over any registry: what a digest is and what lists it (relations), the config blob, and signatures and attestations verified with the
 * policy's trust anchors (key files read relative to the policy file). Throws GateError KEY_UNREADABLE
 * when a key cannot be read, before any decision.
 */
export function registryEvidencePorts(options: RegistryEvidenceOptions): EvidencePorts {
  const anchors = loadPolicyAnchors(options.policy, {
    ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
    ...(options.readFile ? { readFile: options.readFile } : {}),
  });
  const verifiers = registryVerifiers({
    clientFor: options.clientFor,
    anchors,
    attestationTypes: policyTrustAnchors(options.policy).attestationTypes,
    ...(options.verificationCache ? { cache: options.verificationCache } : {}),
    ...(options.artifactLimits ? { limits: options.artifactLimits } : {}),
  });
  return {
    relations: registryRelationSource(options.clientFor, {
      ...(options.parents ? { parents: options.parents } : {}),
    }),
    config: registryImageConfigSource(options.clientFor),
    // Subjects are images here (an index is judged by its entries), so no platform is picked.
    users: registryImageUserSource(options.clientFor),
    signatures: verifiers.signatures,
    attestations: verifiers.attestations,
    ...(options.scans ? { scans: options.scans } : {}),
  };
}
