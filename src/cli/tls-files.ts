import { isPortcullisError } from "../core/index.js";
import { ReloadableTls, TlsError, type TlsFiles } from "../server/index.js";
import { inputError } from "./failure.js";
import { UsageError } from "./trust/usage-error.js";

/**
 * A serving certificate and key (`serve`, `admission serve`), or a usage error (exit 2) naming the flag
 * and the file that is wrong: missing, not a regular file, too large, not PEM, or a key that is not the
 * certificate's. `flags` holds the flags' values when they were given (otherwise the configuration keys
 * server.tlsCert and server.tlsKey are named).
 */
export function loadTlsFiles(files: TlsFiles, flags: { tlsCert?: string; tlsKey?: string }): ReloadableTls {
  try {
    return new ReloadableTls(files);
  } catch (err) {
    const errno = err as NodeJS.ErrnoException;
    const path =
      typeof errno.path === "string"
        ? errno.path
        : isPortcullisError(err)
          ? (err.detail as { path?: string } | undefined)?.path
          : undefined;
    const key = path === files.keyFile;
    const name = key
      ? flags.tlsKey !== undefined
        ? "--tls-key"
        : "server.tlsKey"
      : flags.tlsCert !== undefined
        ? "--tls-cert"
        : "server.tlsCert";
    // Its message starts with the file already.
    if (err instanceof TlsError) throw new UsageError(`${name} ${err.message}`);
    throw inputError(name, path ?? (key ? files.keyFile : files.certFile), err);
  }
}
