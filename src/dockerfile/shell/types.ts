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
  /**
   * True for a command found in a script handed to a shell as an argument (`sh -c '…'`, `eval …`)
   * rather than in the RUN's own text: it runs, but it is not one of the RUN's own commands (rules
   * that judge a RUN's size count only those).
   */
  readonly fromArgument?: true;
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
  /**
   * True when part of the text was nested too deep to analyse (see `parseShell`): the commands
   * listed are not all the commands it runs.
   */
  readonly incomplete: boolean;
}
