import { createHash } from "node:crypto";
import type { LinearPattern } from "../../core/index.js";
import type { VerificationFailure } from "../errors.js";
import type { IdentityPolicy } from "../formats/bundle/verify.js";
import { verifyBundle } from "../formats/bundle/verify.js";
import { verifyKeylessCosignAttestation, verifyKeylessCosignSignature } from "../formats/cosign/keyless.js";
import { verifyCosignAttestation, verifyCosignSignature } from "../formats/cosign/verify.js";
import type { TrustAnchor } from "../formats/format.js";
import { type InTotoStatement, matchSubject } from "../intoto/statement.js";
import type { VerificationKey } from "../keys/load.js";
import { repositoryOf } from "../payloads/simple-signing.js";
import type { CachedImage } from "./cache.js";
import { claimedPredicateType, type FoundArtifact, type ReferrerBundle } from "./discover.js";
import { PREDICATE_TYPE_COSIGN_SIGN, signSubjectOf } from "./sign-statement.js";

/** Why one artifact did not count, beyond the format-level reasons of the trust core. */
export type ArtifactFailure =
  | VerificationFailure
  | "ANNOTATION_MISMATCH"
  | "REFERENCE_MISMATCH"
  | "PREDICATE_TYPE_MISMATCH"
  | "CONDITION_FAILED"
  | "ARTIFACT_UNREADABLE"
  /** Discovery stopped at an ArtifactLimits bound: what was not read cannot count. */
  | "EVIDENCE_INCOMPLETE"
  | "UNSUPPORTED";

/** How one signature or attestation fared. */
export interface ArtifactCheck {
  kind: "signature" | "attestation";
  source: "tag" | "referrer";
  /** The cosign tag and layer index, or the referrer manifest digest. */
  where: string;
  format: "cosign" | "sigstore-bundle";
  ok: boolean;
  reason?: ArtifactFailure;
  message?: string;
  /** Who signed: `key sha256:<fingerprint>` or the certificate identity and issuer. */
  signer?: string;
  dockerReference?: string;
  annotations?: Record<string, unknown>;
  predicateType?: string;
  statement?: InTotoStatement;
  warnings: string[];
}

export interface ImageVerification {
  image: string;
  digest: string;
  /** At least one artifact of the wanted kind verified and passed every check. */
  ok: boolean;
  checks: ArtifactCheck[];
}

/** The anchors registry verification supports: a key, or a Sigstore identity under a trusted root. */
export type RegistryTrustAnchor = Extract<TrustAnchor, { kind: "key" } | { kind: "keyless" }>;

export interface VerifyImageOptions {
  anchor: RegistryTrustAnchor;
  /** `-a key=value`: each must be in the signed annotations. */
  requiredAnnotations?: Record<string, string>;
  /** A docker-reference naming another repository fails instead of warning. */
  strictReference?: boolean;
}

export interface VerifyAttestationOptions {
  anchor: RegistryTrustAnchor;
  /** Only attestations of this predicate type (a URI), or of one of these, are considered. */
  predicateType?: string | readonly string[];
  /** Evaluated over each verified statement; false fails it with CONDITION_FAILED. */
  condition?: (statement: InTotoStatement) => { ok: true } | { ok: false; message: string };
}

// Exporting a key costs about as much as verifying a signature: remember each key's fingerprint.
const fingerprints = new WeakMap<object, string>();

/** SHA-256 of the key's SubjectPublicKeyInfo, the fingerprint printed as the signer. */
export function keyFingerprint(key: VerificationKey): string {
  let fingerprint = fingerprints.get(key.publicKey);
  if (fingerprint === undefined) {
    const der = key.publicKey.export({ type: "spki", format: "der" });
    fingerprint = `sha256:${createHash("sha256").update(der).digest("hex")}`;
    fingerprints.set(key.publicKey, fingerprint);
  }
  return fingerprint;
}

/** An exact identity as is, a pattern as `/source/`. */
function shown(expected: string | LinearPattern): string {
  return typeof expected === "string" ? expected : `/${expected.source}/`;
}

function describeIdentity(
  identity: IdentityPolicy,
  found?: { subjectAlternativeName?: string; issuer?: string },
) {
  const san = found?.subjectAlternativeName ?? shown(identity.subjectAlternativeName);
  const issuer = found?.issuer ?? (identity.issuer !== undefined ? shown(identity.issuer) : undefined);
  return issuer ? `${san} (${issuer})` : san;
}

