/**
 * The Dockerfile syntax tree, as BuildKit's parser (frontend/dockerfile/parser) sees a file: parser
 * directives, then instructions, each with its flags, its arguments in exec (JSON) or shell form,
 * its heredocs and the lines it spans. Nothing here is expanded: `$VAR` stays as written
 * (see `expand.ts` and `stages.ts` for ARG/ENV substitution and the stage model).
 */

/** 1-based, inclusive line numbers of the source text an element came from. */
export interface SourceRange {
  readonly startLine: number;
  readonly endLine: number;
}

/** A parser directive (`# syntax=...`, `# escape=...`, `# check=...`) from the top of the file. */
export interface Directive {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

/** An instruction flag such as `--mount=type=cache,target=/root/.cache` or `--link` (value null). */
export interface Flag {
  readonly name: string;
  readonly value: string | null;
}

/** A heredoc attached to an instruction (`RUN <<EOF ... EOF`, `COPY <<-"EOT" /x`). */
export interface Heredoc {
  /** The delimiter word, without quotes. */
  readonly name: string;
  /** The body, without the delimiter line; with `<<-` leading tabs are already removed. */
  readonly content: string;
  /** False when the delimiter was quoted (`<<"EOF"` / `<<'EOF'`): no variable expansion inside. */
  readonly expand: boolean;
  /** True for `<<-`. */
  readonly chomp: boolean;
  readonly range: SourceRange;
}

export type InstructionForm = "exec" | "shell" | "none";

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... (an unknown keyword is a parse error). */
  readonly keyword: string;
  /** The instruction's text as written, continuation lines joined (escape + newline removed). */
  readonly original: string;
  readonly range: SourceRange;
  readonly flags: readonly Flag[];
  /**
   * `exec` when the arguments were a JSON array (`CMD ["a","b"]`); `shell` for RUN/CMD/ENTRYPOINT/
   * SHELL-family text that runs through a shell (`args` is then one string); `none` for every other
   * instruction, whose `args` are its whitespace-separated words (quotes kept as written), except
   * ENV/LABEL/ARG whose `args` are `key=value` pairs normalised to `key=value` strings.
   */
  readonly form: InstructionForm;
  readonly args: readonly string[];
  readonly heredocs: readonly Heredoc[];
  /** For ONBUILD: the instruction it wraps. */
  readonly onbuild?: Instruction;
}

export interface Comment {
  readonly line: number;
  /** The text after `#`, trimmed. */
  readonly text: string;
}

export interface ParseWarning {
  readonly line: number;
  readonly message: string;
}

export interface Dockerfile {
  readonly directives: readonly Directive[];
  /** The escape character in force (`\` unless `# escape=` says otherwise). */
  readonly escape: "\\" | "`";
  readonly instructions: readonly Instruction[];
  /** Every comment line, for inline suppressions (`# portcullis ignore=PC104 reason`). */
  readonly comments: readonly Comment[];
  /** Things BuildKit accepts but warns about (empty continuation lines, ...). */
  readonly warnings: readonly ParseWarning[];
}
