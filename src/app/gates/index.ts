/**
 * app/gates: the policy gate every surface asks (portcullis verify --policy, the admission webhook,
 * the registry hooks), assembled once (assemble.ts: assembleGates for the gates over remote registries,
 * registry-access.ts: every RegistryClient built from the user's access), and the evidence ports it
 * reads through: a registry (config, signatures, attestations, tag resolution) and a scan source (a
 * local scan for CI, the scan store for the server, or a Portcullis server's scan API for a webhook or
 * CI job without either).
 * Every decision can be recorded in the audit log (auditRecorder).
 */

export { type AnchorSigner, type GateAnchor, type LoadAnchorsOptions, loadPolicyAnchors } from "./anchors.js";
export { assembleGates, type GateAssembly, type GateAssemblyOptions } from "./assemble.js";
export { auditRecorder, type DecisionContext, type DecisionRecorder } from "./audit.js";
export { type ClientFor, cachedClients } from "./clients.js";
export { registryDigestResolver } from "./digest-resolver.js";
export { GateError, type GateErrorCode } from "./errors.js";
export {
  createPolicyGate,
  type GateOutcome,
  type GateRequest,
  type PolicyGate,
  type PolicyGateOptions,
} from "./gate.js";
export { registryImageConfigSource } from "./image-config.js";
export { type EntryOutcome, MAX_INDEX_DEPTH, MAX_JUDGED_ENTRIES } from "./index-judging.js";
export { apiOccurrenceSource } from "./occurrence-api-source.js";
export { loadPolicyFile } from "./policy-file.js";
export { type RegistryEvidenceOptions, registryEvidencePorts } from "./ports.js";
export {
  apiOccurrenceSourceFor,
  apiScanSourceFor,
  type RegistryAccess,
  registryClient,
  registryClients,
} from "./registry-access.js";
export { type PendingManifest, registryServiceConfigSource } from "./registry-config.js";
export {
  isGatedImage,
  isGatedIndex,
  type PolicySource,
  type RegistryGateOptions,
  registryGateHooks,
} from "./registry-gates.js";
export { type RelationSourceOptions, registryRelationSource } from "./relations.js";
export {
  logReload,
  ReloadablePolicy,
  type ReloadablePolicyOptions,
  type ReloadOutcome,
} from "./reloadable-policy.js";
export { type ApiScanSourceOptions, apiScanSource, scanApiUrl } from "./scan-api-source.js";
export { type LocalScanOptions, localScanSource, storedScanSource } from "./scan-sources.js";
export { type RegistryVerifierOptions, registryVerifiers } from "./verifiers.js";