function signerOf(anchor: RegistryTrustAnchor, found?: { subjectAlternativeName?: string; issuer?: string }) {
  return anchor.kind === "key"
    ? `key ${keyFingerprint(anchor.key)}`
    : describeIdentity(anchor.identity, found);
}

function base(artifact: FoundArtifact, kind: "signature" | "attestation"): ArtifactCheck {
  return {
    kind,
    source: artifact.source,
    where: artifact.where,
    format: artifact.source === "tag" ? "cosign" : "sigstore-bundle",
    ok: false,
    warnings: [],
  };
}

function fail(check: ArtifactCheck, reason: ArtifactFailure, message: string): ArtifactCheck {
  return { ...check, ok: false, reason, message };
}

/**
 * One failed check per bound reached, so a decision that found no valid artifact says the evidence
 * was incomplete (and why) rather than only "no signature found". A valid artifact among those read
 * still counts: incompleteness can only fail a requirement, never satisfy one.
 */
function incompleteChecks(image: CachedImage, kind: "signature" | "attestation"): ArtifactCheck[] {
  return image.discovery.incomplete.map((message, i) => ({
    kind,
    source: "tag",
    where: `incomplete[${i}]`,
    format: "cosign",
    ok: false,
    reason: "EVIDENCE_INCOMPLETE",
    message: `evidence incomplete: ${message}`,
    warnings: [],
  }));
}

/** docker-reference and required annotations, shared by both signature formats. */
function checkClaims(check: ArtifactCheck, image: CachedImage, options: VerifyImageOptions): ArtifactCheck {
  const wanted = image.target.dockerReference;
  if (check.dockerReference !== undefined && repositoryOf(check.dockerReference) !== repositoryOf(wanted)) {
    const message = `signed for ${check.dockerReference}, verified as ${wanted}`;
    if (options.strictReference) return fail(check, "REFERENCE_MISMATCH", message);
    check.warnings.push(`docker-reference mismatch: ${message}`);
  }
  for (const [key, value] of Object.entries(options.requiredAnnotations ?? {})) {
    const actual = check.annotations?.[key];
    if (actual === undefined || String(actual) !== value) {
      return fail(
        check,
        "ANNOTATION_MISMATCH",
        `annotation ${key} is ${actual === undefined ? "absent" : JSON.stringify(actual)}, not ${JSON.stringify(value)}`,
      );
    }
  }
  return { ...check, ok: true };
}

function verifyTagSignature(
  artifact: Extract<FoundArtifact, { kind: "signature"; source: "tag" }>,
  image: CachedImage,
  options: VerifyImageOptions,
): ArtifactCheck {
  const check = base(artifact, "signature");
  const expected = { digest: image.target.digest, dockerReference: image.target.dockerReference };
  const { anchor } = options;
  const result =
    anchor.kind === "key"
      ? verifyCosignSignature(artifact.layer, anchor.key, expected)
      : verifyKeylessCosignSignature(artifact.layer, expected, anchor);
  if (!result.ok) return fail(check, result.reason, result.message);
  check.signer = signerOf(anchor);
  check.dockerReference = result.payload.dockerReference;
  check.annotations = result.payload.annotations ?? {};
  return checkClaims(check, image, options);
}

function bundleOptions(anchor: RegistryTrustAnchor, artifact: Buffer) {
  return anchor.kind === "key"
    ? { publicKey: anchor.key, allowNoTransparencyLog: anchor.allowNoTransparencyLog ?? true, artifact }
    : { trustedRoot: anchor.trustedRoot, identity: anchor.identity, artifact };
}

function verifyReferrerSignature(
  artifact: ReferrerBundle & { kind: "signature" },
  image: CachedImage,
  options: VerifyImageOptions,
): ArtifactCheck {
  const check = base(artifact, "signature");
  // The artifact is the image manifest: a message signature must sign its bytes, and a DSSE
  // statement's subject must name its digest (verifyBundle checks both).
  const result = verifyBundle(artifact.bundle, bundleOptions(options.anchor, image.target.manifest.bytes));
  if (!result.ok) return fail(check, result.reason, result.message);
  check.signer = signerOf(options.anchor, result.identity);
  const statement = result.dsse?.statement;
  if (result.dsse) {
    if (!statement || statement.predicateType !== PREDICATE_TYPE_COSIGN_SIGN) {
      return fail(check, "PREDICATE_TYPE_MISMATCH", "the bundle holds no cosign sign/v1 statement");
    }
    const subject = signSubjectOf(result.dsse.payload, image.target.digest);
    if (!subject) return fail(check, "DIGEST_MISMATCH", `no subject names ${image.target.digest}`);
    if (subject.name !== "") check.dockerReference = subject.name;
    check.annotations = subject.annotations;
  } else {
    check.annotations = {};
  }
  return checkClaims(check, image, options);
}

