/**
 * What the rules need to know about a RUN command's shell text: the simple commands it runs, how
 * they are chained (`&&`, `||`, `;`) and piped, with quoting resolved. POSIX sh grammar, as far as
 * lint rules need it; not an interpreter: expansions stay as written.
 */
export interface SimpleCommand {
  /** The command word (`apt-get`), after leading assignments (`DEBIAN_FRONTEND=noninteractive`). */
  readonly name: string;
  /** The arguments, quotes removed (`"a b"` → `a b`); `$VAR` and `$(...)` kept as written. */
  readonly args: readonly string[];
  /** Leading `NAME=value` words. */
  readonly assignments: readonly string[];
  /** The command's text as written. */
  readonly raw: string;
}

/** `a | b | c`: commands whose output feeds the next. */
export interface Pipeline {
  readonly commands: readonly SimpleCommand[];
  /** The operator that joins this pipeline to the next one, or null for the last. */
  readonly next: "&&" | "||" | ";" | "&" | null;
}

export interface ShellScript {
  /** Every pipeline in order, including those inside `( ... )`, `{ ...; }`, `$( ... )` and `if/for/while` bodies. */
  readonly pipelines: readonly Pipeline[];
  /** Every simple command, flattened, in order. */
  readonly commands: readonly SimpleCommand[];
}
