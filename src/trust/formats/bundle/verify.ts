import { createHash, type KeyObject, X509Certificate } from "node:crypto";
import { type Bundle, bundleFromJSON, isBundleWithDsseEnvelope } from "@sigstore/bundle";
import { type Signer, toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import type { LinearPattern } from "../../../core/index.js";
import type { VerificationFailure } from "../../errors.js";
import { type InTotoStatement, matchSubject, parseStatement } from "../../intoto/statement.js";
import type { VerificationKey } from "../../keys/load.js";
import { classifyKey } from "../../keys/policy.js";
import { emptyTrustedRoot, type TrustedRoot } from "./trusted-root.js";

/** Who must have signed, for certificate (keyless) bundles: cosign's --certificate-identity/-oidc-issuer. */
export interface IdentityPolicy {
  /**
   * The certificate's SAN (email or URI): an exact string, or a pattern (core compileRegExp, RE2 as
   * cosign's Go regexp, compiled `anchored` so it must match the whole SAN).
   */
  subjectAlternativeName: string | LinearPattern;
  /** The OIDC issuer recorded by Fulcio (extension 1.3.6.1.4.1.57264.1.8, or .1.1 on old certificates). */
  issuer?: string | LinearPattern;
}

export interface VerifyBundleOptions {
  /** The signed artifact: a message signature's bytes, or the subject of a DSSE in-toto statement. */
  artifact?: Uint8Array;
  /** The Sigstore trusted root; required for certificate bundles and log entries. */
  trustedRoot?: TrustedRoot;
  /** For keyed bundles: the key (any hint maps to it, as `cosign verify-blob --key`). */
  publicKey?: VerificationKey | KeyObject;
  /** For certificate bundles: who must have signed. */
  identity?: IdentityPolicy;
  /** Accept a keyed bundle without a transparency-log entry (offline signing). Default false. */
  allowNoTransparencyLog?: boolean;
}

export interface VerifiedBundle {
  ok: true;
  bundle: Bundle;
  /** The certificate identity, for keyless bundles. */
  identity?: { subjectAlternativeName?: string; issuer?: string };
  /** The DSSE payload, for envelope bundles. */
  dsse?: { payloadType: string; payload: Buffer; statement?: InTotoStatement };
}

export type BundleVerification = VerifiedBundle | { ok: false; reason: VerificationFailure; message: string };

function fail(reason: VerificationFailure, message: string): BundleVerification {
  return { ok: false, reason, message };
}

/** Maps @sigstore/verify's error codes onto ours (sigstore-js packages/verify/src/error.ts). */
function reasonOf(err: unknown): VerificationFailure {
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  if (code.startsWith("TLOG")) return "TLOG_INVALID";
  if (code === "CERTIFICATE_ERROR") return "CERTIFICATE_INVALID";
  if (code === "PUBLIC_KEY_ERROR") return "KEY_MISMATCH";
  if (code === "SIGNATURE_ERROR") return "SIGNATURE_MISMATCH";
  if (code === "TIMESTAMP_ERROR") return "TIMESTAMP_INVALID";
  if (code === "UNTRUSTED_SIGNER_ERROR") return "IDENTITY_MISMATCH";
  return "UNTRUSTED";
}

function matches(expected: string | LinearPattern, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (typeof expected === "string") return expected === actual;
  return expected.test(actual);
}

function keyObjectOf(key: VerificationKey | KeyObject): KeyObject {
  return "publicKey" in key && "kind" in key ? key.publicKey : (key as KeyObject);
}

/**
 * The signing key, whoever vouches for it, passes our key policy (trust/keys classifyKey: RSA 2048..4096
 * with e=65537 only, P-256/384/521, Ed25519) before @sigstore/verify uses it: with e=1 any padded
 * digest is a valid signature. The given key may be a bare KeyObject; a certificate's key is the leaf's.
 */
function weakKeyProblem(bundle: Bundle, publicKey: KeyObject | undefined): BundleVerification | undefined {
  if (publicKey) {
    try {
      classifyKey(publicKey);
    } catch (err) {
      return fail("UNTRUSTED", `the verification key is refused: ${(err as Error).message}`);
    }
    return undefined;
  }
  const content = bundle.verificationMaterial.content;
  const leaf =
    content.$case === "certificate"
      ? content.certificate.rawBytes
      : content.$case === "x509CertificateChain"
        ? content.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  if (!leaf) return undefined; // @sigstore/verify refuses a bundle without its certificate
  try {
    classifyKey(new X509Certificate(leaf).publicKey);
  } catch (err) {
    return fail("CERTIFICATE_INVALID", `the signing certificate's key is refused: ${(err as Error).message}`);
  }
  return undefined;
}

/**
 * Verifies a Sigstore bundle (any version from v0.1 to v0.3) with @sigstore/verify: the
 * signature, the certificate chain up to a Fulcio root of the trusted root and its SCTs, the
 * transparency-log entries and timestamps; then the identity policy (exact SAN and issuer, not
 * sigstore-js' unanchored pattern) and, for DSSE in-toto envelopes, that a subject names the
 * artifact. Returns a reason instead of throwing for anything the bundle or root got wrong.
 */
export function verifyBundle(input: unknown, options: VerifyBundleOptions): BundleVerification {
  let bundle: Bundle;
  try {
    const json =
      typeof input === "string" || input instanceof Uint8Array
        ? JSON.parse(Buffer.from(input).toString("utf8"))
        : input;
    bundle = bundleFromJSON(json);
  } catch (err) {
    return fail("BUNDLE_INVALID", `not a valid Sigstore bundle: ${(err as Error).message}`);
  }
  return verifyParsedBundle(bundle, options, false);
}

/**
 * The verification proper. `tlogCheckedByCaller` is for cosign layers whose Rekor entry kind
 * sigstore-js cannot read (intoto 0.0.1): the caller has verified the SET and the entry body, so
 * the entry only serves as the timestamp for the certificate. Not exported from the domain.
 */
export function verifyParsedBundle(
  bundle: Bundle,
  options: VerifyBundleOptions,
  tlogCheckedByCaller: boolean,
): BundleVerification {
  const keyed = bundle.verificationMaterial.content.$case === "publicKey";
  if (keyed && !options.publicKey)
    return fail("KEY_MISMATCH", "the bundle is signed with a key and no key was given");
  if (!keyed && !options.identity)
    return fail("IDENTITY_MISMATCH", "a certificate bundle needs an identity policy");
  if (!keyed && !options.trustedRoot) return fail("UNTRUSTED", "a certificate bundle needs a trusted root");
  if (bundle.content.$case === "messageSignature" && !options.artifact) {
    return fail("DIGEST_MISMATCH", "a message-signature bundle needs the artifact");
  }
  const publicKey = options.publicKey ? keyObjectOf(options.publicKey) : undefined;
  const weak = weakKeyProblem(bundle, publicKey);
  if (weak) return weak;
  const offline = keyed && options.allowNoTransparencyLog === true;
  let signer: Signer;
  try {
    const material = toTrustMaterial(
      options.trustedRoot ?? emptyTrustedRoot(),
      publicKey ? () => ({ publicKey, validFor: () => true }) : undefined,
    );
    const thresholds = offline
      ? { tlogThreshold: 0, timestampThreshold: 0 }
      : tlogCheckedByCaller
        ? { tlogThreshold: 0 }
        : {};
    const verifier = new Verifier(material, thresholds);
    const entity = toSignedEntity(bundle, options.artifact ? Buffer.from(options.artifact) : undefined);
    signer = verifier.verify(tlogCheckedByCaller ? { ...entity, tlogEntries: [] } : entity);
  } catch (err) {
    return fail(reasonOf(err), (err as Error).message);
  }
  const result: VerifiedBundle = { ok: true, bundle };
  if (!keyed) {
    const san = signer.identity?.subjectAlternativeName;
    const issuer = signer.identity?.extensions?.issuer;
    const policy = options.identity!;
    if (!matches(policy.subjectAlternativeName, san)) {
      return fail(
        "IDENTITY_MISMATCH",
        `certificate identity is ${JSON.stringify(san)}, not ${String(policy.subjectAlternativeName)}`,
      );
    }
    if (policy.issuer !== undefined && !matches(policy.issuer, issuer)) {
      return fail(
        "IDENTITY_MISMATCH",
        `certificate issuer is ${JSON.stringify(issuer)}, not ${String(policy.issuer)}`,
      );
    }
    result.identity = { subjectAlternativeName: san, issuer };
  }
  if (isBundleWithDsseEnvelope(bundle)) {
    const env = bundle.content.dsseEnvelope;
    result.dsse = { payloadType: env.payloadType, payload: Buffer.from(env.payload) };
    if (env.payloadType === "application/vnd.in-toto+json") {
      try {
        result.dsse.statement = parseStatement(env.payload);
      } catch (err) {
        return fail("STATEMENT_INVALID", (err as Error).message);
      }
      if (options.artifact) {
        const digest = `sha256:${createHash("sha256").update(options.artifact).digest("hex")}`;
        const match = matchSubject(result.dsse.statement, digest);
        if (!match.ok) return fail(match.reason, match.message);
      }
    }
  }
  return result;
}
