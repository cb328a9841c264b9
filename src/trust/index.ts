/**
 * trust/: keys, signatures, DSSE and in-toto, cosign's tag-scheme artifacts and Sigstore bundles.
 * Pure: no network, no registry; callers hand in bytes and get results or TrustErrors back.
 */
export {
  type DsseEnvelope,
  type EnvelopeSignature,
  envelopePayload,
  MEDIA_TYPE_DSSE_ENVELOPE,
  PAYLOAD_TYPE_IN_TOTO,
  parseEnvelope,
  serializeEnvelope,
} from "./dsse/envelope.js";
export { preAuthEncoding } from "./dsse/pae.js";
export { addEnvelopeSignature, type DsseSigner, signEnvelope } from "./dsse/sign.js";
export { type DsseTrustedKey, type DsseVerification, verifyEnvelope } from "./dsse/verify.js";
export { TrustError, type TrustErrorCode, type VerificationFailure } from "./errors.js";
export {
  createDsseBundle,
  createMessageSignatureBundle,
  keyHintOf,
  MEDIA_TYPE_SIGSTORE_BUNDLE_V03,
} from "./formats/bundle/create.js";
export {
  emptyTrustedRoot,
  loadTrustedRoot,
  MAX_TRUSTED_ROOT_BYTES,
  type TrustedRoot,
} from "./formats/bundle/trusted-root.js";
export {
  type BundleVerification,
  type IdentityPolicy,
  type VerifiedBundle,
  type VerifyBundleOptions,
  verifyBundle,
} from "./formats/bundle/verify.js";
export {
  ANNOTATION_BUNDLE,
  ANNOTATION_CERTIFICATE,
  ANNOTATION_CHAIN,
  ANNOTATION_PREDICATE_TYPE,
  ANNOTATION_RFC3161_TIMESTAMP,
  ANNOTATION_SIGNATURE,
  type RekorBundle,
} from "./formats/cosign/annotations.js";
export {
  cosignLayerToBundle,
  type KeylessOptions,
  verifyKeylessCosignAttestation,
  verifyKeylessCosignSignature,
} from "./formats/cosign/keyless.js";
export {
  attestationLayer,
  type CosignLayer,
  type SignatureMaterial,
  signatureLayer,
} from "./formats/cosign/layers.js";
export {
  appendCosignLayer,
  buildCosignImage,
  type CosignImage,
  type CosignImageOptions,
  cosignConfig,
  readCosignManifest,
} from "./formats/cosign/manifest.js";
export { type CosignAttestation, type CosignSignature, readCosignLayer } from "./formats/cosign/parse.js";
export { type CosignArtifactKind, cosignTag, parseCosignTag } from "./formats/cosign/tags.js";
export {
  type CosignAttestationVerification,
  type CosignSignatureVerification,
  verifyCosignAttestation,
  verifyCosignSignature,
} from "./formats/cosign/verify.js";
export type {
  ExpectedImage,
  FormatVerification,
  SignatureFormat,
  StoredSignature,
  TrustAnchor,
} from "./formats/format.js";
export {
  MEDIA_TYPE_NOTATION_JWS,
  type NotationTargetArtifact,
  type NotationVerification,
  type NotationVerifyOptions,
  verifyNotationJws,
} from "./formats/notation-jws/jws.js";
export { formatForMediaType, SIGNATURE_FORMATS } from "./formats/registry.js";
export {
  type ApprovalOptions,
  type ApprovalPredicate,
  buildApproval,
  PREDICATE_TYPE_APPROVAL,
} from "./intoto/approval.js";
export {
  PREDICATE_TYPE_ALIASES,
  type PredicateTypeAlias,
  resolvePredicateType,
} from "./intoto/predicate-types.js";
export {
  buildStatement,
  type InTotoStatement,
  matchSubject,
  parseStatement,
  STATEMENT_TYPE_V1,
  STATEMENT_TYPE_V01,
  type StatementSubject,
  type SubjectMatch,
} from "./intoto/statement.js";
export { SCRYPT_PARAMETER_SETS, type ScryptStrength } from "./keys/encrypted.js";
export { encryptPrivateKey, type GeneratedKeyPair, generateKeyPair } from "./keys/generate.js";
export {
  LEGACY_COSIGN_PRIVATE_KEY_LABEL,
  loadPrivateKey,
  loadPublicKey,
  MAX_KEY_FILE_BYTES,
  publicKeyToPem,
  SIGSTORE_PRIVATE_KEY_LABEL,
  type SigningKey,
  toVerificationKey,
  type VerificationKey,
} from "./keys/load.js";
export {
  GENERATED_KEY_ALGORITHMS,
  type GeneratedKeyAlgorithm,
  type KeyAlgorithm,
  type KeyKind,
} from "./keys/policy.js";
export {
  buildSimpleSigningPayload,
  checkSimpleSigningPayload,
  MEDIA_TYPE_SIMPLE_SIGNING,
  type PayloadCheck,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_TYPE,
  type SimpleSigningPayload,
} from "./payloads/simple-signing.js";
export * from "./registry/index.js";
export { signBytes } from "./signing/sign.js";
export { type VerifyBytesOptions, verifyBytes } from "./signing/verify.js";
