import type { LinearPattern } from "../core/index.js";
import type { ApprovedBase } from "../oci/index.js";
import type { CompiledCondition } from "./cel.js";
import type { ImagePattern } from "./image-pattern.js";

/**
 * A loaded policy: validated, defaults applied, CEL expressions compiled and image patterns turned
 * into matchers. Built only by `parsePolicy`; evaluation never fails on its shape.
 * Modelled on Google Binary Authorization (default rule; namespace, service account and cluster
 * rules; allowlist; evaluation and enforcement modes).
 */
export interface Policy {
  readonly file: string;
  /** sha256 of the file's bytes, recorded with every decision. */
  readonly digest: string;
  readonly defaultRule: PolicyRule;
  /** Keyed by namespace. */
  readonly namespaceRules: ReadonlyMap<string, PolicyRule>;
  /** Keyed `namespace:serviceAccountName`, as Binary Authorization keys them. */
  readonly serviceAccountRules: ReadonlyMap<string, PolicyRule>;
  readonly clusterRules: ReadonlyMap<string, PolicyRule>;
  readonly allowlist: readonly ImagePattern[];
  readonly breakGlass?: { readonly annotation: string };
}

export type EvaluationMode = "always-allow" | "always-deny" | "require";
export type EnforcementMode = "enforce" | "warn" | "dry-run";
/** What missing evidence (an unreachable registry, a timed-out lookup) means: fail closed, or ignore. */
export type FailurePolicy = "fail" | "ignore";

export interface PolicyRule {
  /** `defaultRule`, `namespaceRules.<ns>`, ... */
  readonly source: string;
  readonly evaluationMode: EvaluationMode;
  readonly enforcementMode: EnforcementMode;
  readonly failurePolicy: FailurePolicy;
  readonly require: Requirements;
}

export interface Requirements {
  readonly registries?: readonly ImagePattern[];
  readonly digest?: boolean;
  readonly signedBy?: readonly SignerRequirement[];
  readonly attestations?: readonly AttestationRequirement[];
  readonly scan?: ScanRequirement;
  readonly baseImage?: BaseImageRequirement;
  readonly nonRoot?: boolean;
  readonly podSecurity?: PodSecurityRequirement;
  readonly labels?: readonly LabelRequirement[];
  readonly custom?: readonly CustomRequirement[];
  readonly occurrences?: readonly OccurrenceRequirement[];
}

/**
 * A Grafeas occurrence the image must have (the Binary Authorization model: an attestor's note): of
 * `note` (`projects/P/notes/N`), of `kind` when given, posted by `author` when given.
 */
export interface OccurrenceRequirement {
  readonly note: string;
  readonly kind?: string;
  readonly author?: string;
}

/** A public key (as the policy names it) or a keyless identity. */
export type SignerRequirement =
  | { readonly kind: "key"; readonly key: string }
  | {
      readonly kind: "keyless";
      readonly issuer: string;
      readonly identity?: string;
      /** Matches the whole identity, with RE2 semantics (core/patterns.ts). */
      readonly identityRegExp?: LinearPattern;
      /** The regular expression as written. */
      readonly identityPattern?: string;
    };

export interface AttestationRequirement {
  /** The predicate type URI (aliases such as `slsaprovenance1` resolved at load). */
  readonly type: string;
  readonly signer?: SignerRequirement;
  readonly condition?: CompiledCondition;
}

export type Severity = "critical" | "high" | "medium" | "low" | "none";

export interface ScanRequirement {
  readonly maxAgeMs?: number;
  readonly maxAge?: string;
  readonly maxSeverity: Severity;
  readonly ignoreUnfixed: boolean;
  readonly exceptions: readonly ScanException[];
  /**
   * Accept a scan that could not see everything (a limit reached, a package database unreadable, no
   * advisories). Default false: an incomplete scan fails, whatever it found.
   */
  readonly allowIncomplete: boolean;
  /**
   * Findings no advisory gave a severity (no CVSS vector, no severity word, none on an alias):
   * `fail` (default) treats them as failing whatever maxSeverity is, `warn` passes and names them,
   * `ignore` passes silently. VEX, ignoreUnfixed and exceptions apply to them as to the others.
   */
  readonly unknownSeverity: UnknownSeverityPolicy;
}

export type UnknownSeverityPolicy = "fail" | "warn" | "ignore";

export interface ScanException {
  readonly id: string;
  readonly repository?: ImagePattern;
  readonly digest?: string;
  /** Epoch ms; the exception applies while now < until. */
  readonly until: number;
  readonly untilText: string;
  readonly reason: string;
}

export interface BaseImageRequirement {
  readonly approved: readonly ApprovedBase[];
}

export interface PodSecurityRequirement {
  readonly allowPrivileged: boolean;
  readonly allowHostPath: boolean;
  readonly allowHostNetwork: boolean;
  readonly allowedCapabilities: readonly string[];
}

export interface LabelRequirement {
  readonly name: string;
  /** Glob (`*` any run, `?` one character) the value must match; any non-empty value when absent. */
  readonly value?: LinearPattern;
  readonly valueText?: string;
  /** Image config label, manifest annotation, or either. */
  readonly from: "label" | "annotation" | "any";
}

export interface CustomRequirement {
  readonly name: string;
  readonly expression: CompiledCondition;
  readonly message?: string;
}
