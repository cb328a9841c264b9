import type { RegistryClient } from "../../oci/index.js";
import {
  type ArtifactCheck,
  type ArtifactLimits,
  claimedSigner,
  type FoundArtifact,
  type InTotoStatement,
  loadImage,
  PROVENANCE_PREDICATE_TYPES,
  parseStatement,
  provenanceFacts,
  verifyImageAttestations,
  verifyImageSignatures,
} from "../../trust/index.js";
import type { GateAnchor } from "../gates/anchors.js";

export const LINT_PREDICATE_TYPE = "https://portcullis.dev/attestations/dockerfile-lint/v1";

export interface SignatureView {
  readonly format: string;
  /** Where it was found: the cosign tag and layer, or the referrer's digest. */
  readonly digest: string;
  /** Checked against the pull policy's keys and identities; null when the policy names none. */
  readonly verified: boolean | null;
  /** The anchor that verified it (the policy's name for the key, or subject (issuer)); else who it claims. */
  readonly signer: string | null;
  /** Why it is not verified (unverifiedReason); null when verified or when nothing was checked. */
  readonly reason: string | null;
}

export interface AttestationView {
  readonly predicateType: string;
  readonly digest: string;
  readonly verified: boolean | null;
  readonly signer: string | null;
}

export interface ProvenanceView {
  readonly builder: string | null;
  readonly source: string | null;
  readonly dockerfileDigest: string | null;
  readonly baseImages: Array<{ name: string; digest: string | null }>;
  readonly verified: boolean | null;
}

export interface SupplyChainView {
  readonly signatures: SignatureView[];
  readonly attestations: AttestationView[];
  readonly provenance: ProvenanceView | null;
  readonly lint: { findings: number; errors: number; warnings: number; verified: boolean | null } | null;
  /** Why discovery stopped early (a bound reached); empty when everything was read. */
  readonly incomplete: string[];
}

function anchorName(anchor: GateAnchor, check: ArtifactCheck): string {
  if (anchor.signer.key !== undefined) return `key ${anchor.signer.key}`;
  return check.signer ?? `${anchor.signer.identity ?? "any identity"} (${anchor.signer.issuer ?? ""})`;
}

function describe(check: ArtifactCheck): string {
  return `${check.reason ?? "failed"}${check.message ? `: ${check.message}` : ""}`;
}

export const NO_ANCHOR_VERIFIES = "no key or identity of the pull policy verifies it";

/**
 * Why a signature is not verified: what the usable anchors said about it (the first failure), else that
 * none verifies it; and, when some of the policy's keys or identities could not be used (a keyless
 * signer without a trusted root), why, since one of them might have verified it.
 */
export function unverifiedReason(failure: string | undefined, unavailable: readonly string[]): string {
  const why = [...new Set(unavailable)];
  if (failure === undefined && why.length > 0) return why.join("; ");
  return [failure ?? NO_ANCHOR_VERIFIES, ...why].join("; ");
}

