/** Annotation keys cosign writes on signature and attestation layers (cosign pkg/oci/static). */
export const ANNOTATION_SIGNATURE = "dev.cosignproject.cosign/signature";
export const ANNOTATION_CERTIFICATE = "dev.sigstore.cosign/certificate";
export const ANNOTATION_CHAIN = "dev.sigstore.cosign/chain";
/** A Rekor "bundle": the SignedEntryTimestamp and the entry it covers (cosign pkg/cosign/bundle). */
export const ANNOTATION_BUNDLE = "dev.sigstore.cosign/bundle";
export const ANNOTATION_RFC3161_TIMESTAMP = "dev.sigstore.cosign/rfc3161timestamp";
/** On attestation layers: the in-toto predicate type of the envelope inside. */
export const ANNOTATION_PREDICATE_TYPE = "predicateType";

/** cosign's Rekor bundle annotation (pkg/cosign/bundle/rekor.go RekorBundle). */
export interface RekorBundle {
  SignedEntryTimestamp: string;
  Payload: {
    /** Base64 of the canonical Rekor entry body. */
    body: string;
    integratedTime: number;
    logIndex: number;
    /** Hex SHA-256 of the log's public key. */
    logID: string;
  };
}
