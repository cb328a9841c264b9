/**
 * Parser directives (`# syntax=...`, `# escape=...`, `# check=...`), after BuildKit's
 * DirectiveParser: only at the top of the file, each line must look like `#name=value`; the first
 * line that does not (a blank line, another comment, an instruction, an unknown name) ends them.
 */
import type { Directive } from "../ast.js";
import { ArgsError } from "./line-parsers.js";

const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=/;
const VALID = new Set(["syntax", "escape", "check"]);

/** The `\\s*(.+?)\\s*$` part of BuildKit's directive regexp (an all-blank value is its last blank). */
function directiveValue(rest: string): string {
  const blank = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\f" || c === "\r";
  let i = 0;
  let j = rest.length;
  while (i < j && blank(rest[i])) i++;
  while (j > i && blank(rest[j - 1])) j--;
  const trimmed = rest.slice(i, j);
  return trimmed === "" ? rest.slice(-1) : trimmed;
}

export class DirectiveState {
  escape: "\\" | "`" = "\\";
  done = false;
  readonly directives: Directive[] = [];
  private readonly seen = new Set<string>();

  /** Looks at one (left-trimmed) line; throws ArgsError on a repeated directive or a bad escape. */
  consider(line: string, lineNo: number): void {
    if (this.done) return;
    const m = DIRECTIVE.exec(line);
    const value = m === null ? "" : directiveValue(line.slice(m[0].length));
    if (m === null || value === "") {
      this.done = true;
      return;
    }
    const name = (m[1] as string).toLowerCase();
    if (!VALID.has(name)) {
      this.done = true;
      return;
    }
    if (this.seen.has(name)) throw new ArgsError(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    if (name === "escape") {
      if (value !== "`" && value !== "\\") {
        throw new ArgsError(`invalid escape token '${value}' does not match \` or \\`);
      }
      this.escape = value;
    }
    this.directives.push({ name, value, line: lineNo });
  }
}
