import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from "node:tls";
import { PortcullisError, readRegularFile } from "../core/index.js";
import { MAX_KEY_FILE_BYTES } from "../trust/index.js";

export type TlsErrorCode = "CERTIFICATE_INVALID" | "KEY_INVALID";

export class TlsError extends PortcullisError<TlsErrorCode> {}

/** A certificate chain (leaf first) is a few KiB; 1 MiB is the cap every certificate file has. */
export const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/**
 * How long a connection may take to finish its TLS handshake. Node's default is 120 s; a client that
 * opens a connection and says nothing would hold a connection slot (server.maxConnections) that long.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsFiles {
  /** PEM certificate chain, the server's own certificate first. */
  readonly certFile: string;
  /** PEM private key of that certificate (unencrypted). */
  readonly keyFile: string;
}

/** What is being served: the bytes, and what a log line says about them. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprint: string;
  readonly subject: string;
  /** The leaf certificate's notAfter, ISO 8601. */
  readonly validTo: string;
}

export type TlsReloadOutcome =
  | { readonly result: "unchanged" }
  | {
      readonly result: "reloaded";
      readonly credentials: TlsCredentials;
      readonly previousFingerprint: string;
    }
  /** `repeated`: the same files failed last time too (say it once, not at every check). */
  | { readonly result: "failed"; readonly error: unknown; readonly repeated: boolean };

export interface ReloadableTlsOptions {
  /**
   * Reads a file, at most `maxBytes`. By default readRegularFile: a FIFO or a device is refused at once,
   * so neither the first load nor a check ever blocks the process.
   */
  readonly readBytes?: (path: string, maxBytes: number) => Buffer;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * A serving certificate and key that follow their files. `check()` reads both files and, when either
 * changed, loads them again; a pair that loads (a PEM certificate, a PEM private key that belongs to it,
 * accepted by OpenSSL) replaces the secure context of every server it serves through
 * `tls.Server.setSecureContext`: connections made from then on get the new certificate, connections
 * already open keep theirs, and nothing restarts. A pair that fails to load is refused with its error
 * and the previous certificate is still served (a certificate written before its key, as a renewal
 * agent may do, is half a change); it is tried again once either file changes. Files are compared by
 * content, not watched: Kubernetes updates a mounted Secret by swapping a symlink, which an inode watch
 * on the file misses.
 */
export class ReloadableTls {
  #current: TlsCredentials;
  /** The sha256 of each file at the last attempt (or why it was unreadable). */
  #seen: string;
  #failing = false;
  readonly #servers: Array<{ server: TlsServer; context: SecureContextOptions }> = [];
  readonly #files: TlsFiles;
  readonly #readBytes: (path: string, maxBytes: number) => Buffer;

  /** Loads the pair now; throws its error, naming the file (a server must not start without one). */
  constructor(files: TlsFiles, options: ReloadableTlsOptions = {}) {
    this.#files = files;
    this.#readBytes = options.readBytes ?? ((path, maxBytes) => readRegularFile(path, { maxBytes }));
    const { cert, key, seen } = this.#read();
    this.#seen = seen;
    if (cert instanceof Error) throw cert;
    if (key instanceof Error) throw key;
    this.#current = load(files, cert, key);
  }

  get current(): TlsCredentials {
    return this.#current;
  }

  get files(): TlsFiles {
    return this.#files;
  }

