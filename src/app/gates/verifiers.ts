import type {
  AttestationEvidence,
  AttestationVerifier,
  EvidenceSubject,
  SignatureEvidence,
  SignatureVerifier,
  SignerEvidence,
} from "../../evidence/index.js";
import {
  type ArtifactCheck,
  type ArtifactLimits,
  type CachedImage,
  loadImage,
  VerificationCache,
  verifyImageAttestations,
  verifyImageSignatures,
} from "../../trust/index.js";
import type { GateAnchor } from "./anchors.js";
import type { ClientFor } from "./clients.js";

export interface RegistryVerifierOptions {
  readonly clientFor: ClientFor;
  readonly anchors: readonly GateAnchor[];
  /** Predicate types the policy asks about (policyTrustAnchors().attestationTypes); all when absent. */
  readonly attestationTypes?: readonly string[];
  /** Discovered artifacts per digest, shared by signatures and attestations of one decision. */
  readonly cache?: VerificationCache;
  /** Bounds on what discovery reads from signature and attestation artifacts (trust defaults). */
  readonly limits?: ArtifactLimits;
}

/**
 * The identity a keyless check reports: trust/registry prints the certificate's SAN and issuer as
 * `SAN (issuer)`; a key check reports the policy's own name for the key (signer-hint.ts has no key names).
 */
function signerOf(anchor: GateAnchor, check: ArtifactCheck): SignerEvidence {
  if (anchor.signer.key !== undefined) return { key: anchor.signer.key };
  const found = check.signer?.match(/^(.*) \(([^()]*)\)$/);
  return {
    identity: found?.[1] ?? anchor.signer.identity ?? check.signer ?? "",
    issuer: found?.[2] ?? anchor.signer.issuer ?? "",
  };
}

/** A check that failed with every anchor is reported once, with the first anchor's reason. */
function failures<T>(
  perAnchor: readonly (readonly ArtifactCheck[])[],
  verified: ReadonlySet<string>,
  make: (check: ArtifactCheck) => T,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const checks of perAnchor) {
    for (const check of checks) {
      if (check.ok || verified.has(check.where) || seen.has(check.where)) continue;
      seen.add(check.where);
      out.push(make(check));
    }
  }
  return out;
}

function describe(check: ArtifactCheck): string {
  return `${check.where}: ${check.reason ?? "failed"}${check.message ? `: ${check.message}` : ""}`;
}

/**
 * Signatures and attestations of a digest, found in the registry (cosign tags and Sigstore bundle
 * referrers) and verified with every anchor the policy names. One discovery per digest serves both
 * ports. Each verified (artifact, anchor) pair is one piece of evidence; an artifact no anchor
 * verified is reported once as unverified, so the decision can say why.
 */
export function registryVerifiers(options: RegistryVerifierOptions): {
  signatures: SignatureVerifier;
  attestations: AttestationVerifier;
} {
  const cache = options.cache ?? new VerificationCache({ ttlMs: 10_000 });
  // Signatures and attestations of one decision ask for the same digest at once: one discovery serves
  // both. A discovery begun before an invalidation (a signature arrived) is not joined after it.
  const inflight = new Map<string, Promise<CachedImage>>();
  const load = (subject: EvidenceSubject): Promise<CachedImage> => {
    const key = `${cache.generation}|${VerificationCache.key(subject.registry, subject.repository, subject.digest)}`;
    const running = inflight.get(key);
    if (running) return running;
    const loading = (async () => {
      const client = await options.clientFor(subject.registry);
      const ref = { registry: subject.registry, repository: subject.repository, digest: subject.digest };
      return loadImage(client, ref, cache, options.limits);
    })().finally(() => inflight.delete(key));
    inflight.set(key, loading);
    return loading;
  };
  const unavailable = options.anchors.flatMap((a) => ("unavailable" in a ? [a] : []));
  const usable = options.anchors.flatMap((a) => ("anchor" in a ? [a] : []));

  const signatures: SignatureVerifier = {
    async verifySignatures(subject) {
      const image = await load(subject);
      const out: SignatureEvidence[] = [];
      const verified = new Set<string>();
      const perAnchor = usable.map((a) => {
        const result = verifyImageSignatures(image, { anchor: a.anchor });
        for (const check of result.checks.filter((c) => c.ok)) {
          verified.add(check.where);
          out.push({
            verified: true,
            digest: image.target.digest,
            signer: signerOf(a, check),
            format: check.format,
          });
        }
        return result.checks;
      });
      out.push(
        ...failures(perAnchor, verified, (check) => ({
          verified: false,
          digest: image.target.digest,
          signer: {},
          format: check.format,
          error: describe(check),
        })),
      );
      for (const a of unavailable) {
        out.push({ verified: false, digest: image.target.digest, signer: a.signer, error: a.unavailable });
      }
      return out;
    },
  };

  const attestations: AttestationVerifier = {
    async verifyAttestations(subject) {
      const image = await load(subject);
      const out: AttestationEvidence[] = [];
      const verified = new Set<string>();
      const types = options.attestationTypes;
      const perAnchor = usable.map((a) => {
        const result = verifyImageAttestations(image, {
          anchor: a.anchor,
          ...(types && types.length > 0 ? { predicateType: types } : {}),
        });
        for (const check of result.checks) {
          if (!check.ok || !check.statement) continue;
          verified.add(check.where);
          out.push({
            predicateType: check.statement.predicateType,
            verified: true,
            digest: image.target.digest,
            signer: signerOf(a, check),
            predicate: check.statement.predicate ?? {},
          });
        }
        return result.checks;
      });
      out.push(
        ...failures(perAnchor, verified, (check) => ({
          predicateType: check.predicateType ?? "",
          verified: false,
          digest: image.target.digest,
          signer: {},
          predicate: null,
          error: describe(check),
        })),
      );
      return out;
    },
  };
  return { signatures, attestations };
}
