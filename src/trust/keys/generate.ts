import { type KeyObject, generateKeyPair as nodeGenerateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { TrustError } from "../errors.js";
import { encryptKeyBytes, type ScryptStrength } from "./encrypted.js";
import { publicKeyToPem, SIGSTORE_PRIVATE_KEY_LABEL, type SigningKey } from "./load.js";
import { encodePem } from "./pem.js";
import { classifyKey, GENERATED_KEY_ALGORITHMS, type GeneratedKeyAlgorithm } from "./policy.js";

const generate = promisify(nodeGenerateKeyPair);

/** A fresh key pair as cosign's `generate-key-pair` writes it: `cosign.pub` and `cosign.key`. */
export interface GeneratedKeyPair extends SigningKey {
  /** SubjectPublicKeyInfo PEM. */
  publicKeyPem: string;
  /** `ENCRYPTED SIGSTORE PRIVATE KEY` PEM around scrypt + secretbox JSON of the PKCS#8 DER. */
  privateKeyPem: string;
}

async function newKeyObjects(
  algorithm: GeneratedKeyAlgorithm,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  switch (algorithm) {
    case "ecdsa-p256":
      return generate("ec", { namedCurve: "P-256" });
    case "ecdsa-p384":
      return generate("ec", { namedCurve: "P-384" });
    case "ed25519":
      return generate("ed25519");
    case "rsa-3072":
      return generate("rsa", { modulusLength: 3072 });
  }
}

/** Encrypts a private key in cosign's format (pkg/cosign/keys.go: PKCS#8 DER, then `encrypted.Encrypt`). */
export async function encryptPrivateKey(
  privateKey: KeyObject,
  password: string,
  strength: ScryptStrength = "standard",
): Promise<string> {
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  try {
    const json = await encryptKeyBytes(der, password, strength);
    return encodePem(SIGSTORE_PRIVATE_KEY_LABEL, Buffer.from(json, "utf8"));
  } finally {
    der.fill(0);
  }
}

/** Generates a key pair (ECDSA P-256 by default, as cosign) and encrypts its private half. */
export async function generateKeyPair(
  password: string,
  options: { algorithm?: GeneratedKeyAlgorithm; strength?: ScryptStrength } = {},
): Promise<GeneratedKeyPair> {
  const algorithm = options.algorithm ?? "ecdsa-p256";
  if (!(GENERATED_KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new TrustError("INVALID_ARGUMENT", `cannot generate ${JSON.stringify(algorithm)} keys`);
  }
  const { privateKey, publicKey } = await newKeyObjects(algorithm);
  return {
    privateKey,
    publicKey,
    kind: classifyKey(publicKey),
    publicKeyPem: publicKeyToPem(publicKey),
    privateKeyPem: await encryptPrivateKey(privateKey, password, options.strength),
  };
}
