import { registryClient } from "../../app/index.js";
import {
  compileRegExp,
  describeReadError,
  isPortcullisError,
  type LinearPattern,
  readRegularFile,
} from "../../core/index.js";
import { type ImageReference, parseImageReference, type RegistryClient } from "../../oci/index.js";
import {
  loadPrivateKey,
  loadPublicKey,
  loadTrustedRoot,
  MAX_KEY_FILE_BYTES,
  MAX_TRUSTED_ROOT_BYTES,
  type RegistryTrustAnchor,
  type SigningKey,
  TrustError,
  type VerificationKey,
} from "../../trust/index.js";
import type { AnchorFlags } from "../define.js";
import { describePathError, fromInputFile } from "../failure.js";
import { type ImageFlags, imageOptionsFrom } from "../image-options.js";
import { readSecret } from "./password.js";
import { UsageError } from "./usage-error.js";

export {
  type AnchorFlags,
  addAnchorOptions,
  addRegistryOptions,
  collectPair,
  outputOption,
  runWith,
  usageExitCodes,
} from "../define.js";
export { UsageError };

export function parseImage(spec: string): ImageReference {
  try {
    return parseImageReference(spec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A registry client with the flags' credentials, else those of ~/.docker/config.json for that registry. */
export async function registryClientFor(ref: ImageReference, flags: ImageFlags): Promise<RegistryClient> {
  return registryClient(ref.registry, (await imageOptionsFrom(flags)).registry ?? {});
}

/**
 * Reads a file named on the command line: a regular file of at most `maxBytes` (readRegularFile), so
 * a FIFO, /dev/zero or a directory is a usage error naming what it is, never a hang or a crash.
 */
export function readTextFile(path: string, what: string, maxBytes: number): string {
  try {
    return readRegularFile(path, { maxBytes }).toString("utf8");
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${describePathError(err, path) ?? describeReadError(err)}`,
    );
  }
}

/** The signing key: cosign's encrypted format (password from PORTCULLIS_PASSWORD or the terminal) or plain PEM. */
export async function readSigningKey(path: string): Promise<SigningKey> {
  const pem = readTextFile(path, "key file", MAX_KEY_FILE_BYTES);
  const encrypted = /-----BEGIN ENCRYPTED/.test(pem);
  const password = encrypted ? await readSecret(`Enter password for private key ${path}: `) : undefined;
  return fromInputFile("--key", path, () => loadPrivateKey(pem, password));
}

/**
 * The --key file as a verification key. A key that cannot be used (unparsable, or one the key policy
 * refuses, such as an RSA exponent other than 65537) is the user's mistake: exit 2 naming the file,
 * before any registry is contacted.
 */
function publicKeyFrom(path: string): VerificationKey {
  const pem = readTextFile(path, "key file", MAX_KEY_FILE_BYTES);
  try {
    return loadPublicKey(pem);
  } catch (err) {
    if (err instanceof TrustError) throw new UsageError(`--key ${path}: ${err.message}`);
    throw err;
  }
}

/** --key, or the keyless trio; anything else is a usage error. */
export function anchorFrom(flags: AnchorFlags): RegistryTrustAnchor {
  const keyless =
    flags.certificateIdentity !== undefined ||
    flags.certificateIdentityRegexp !== undefined ||
    flags.certificateOidcIssuer !== undefined ||
    flags.trustedRoot !== undefined;
  if (flags.key !== undefined && keyless) {
    throw new UsageError("give either --key or the keyless flags (--certificate-identity …), not both");
  }
  if (flags.key !== undefined) return { kind: "key", key: publicKeyFrom(flags.key) };
  if (!keyless) {
    throw new UsageError(
      "say whom to trust: --key FILE, or --certificate-identity ID --certificate-oidc-issuer URL --trusted-root FILE",
    );
  }
  if ((flags.certificateIdentity === undefined) === (flags.certificateIdentityRegexp === undefined)) {
    throw new UsageError(
      "keyless verification needs exactly one of --certificate-identity and --certificate-identity-regexp",
    );
  }
  if (flags.certificateOidcIssuer === undefined)
    throw new UsageError("keyless verification needs --certificate-oidc-issuer");
  if (flags.trustedRoot === undefined) throw new UsageError("keyless verification needs --trusted-root FILE");
  let subjectAlternativeName: string | LinearPattern;
  if (flags.certificateIdentity !== undefined) {
    subjectAlternativeName = flags.certificateIdentity;
  } else {
    try {
      // RE2, as cosign's Go regexp; anchored to the whole SAN as the policy's identityRegExp is.
      subjectAlternativeName = compileRegExp(flags.certificateIdentityRegexp!, { anchored: true });
    } catch (err) {
      if (!isPortcullisError(err)) throw err;
      throw new UsageError(`--certificate-identity-regexp: ${err.message}`);
    }
  }
  return {
    kind: "keyless",
    trustedRoot: fromInputFile("--trusted-root", flags.trustedRoot, () =>
      loadTrustedRoot(readTextFile(flags.trustedRoot!, "trusted root", MAX_TRUSTED_ROOT_BYTES)),
    ),
    identity: { subjectAlternativeName, issuer: flags.certificateOidcIssuer },
  };
}
