import { type Command, CommanderError, InvalidArgumentError, Option } from "commander";
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
import { describePathError, fromInputFile } from "../failure.js";
import { type ImageFlags, imageOptionsFrom } from "../image-options.js";
import { readSecret } from "./password.js";
import { UsageError } from "./usage-error.js";

export { UsageError };

/** The registry flags every trust command shares (the image ones without --platform: a digest is signed, not a platform). */
export function addRegistryOptions(command: Command): Command {
  return command
    .option("--username <name>", "registry user name (default: from ~/.docker/config.json)")
    .option("--password <secret>", "registry password or token (prefer --password-stdin)")
    .option("--password-stdin", "read the registry password from standard input")
    .option("--insecure", "allow plain HTTP to registries other than localhost and 127.0.0.1");
}

/**
 * Parse errors from commander (a missing argument, an unknown flag) exit 2 like our own usage
 * errors; help and version still exit 0.
 */
export function usageExitCodes(command: Command): Command {
  return command.exitOverride((err) => {
    if (err.exitCode === 0) throw err;
    throw new CommanderError(2, err.code, err.message);
  });
}

export function outputOption(): Option {
  return new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table");
}

/** `-a key=value`, repeatable. */
export function collectPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

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

export interface AnchorFlags {
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  trustedRoot?: string;
}

export function addAnchorOptions(command: Command): Command {
  return command
    .option("--key <file>", "public key (PEM) the signatures must verify with")
    .option(
      "--certificate-identity <id>",
      "keyless: the signer's certificate identity (email or URI), exactly",
    )
    .option(
      "--certificate-identity-regexp <re>",
      "keyless: a pattern the whole certificate identity must match",
    )
    .option("--certificate-oidc-issuer <url>", "keyless: the OIDC issuer of the signer's certificate")
    .option("--trusted-root <file>", "keyless: Sigstore trusted_root.json (Fulcio CAs, Rekor and CT keys)");
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

/**
 * Runs a command body and sets its exit code; every error propagates to main, whose one mapper
 * (failure.ts) prints it as one line and picks the exit code (a UsageError exits 2).
 */
export function runWith(setExit: (code: number) => void, body: () => Promise<number>): Promise<void> {
  return body().then(setExit);
}