/** The statement an attestation carries, read without verifying it (for display when no anchor exists). */
function claimedStatement(artifact: FoundArtifact): InTotoStatement | undefined {
  try {
    if (artifact.kind !== "attestation") return undefined;
    if (artifact.source === "tag") {
      return parseStatement(Buffer.from(artifact.layer.envelope.payload, "base64"));
    }
    const bundle = JSON.parse(artifact.bundle.toString("utf8")) as { dsseEnvelope?: { payload?: string } };
    const payload = bundle.dsseEnvelope?.payload;
    return payload ? parseStatement(Buffer.from(payload, "base64")) : undefined;
  } catch {
    return undefined;
  }
}

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** SLSA/BuildKit base images: resolvedDependencies (v1) or materials (v0.2) naming docker images. */
function baseImagesOf(statement: InTotoStatement): Array<{ name: string; digest: string | null }> {
  const predicate = rec(statement.predicate);
  const deps = [
    ...(Array.isArray(rec(predicate.buildDefinition).resolvedDependencies)
      ? (rec(predicate.buildDefinition).resolvedDependencies as unknown[])
      : []),
    ...(Array.isArray(predicate.materials) ? (predicate.materials as unknown[]) : []),
  ];
  const out: Array<{ name: string; digest: string | null }> = [];
  for (const dep of deps.slice(0, 100)) {
    const d = rec(dep);
    const uri = typeof d.uri === "string" ? d.uri : undefined;
    if (!uri || !/^pkg:docker\/|^docker:\/\//.test(uri)) continue;
    const sha = rec(d.digest).sha256;
    out.push({ name: uri, digest: typeof sha === "string" ? `sha256:${sha}` : null });
  }
  return out;
}

function provenanceView(statement: InTotoStatement, verified: boolean | null): ProvenanceView {
  const facts = provenanceFacts(statement);
  const commit = facts.source?.digest ? Object.values(facts.source.digest)[0] : undefined;
  return {
    builder: facts.builderId ?? null,
    source: facts.source ? `${facts.source.uri}${commit ? `@${commit}` : ""}` : null,
    dockerfileDigest: facts.dockerfile?.sha256
      ? `sha256:${facts.dockerfile.sha256.replace(/^sha256:/, "")}`
      : null,
    baseImages: baseImagesOf(statement),
    verified,
  };
}

function lintView(statement: InTotoStatement, verified: boolean | null) {
  const findings = Array.isArray(rec(statement.predicate).findings)
    ? (rec(statement.predicate).findings as unknown[])
    : [];
  const severity = (f: unknown) => rec(f).severity;
  return {
    findings: findings.length,
    errors: findings.filter((f) => severity(f) === "error").length,
    warnings: findings.filter((f) => severity(f) === "warning").length,
    verified,
  };
}

/**
 * The signatures and attestations of a digest (cosign tags and Sigstore bundle referrers), each checked
 * against `anchors`, the pull policy's keys and identities: verified when one anchor verifies it, and
 * then named by that anchor. Without anchors nothing is called verified (null): what an artifact claims
 * about its signer is shown as a claim. Provenance and lint results come from a verified statement when
 * one exists, else from the first claimed one (marked unverified or unknown).
 */
export async function supplyChain(
  client: RegistryClient,
  repository: string,
  digest: string,
  anchors: readonly GateAnchor[] | undefined,
  limits?: ArtifactLimits,
): Promise<SupplyChainView> {
  const image = await loadImage(client, { registry: client.registry, repository, digest }, undefined, limits);
  const usable = (anchors ?? []).flatMap((a) => ("anchor" in a ? [a] : []));
  const unavailable = (anchors ?? []).flatMap((a) => ("unavailable" in a ? [a.unavailable] : []));
  const judged = usable.length > 0 || (anchors ?? []).length > 0;
  const sigOk = new Map<string, string>();
  const sigFail = new Map<string, { format: string; reason: string }>();
  const attOk = new Map<string, { signer: string; statement: InTotoStatement }>();
  for (const a of usable) {
    for (const check of verifyImageSignatures(image, { anchor: a.anchor }).checks) {
      if (check.ok) sigOk.set(check.where, anchorName(a, check));
      else if (!sigFail.has(check.where))
        sigFail.set(check.where, { format: check.format, reason: describe(check) });
    }
    for (const check of verifyImageAttestations(image, { anchor: a.anchor }).checks) {
      if (check.ok && check.statement && !attOk.has(check.where)) {
        attOk.set(check.where, { signer: anchorName(a, check), statement: check.statement });
      }
    }
  }
  const signatures: SignatureView[] = [];
  const attestations: AttestationView[] = [];
  const statements: Array<{ statement: InTotoStatement; verified: boolean | null }> = [];
  for (const artifact of image.discovery.artifacts) {
    const format = artifact.source === "tag" ? "cosign" : "sigstore-bundle";
    if (artifact.kind === "signature") {
      const ok = sigOk.get(artifact.where);
      signatures.push({
        format,
        digest: artifact.where,
        verified: judged ? ok !== undefined : null,
        signer: ok ?? claimedSigner(artifact) ?? null,
        reason: ok
          ? null
          : judged
            ? unverifiedReason(sigFail.get(artifact.where)?.reason, unavailable)
            : null,
      });
    } else if (artifact.kind === "attestation") {
      const ok = attOk.get(artifact.where);
      const statement = ok?.statement ?? claimedStatement(artifact);
      const predicateType =
        statement?.predicateType ??
        (artifact.source === "tag" ? artifact.layer.predicateType : artifact.predicateType) ??
        "unknown";
      attestations.push({
        predicateType,
        digest: artifact.where,
        verified: judged ? ok !== undefined : null,
        signer: ok?.signer ?? claimedSigner(artifact) ?? null,
      });
      if (statement) statements.push({ statement, verified: judged ? ok !== undefined : null });
    } else if (artifact.kind === "notation") {
      signatures.push({
        format: "notation",
        digest: artifact.where,
        verified: null,
        signer: null,
        reason: null,
      });
    }
  }
  // A verified statement first, so a forged claim never hides a verified one.
  statements.sort((x, y) => Number(y.verified === true) - Number(x.verified === true));
  const provenance = statements.find((s) =>
    (PROVENANCE_PREDICATE_TYPES as readonly string[]).includes(s.statement.predicateType),
  );
  const lint = statements.find((s) => s.statement.predicateType === LINT_PREDICATE_TYPE);
  return {
    signatures,
    attestations,
    provenance: provenance ? provenanceView(provenance.statement, provenance.verified) : null,
    lint: lint ? lintView(lint.statement, lint.verified) : null,
    incomplete: image.discovery.incomplete,
  };
}