/**
 * Verifies every signature found on an image (cosign verify): each over its exact bytes with the
 * key or keyless identity, its digest against the image's, its docker-reference (a warning unless
 * strict) and the required annotations. Pure: the registry work was done by loadImage.
 */
export function verifyImageSignatures(image: CachedImage, options: VerifyImageOptions): ImageVerification {
  const checks: ArtifactCheck[] = incompleteChecks(image, "signature");
  for (const artifact of image.discovery.artifacts) {
    if (artifact.kind === "unreadable") {
      checks.push(fail(base(artifact, "signature"), "ARTIFACT_UNREADABLE", artifact.message));
    } else if (artifact.kind === "signature") {
      checks.push(
        artifact.source === "tag"
          ? verifyTagSignature(artifact, image, options)
          : verifyReferrerSignature(artifact, image, options),
      );
    }
  }
  return { image: image.target.display, digest: image.target.digest, ok: checks.some((c) => c.ok), checks };
}

function wantedTypes(options: VerifyAttestationOptions): readonly string[] | undefined {
  const t = options.predicateType;
  return t === undefined ? undefined : typeof t === "string" ? [t] : t;
}

function verifyOneAttestation(
  artifact: Extract<FoundArtifact, { kind: "attestation" }>,
  image: CachedImage,
  options: VerifyAttestationOptions,
): ArtifactCheck {
  const check = base(artifact, "attestation");
  const digest = image.target.digest;
  const { anchor } = options;
  let statement: InTotoStatement | undefined;
  if (artifact.source === "tag") {
    const result =
      anchor.kind === "key"
        ? verifyCosignAttestation(artifact.layer, anchor.key, { digest })
        : verifyKeylessCosignAttestation(artifact.layer, { digest }, anchor);
    if (!result.ok) return fail(check, result.reason, result.message);
    statement = result.statement;
    check.signer = signerOf(anchor);
  } else {
    const result = verifyBundle(artifact.bundle, bundleOptions(anchor, image.target.manifest.bytes));
    if (!result.ok) return fail(check, result.reason, result.message);
    statement = result.dsse?.statement;
    if (!statement) return fail(check, "STATEMENT_INVALID", "the bundle holds no in-toto statement");
    const match = matchSubject(statement, digest);
    if (!match.ok) return fail(check, match.reason, match.message);
    check.signer = signerOf(anchor, result.identity);
  }
  check.statement = statement;
  check.predicateType = statement.predicateType;
  const wanted = wantedTypes(options);
  if (wanted !== undefined && !wanted.includes(statement.predicateType)) {
    return fail(
      check,
      "PREDICATE_TYPE_MISMATCH",
      `the statement's predicate type is ${statement.predicateType}, not ${wanted.join(" or ")}`,
    );
  }
  if (options.condition) {
    const verdict = options.condition(statement);
    if (!verdict.ok) return fail(check, "CONDITION_FAILED", verdict.message);
  }
  return { ...check, ok: true };
}

/**
 * Verifies the attestations of an image (cosign verify-attestation): signature, subject digest,
 * predicate type, then the caller's condition. Attestations that claim another predicate type
 * are left out, as cosign's --type filter does; one whose signed statement contradicts its claim
 * fails.
 */
export function verifyImageAttestations(
  image: CachedImage,
  options: VerifyAttestationOptions,
): ImageVerification {
  const checks: ArtifactCheck[] = incompleteChecks(image, "attestation");
  for (const artifact of image.discovery.artifacts) {
    if (artifact.kind === "unreadable") {
      checks.push(fail(base(artifact, "attestation"), "ARTIFACT_UNREADABLE", artifact.message));
    } else if (artifact.kind === "attestation") {
      const claimed = claimedPredicateType(artifact);
      const wanted = wantedTypes(options);
      if (wanted !== undefined && claimed !== undefined && !wanted.includes(claimed)) continue;
      checks.push(verifyOneAttestation(artifact, image, options));
    }
  }
  return { image: image.target.display, digest: image.target.digest, ok: checks.some((c) => c.ok), checks };
}
