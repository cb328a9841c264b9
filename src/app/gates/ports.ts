import type { EvidencePorts, ScanReportSource } from "../../evidence/index.js";
import type { Platform } from "../../oci/index.js";
import type { Policy } from "../../policy/index.js";
import { policyTrustAnchors } from "../../policy/index.js";
import type { TrustedRoot, VerificationCache } from "../../trust/index.js";
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
  readonly platform?: Platform;
  /** The indexes that list a digest, where the registry can tell (the registry's own pull gate). */
  readonly parents?: (repository: string, digest: string) => Promise<readonly string[]>;
  readonly verificationCache?: VerificationCache;
  /** Reads key files; node:fs by default. */
  readonly readFile?: (path: string) => string;
}

/**
 * Evidence ports over any registry: an index's platform image (relations), the config blob, and signatures and attestations verified with the
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
  });
  return {
    relations: registryRelationSource(options.clientFor, {
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.parents ? { parents: options.parents } : {}),
    }),
    config: registryImageConfigSource(options.clientFor, options.platform),
    users: registryImageUserSource(options.clientFor, options.platform),
    signatures: verifiers.signatures,
    attestations: verifiers.attestations,
    ...(options.scans ? { scans: options.scans } : {}),
  };
}
