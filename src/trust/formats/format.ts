import type { Descriptor } from "../../oci/index.js";
import type { VerificationFailure } from "../errors.js";
import type { InTotoStatement } from "../intoto/statement.js";
import type { VerificationKey } from "../keys/load.js";
import type { SimpleSigningPayload } from "../payloads/simple-signing.js";
import type { TrustedRoot } from "./bundle/trusted-root.js";
import type { IdentityPolicy } from "./bundle/verify.js";

/** How a signature must be trusted: a key (cosign --key), a Sigstore identity under a trusted root, or X.509. */
export type TrustAnchor =
  | { kind: "key"; key: VerificationKey; allowNoTransparencyLog?: boolean }
  | { kind: "keyless"; trustedRoot: TrustedRoot; identity: IdentityPolicy }
  /** A Notation trust store: PEM certificates; `at` is when validity is checked (default now). */
  | { kind: "x509"; trustedCertificates: string[]; at?: Date };

/** One stored signature artifact as a registry holds it: a layer or referrer descriptor and its blob. */
export interface StoredSignature {
  descriptor: Descriptor;
  blob: Uint8Array;
}

/** What the image must be. */
export interface ExpectedImage {
  digest: string;
  dockerReference?: string;
}

export type FormatVerification =
  | {
      ok: true;
      format: string;
      /** Present for simple-signing signatures. */
      payload?: SimpleSigningPayload;
      /** Present for attestations. */
      statement?: InTotoStatement;
      /** undefined when no reference was expected or the format carries none. */
      referenceMatches?: boolean;
    }
  | { ok: false; format: string; reason: VerificationFailure; message: string };

/**
 * A way signatures of an image are stored (DESIGN.md "SignatureFormat"): cosign tag-scheme
 * signatures and attestations, Sigstore bundles as OCI 1.1 referrers; Notation later. Each format
 * says which media types it reads and verifies one stored artifact; it never does I/O.
 */
export interface SignatureFormat {
  readonly id: string;
  readonly mediaTypes: readonly string[];
  verify(stored: StoredSignature, expected: ExpectedImage, anchor: TrustAnchor): FormatVerification;
}