  /**
   * The options to create a server with: `context` (a client CA, say) and the current pair. A server
   * created with them should then be handed to `serve` with the same `context`.
   */
  secureContextOptions(context: SecureContextOptions = {}): SecureContextOptions {
    return { ...context, cert: this.#current.cert, key: this.#current.key };
  }

  /**
   * Keeps `server`'s certificate current. `context` must be every other secure-context option the server
   * was created with: `setSecureContext` rebuilds the context from what it is given, so a client CA left
   * out would be dropped (and client certificates checked against the default roots instead).
   */
  serve(server: TlsServer, context: SecureContextOptions = {}): void {
    this.#servers.push({ server, context });
  }

  check(): TlsReloadOutcome {
    const { cert, key, seen } = this.#read();
    if (seen === this.#seen) {
      return this.#failing ? { result: "failed", error: undefined, repeated: true } : { result: "unchanged" };
    }
    // What was read is what was judged: a file that changes after this is noticed next time.
    this.#seen = seen;
    try {
      if (cert instanceof Error) throw cert;
      if (key instanceof Error) throw key;
      const loaded = load(this.#files, cert, key);
      for (const { server, context } of this.#servers) {
        server.setSecureContext({ ...context, cert: loaded.cert, key: loaded.key });
      }
      const previousFingerprint = this.#current.fingerprint;
      this.#current = loaded;
      this.#failing = false;
      return { result: "reloaded", credentials: loaded, previousFingerprint };
    } catch (error) {
      this.#failing = true;
      return { result: "failed", error, repeated: false };
    }
  }

  /** Checks every `intervalMs` (the timer does not keep the process alive); returns a stop function. */
  watch(intervalMs: number, onOutcome: (outcome: TlsReloadOutcome) => void): () => void {
    const timer = setInterval(() => onOutcome(this.check()), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Both files, each as bytes or the error reading it, and a state that changes when either does. */
  #read(): { cert: Buffer | Error; key: Buffer | Error; seen: string } {
    const one = (path: string, maxBytes: number): [Buffer | Error, string] => {
      try {
        const bytes = this.#readBytes(path, maxBytes);
        return [bytes, sha256(bytes)];
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return [err instanceof Error ? err : new Error(String(err)), `unreadable ${code ?? String(err)}`];
      }
    };
    const [cert, certState] = one(this.#files.certFile, MAX_CERTIFICATE_FILE_BYTES);
    const [key, keyState] = one(this.#files.keyFile, MAX_KEY_FILE_BYTES);
    return { cert, key, seen: `${certState} ${keyState}` };
  }
}

/** Checks a pair as the server will use it; every refusal names the file and what is wrong with it. */
function load(files: TlsFiles, cert: Buffer, key: Buffer): TlsCredentials {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsError(
      "CERTIFICATE_INVALID",
      `${files.certFile}: not a PEM certificate (${(err as Error).message})`,
      { cause: err, detail: { path: files.certFile } },
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsError(
      "KEY_INVALID",
      `${files.keyFile}: not an unencrypted PEM private key (${(err as Error).message})`,
      { cause: err, detail: { path: files.keyFile } },
    );
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new TlsError(
      "KEY_INVALID",
      `${files.keyFile} is not the private key of the certificate in ${files.certFile} ` +
        "(a renewal writes both; or the key was made for another certificate)",
      { detail: { path: files.keyFile } },
    );
  }
  try {
    // What setSecureContext will do, done first so a pair OpenSSL refuses (a key too weak for its
    // security level, a malformed chain after the leaf) never reaches a server.
    createSecureContext({ cert, key });
  } catch (err) {
    throw new TlsError("CERTIFICATE_INVALID", `${files.certFile}: ${(err as Error).message}`, {
      cause: err,
      detail: { path: files.certFile },
    });
  }
  return {
    cert,
    key,
    fingerprint: leaf.fingerprint256,
    subject: leaf.subject,
    validTo: isoDate(leaf.validTo),
  };
}

/** The two levels a reload is logged at (pino's, and Fastify's logger, fit it). */
export interface ReloadLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

function isoDate(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/**
 * Logs what a check found: a reload (info, with both fingerprints) or a newly refused change (error,
 * once). Returns whether there was anything to say.
 */
export function logTlsReload(
  logger: ReloadLogger,
  outcome: TlsReloadOutcome,
  served: TlsCredentials,
  fields: Record<string, unknown> = {},
): boolean {
  if (outcome.result === "reloaded") {
    const { fingerprint, subject, validTo } = outcome.credentials;
    logger.info(
      { ...fields, fingerprint, subject, validTo, previousFingerprint: outcome.previousFingerprint },
      "TLS certificate reloaded",
    );
    return true;
  }
  if (outcome.result === "failed" && !outcome.repeated) {
    logger.error(
      { ...fields, err: outcome.error, fingerprint: served.fingerprint },
      "the changed TLS certificate or key was refused; the previous certificate is still served",
    );
    return true;
  }
  return false;
}
