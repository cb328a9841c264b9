import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { readRegularFile } from "../../core/index.js";
import { MAX_POLICY_BYTES, type Policy } from "../../policy/index.js";
import { MAX_KEY_FILE_BYTES } from "../../trust/index.js";
import { loadPolicyFile } from "./policy-file.js";

export interface ReloadablePolicyOptions<T> {
  /** The policy file as given: messages name it, and key paths in it are relative to it. */
  readonly path: string;
  /**
   * Builds what decides from a policy (a gate, its evidence ports, a fresh cache). Every key file must
   * be read through `readFile`, so a changed key reloads too. Throwing refuses the policy.
   */
  readonly build: (policy: Policy, readFile: (path: string) => string) => T;
  /**
   * Reads a file's bytes, at most `maxBytes` (MAX_POLICY_BYTES for the policy, MAX_KEY_FILE_BYTES for
   * keys). By default readRegularFile: a FIFO or a device is refused at once, so neither a reload nor
   * the check for changes ever blocks the process.
   */
  readonly readBytes?: (path: string, maxBytes: number) => Buffer;
}

export type ReloadOutcome =
  | { readonly result: "unchanged" }
  | { readonly result: "reloaded"; readonly policy: Policy; readonly previousDigest: string }
  /** `repeated`: the same files failed last time too (say it once, not at every check). */
  | { readonly result: "failed"; readonly error: unknown; readonly repeated: boolean };

/** What the last attempt found in a file (its sha256, or why it was unreadable), and its size limit. */
interface Seen {
  readonly state: string;
  readonly maxBytes: number;
}

interface Loaded<T> {
  readonly value: T;
  readonly policy: Policy;
  /** The policy file's text as loaded (what `policy` was compiled from). */
  readonly text: string;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * A policy that follows its files: `check()` re-reads the policy file and every key file the last
 * attempt read, and when any changed, loads and builds again. A policy that fails to load or build is
 * refused with its error and the previous one keeps deciding (a typo in a ConfigMap must not open or
 * close the gate); it is tried again once any of its files changes. Kubernetes updates a mounted
 * ConfigMap by swapping a symlink, so polling the contents, rather than watching inodes, notices it.
 */
export class ReloadablePolicy<T> {
  #loaded: Loaded<T>;
  /** path → what the last attempt found in each file it read (or found unreadable), the policy file first. */
  #seen: Map<string, Seen>;
  #failing = false;
  readonly #options: ReloadablePolicyOptions<T>;

  /** Loads and builds the policy now; throws its error (a server must not start without one). */
  constructor(options: ReloadablePolicyOptions<T>) {
    this.#options = options;
    const read = new Map<string, Seen>();
    this.#loaded = this.#load(read);
    this.#seen = read;
  }

  get current(): T {
    return this.#loaded.value;
  }

  get policy(): Policy {
    return this.#loaded.policy;
  }

  /** The text of the policy file the current policy was loaded from (not a later, refused change). */
  get text(): string {
    return this.#loaded.text;
  }

  check(): ReloadOutcome {
    if (!this.#changed()) {
      return this.#failing ? { result: "failed", error: undefined, repeated: true } : { result: "unchanged" };
    }
    const read = new Map<string, Seen>();
    try {
      const previousDigest = this.#loaded.policy.digest;
      this.#loaded = this.#load(read);
      this.#failing = false;
      return { result: "reloaded", policy: this.#loaded.policy, previousDigest };
    } catch (error) {
      this.#failing = true;
      return { result: "failed", error, repeated: false };
    } finally {
      // What was read is what was judged: a file that changes after this is noticed next time. A failed
      // attempt may have stopped before a key file it needs: the one it could not read is kept.
      this.#seen = read;
    }
  }

  /** Checks every `intervalMs` (the timer does not keep the process alive); returns a stop function. */
  watch(intervalMs: number, onOutcome: (outcome: ReloadOutcome) => void): () => void {
    const timer = setInterval(() => onOutcome(this.check()), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Reads a file, noting its digest (or that it could not be read) in `read`. */
  #read(path: string, maxBytes: number, read: Map<string, Seen>): Buffer {
    const readBytes =
      this.#options.readBytes ?? ((p: string, max: number) => readRegularFile(p, { maxBytes: max }));
    try {
      const bytes = readBytes(path, maxBytes);
      read.set(path, { state: sha256(bytes), maxBytes });
      return bytes;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      read.set(path, { state: `unreadable ${code ?? (err as Error).message}`, maxBytes });
      throw err;
    }
  }

  #load(read: Map<string, Seen>): Loaded<T> {
    let bytes: Buffer | undefined;
    const policy = loadPolicyFile(this.#options.path, (path) => {
      bytes = this.#read(path, MAX_POLICY_BYTES, read);
      return bytes;
    });
    const value = this.#options.build(policy, (keyPath) =>
      this.#read(keyPath, MAX_KEY_FILE_BYTES, read).toString("utf8"),
    );
    return { value, policy, text: bytes === undefined ? "" : bytes.toString("utf8") };
  }

  #changed(): boolean {
    for (const [path, was] of this.#seen) {
      const now = new Map<string, Seen>();
      try {
        this.#read(path, was.maxBytes, now);
      } catch {
        // noted in `now`
      }
      if (now.get(path)?.state !== was.state) return true;
    }
    return false;
  }
}

/**
 * Logs what a check found: a reload (info, with both digests) or a newly refused change (error, once;
 * `decidingDigest` is the policy that still decides). Returns whether there was anything to say.
 */
export function logReload(
  logger: Logger,
  outcome: ReloadOutcome,
  decidingDigest: string,
  fields: Record<string, unknown> = {},
): boolean {
  if (outcome.result === "reloaded") {
    logger.info(
      { ...fields, policyDigest: outcome.policy.digest, previousPolicyDigest: outcome.previousDigest },
      "policy reloaded",
    );
    return true;
  }
  if (outcome.result === "failed" && !outcome.repeated) {
    logger.error(
      { ...fields, err: outcome.error, policyDigest: decidingDigest },
      "the changed policy was refused; the previous one still decides",
    );
    return true;
  }
  return false;
}
