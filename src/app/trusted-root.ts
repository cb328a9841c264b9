import { describeReadError, readRegularFile } from "../core/index.js";
import { loadTrustedRoot, MAX_TRUSTED_ROOT_BYTES, type TrustedRoot } from "../trust/index.js";
import { ConfigError } from "./config.js";

/**
 * The server's Sigstore trusted root (config trust.trustedRoot), read once at startup as the CLI's
 * `--trusted-root` reads it: a regular file of at most MAX_TRUSTED_ROOT_BYTES. A file that cannot be read
 * or does not load stops startup with the reason, rather than leaving keyless signers silently unverified.
 */
export function readServerTrustedRoot(path: string | undefined): TrustedRoot | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readRegularFile(path, { maxBytes: MAX_TRUSTED_ROOT_BYTES }).toString("utf8");
  } catch (err) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `trust.trustedRoot: cannot read ${path}: ${describeReadError(err)}`,
      {
        cause: err,
      },
    );
  }
  try {
    return loadTrustedRoot(text);
  } catch (err) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `trust.trustedRoot: ${path} is not a Sigstore trusted root: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
