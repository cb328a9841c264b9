import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { TrustError } from "../errors.js";
import { decryptKeyBytes } from "./encrypted.js";
import { decodePem } from "./pem.js";
import { classifyKey, type KeyKind } from "./policy.js";
import { checkKeySize } from "./size.js";

/** A private key ready to sign, with its public half and what kind of key it is. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kind: KeyKind;
}

/** A public key ready to verify. */
export interface VerificationKey {
  publicKey: KeyObject;
  kind: KeyKind;
}

export { MAX_KEY_FILE_BYTES } from "./size.js";

/** PEM labels of cosign's encrypted key: the current one and the one cosign wrote before v2. */
export const SIGSTORE_PRIVATE_KEY_LABEL = "ENCRYPTED SIGSTORE PRIVATE KEY";
export const LEGACY_COSIGN_PRIVATE_KEY_LABEL = "ENCRYPTED COSIGN PRIVATE KEY";

const PLAIN_PRIVATE_LABELS = new Set(["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"]);
const PUBLIC_LABELS = new Set(["PUBLIC KEY", "RSA PUBLIC KEY"]);

function peekLabel(text: string): string {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!m) throw new TrustError("KEY_INVALID", "no PEM block found");
  return m[1]!;
}

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof TrustError) throw cause;
    throw new TrustError("KEY_INVALID", `${what} cannot be parsed`, { cause });
  }
}

/**
 * cosign writes PKCS#8 inside the encryption; keys it wrote in its early releases hold SEC1
 * (`x509.MarshalECPrivateKey`) instead, so both are tried.
 */
function parseDecryptedDer(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch {
    return createPrivateKey({ key: der, format: "der", type: "sec1" });
  }
}

function toSigningKey(privateKey: KeyObject): SigningKey {
  if (privateKey.type !== "private") throw new TrustError("KEY_UNSUPPORTED", "not a private key");
  const kind = classifyKey(privateKey);
  return { privateKey, publicKey: createPublicKey(privateKey), kind };
}

/**
 * Reads a private key as cosign does (pkg/cosign/keys.go): the encrypted cosign/sigstore form
 * (password required; an empty string is a valid password), or plain PKCS#8, SEC1 (`EC PRIVATE
 * KEY`) and PKCS#1 (`RSA PRIVATE KEY`) PEM, or a password-protected PKCS#8 (`ENCRYPTED PRIVATE KEY`).
 */
export async function loadPrivateKey(pem: string, password?: string): Promise<SigningKey> {
  checkKeySize(pem.length, "the private key");
  const label = peekLabel(pem);
  if (label === SIGSTORE_PRIVATE_KEY_LABEL || label === LEGACY_COSIGN_PRIVATE_KEY_LABEL) {
    if (password === undefined)
      throw new TrustError("PASSWORD_REQUIRED", "this key is encrypted: a password is needed");
    const { bytes } = decodePem(pem);
    const der = await decryptKeyBytes(bytes, password);
    try {
      return toSigningKey(wrap("decrypted key", () => parseDecryptedDer(der)));
    } finally {
      der.fill(0);
    }
  }
  if (label === "ENCRYPTED PRIVATE KEY") {
    if (password === undefined)
      throw new TrustError("PASSWORD_REQUIRED", "this key is encrypted: a password is needed");
    decodePem(pem);
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: "pem", passphrase: password });
    } catch (cause) {
      throw new TrustError("WRONG_PASSWORD", "the password does not decrypt this PKCS#8 key", { cause });
    }
    return toSigningKey(key);
  }
  if (PLAIN_PRIVATE_LABELS.has(label)) {
    decodePem(pem);
    return toSigningKey(wrap(label, () => createPrivateKey({ key: pem, format: "pem" })));
  }
  if (PUBLIC_LABELS.has(label) || label === "CERTIFICATE") {
    throw new TrustError("KEY_UNSUPPORTED", `a ${label} was given where a private key is needed`);
  }
  throw new TrustError(
    "KEY_UNSUPPORTED",
    `PEM block ${JSON.stringify(label)} is not a supported private key`,
  );
}

/** Reads a public key: SubjectPublicKeyInfo `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`, or a certificate's key. */
export function loadPublicKey(pem: string): VerificationKey {
  checkKeySize(pem.length, "the public key");
  const label = peekLabel(pem);
  decodePem(pem);
  let publicKey: KeyObject;
  if (PUBLIC_LABELS.has(label)) {
    publicKey = wrap(label, () => createPublicKey({ key: pem, format: "pem" }));
  } else if (label === "CERTIFICATE") {
    publicKey = wrap("certificate", () => new X509Certificate(pem).publicKey);
  } else if (label.includes("PRIVATE")) {
    throw new TrustError("KEY_UNSUPPORTED", `a ${label} was given where a public key is needed`);
  } else {
    throw new TrustError(
      "KEY_UNSUPPORTED",
      `PEM block ${JSON.stringify(label)} is not a supported public key`,
    );
  }
  return { publicKey, kind: classifyKey(publicKey) };
}

/** Wraps an existing KeyObject (e.g. a certificate's key) after the same policy checks. */
export function toVerificationKey(publicKey: KeyObject): VerificationKey {
  const key = publicKey.type === "private" ? createPublicKey(publicKey) : publicKey;
  return { publicKey: key, kind: classifyKey(key) };
}

/** SubjectPublicKeyInfo PEM, the form cosign writes to `cosign.pub`. */
export function publicKeyToPem(key: KeyObject): string {
  return key.export({ type: "spki", format: "pem" }).toString();
}
