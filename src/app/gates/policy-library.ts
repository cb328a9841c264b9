import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Policy } from "../../policy/index.js";
import { ConfigError } from "../config.js";
import type { PolicySlot } from "../policies.js";
import { followRegistryPolicy } from "./assemble.js";
import type { ReloadablePolicy, ReloadOutcome } from "./reloadable-policy.js";

/** A policy's name is its file's stem: what a project's `certifiedPolicy` setting names. */
const POLICY_FILE = /^([a-z0-9][a-z0-9._-]{0,62})\.ya?ml$/;

/** What one look at the library found for one named policy (for the log). */
export interface LibraryOutcome {
  readonly name: string;
  readonly file: string;
  /** `added`: a new file loaded; `removed`: its file is gone (projects naming it are refused). */
  readonly outcome:
    | ReloadOutcome
    | { readonly result: "added"; readonly policy: Policy }
    | { readonly result: "removed" };
}

/**
 * The named policies of `policy.library`: every `NAME.yaml` (or `.yml`) in the folder, named by its
 * stem, as Kyverno names a policy by its resource and Harbor a project by its setting. Each is followed
 * like `policy.push` (ReloadablePolicy: a change that fails to load is refused and the previous version
 * keeps deciding). `check()` also looks at the folder: a new file is loaded (a broken one is tried
 * again when it changes, and is not known until then), and a removed file is forgotten, so a project
 * naming it is refused, never let through.
 */
export class PolicyLibrary {
  readonly #folder: string;
  readonly #loaded = new Map<string, { file: string; policy: ReloadablePolicy<Policy> }>();
  /** file → the error of its last failed first load (said once, retried on every check). */
  readonly #failed = new Map<string, string>();

  /** Loads every policy in the folder now; throws the first one's error (`serve` must not start with it). */
  constructor(folder: string) {
    this.#folder = folder;
    let files: Map<string, string>;
    try {
      files = this.#files();
    } catch (err) {
      throw new ConfigError(
        "CONFIG_INVALID",
        `policy.library ${folder}: cannot list the folder of named policies: ${(err as Error).message}`,
        { cause: err },
      );
    }
    for (const [name, file] of files) {
      this.#loaded.set(name, { file, policy: followRegistryPolicy(file) });
    }
  }

  /** The names of the policies loaded now, sorted. */
  names(): string[] {
    return [...this.#loaded.keys()].sort();
  }

  /** Each loaded policy as a slot of the policy catalog (listed and evaluated by the console's API). */
  slots(): PolicySlot[] {
    return [...this.#loaded].map(([name, { file, policy }]) => ({
      name,
      kind: "named" as const,
      path: file,
      current: () => policy.current,
      text: () => policy.text,
    }));
  }

  /** The current version of the named policy; undefined when none of that name is loaded. */
  get(name: string): Policy | undefined {
    return this.#loaded.get(name)?.policy.current;
  }

  /** Looks at the folder and every loaded policy's files; says what changed (nothing: an empty list). */
  check(): LibraryOutcome[] {
    const outcomes: LibraryOutcome[] = [];
    let files: Map<string, string>;
    try {
      files = this.#files();
    } catch {
      // An unreadable folder (a ConfigMap being swapped) changes nothing: each file is still followed.
      files = new Map([...this.#loaded].map(([name, entry]) => [name, entry.file]));
    }
    for (const [name, entry] of this.#loaded) {
      if (files.get(name) !== entry.file) {
        this.#loaded.delete(name);
        outcomes.push({ name, file: entry.file, outcome: { result: "removed" } });
        continue;
      }
      outcomes.push({ name, file: entry.file, outcome: entry.policy.check() });
    }
    for (const [name, file] of files) {
      if (this.#loaded.has(name)) continue;
      try {
        const policy = followRegistryPolicy(file);
        this.#loaded.set(name, { file, policy });
        this.#failed.delete(file);
        outcomes.push({ name, file, outcome: { result: "added", policy: policy.policy } });
      } catch (error) {
        const message = (error as Error).message;
        const repeated = this.#failed.get(file) === message;
        this.#failed.set(file, message);
        outcomes.push({ name, file, outcome: { result: "failed", error, repeated } });
      }
    }
    return outcomes.filter((o) => o.outcome.result !== "unchanged");
  }

  /** name → path of every policy file in the folder (two files of one stem: the `.yaml` one). */
  #files(): Map<string, string> {
    const found = new Map<string, string>();
    for (const entry of readdirSync(this.#folder, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const match = POLICY_FILE.exec(entry.name);
      // A mounted ConfigMap lists its files as symbolic links: those are read like files (and refused
      // when they lead to anything else); folders, and names that are no policy's, are skipped.
      if (!match || !(entry.isFile() || entry.isSymbolicLink())) continue;
      const name = match[1] as string;
      if (!found.has(name) || entry.name.endsWith(".yaml")) found.set(name, join(this.#folder, entry.name));
    }
    return found;
  }
}
