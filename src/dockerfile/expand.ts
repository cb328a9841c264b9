/**
 * Shell-word expansion as BuildKit's Dockerfile frontend does it (frontend/dockerfile/shell/lex.go,
 * `ProcessWord`): `$var`, `${var}`, `${var:-word}`, `${var-word}`, `${var:+word}`, `${var+word}`,
 * `${var:?msg}`, `${var#pat}`, `${var##pat}`, `${var%pat}`, `${var%%pat}`, `${var/pat/repl}`,
 * `${var//pat/repl}`; quotes are removed, single quotes suppress expansion, the escape token
 * escapes the next character. Unset variables expand to "" (BuildKit's default for FROM/ARG).
 */
import {
  ExpandError,
  ExpandLimitError,
  ExpansionBudget,
  MAX_EXPANDED_LENGTH,
  replaceMatches,
  trimPrefix,
  trimSuffix,
} from "./pattern.js";

export { ExpandError, ExpandLimitError, ExpansionBudget, MAX_EXPANDED_LENGTH };

const SPECIAL_PARAMS = new Set(["@", "*", "#", "?", "-", "$", "!", "0"]);
const isDigit = (c: string) => /^\p{Nd}$/u.test(c);
const isNameChar = (c: string) => /^[\p{L}\p{Nd}_]$/u.test(c);

class Expander {
  private pos = 0;
  /** Characters of variable values this word has produced so far. */
  private length = 0;
  private readonly chars: string[];

  constructor(
    text: string,
    private readonly lookup: (name: string) => string | undefined,
    private readonly escapeToken: string,
    private readonly budget: ExpansionBudget,
  ) {
    this.chars = Array.from(text);
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    const c = this.chars[this.pos];
    if (c !== undefined) this.pos++;
    return c;
  }

  /** BuildKit's processStopOn: up to `stop` (consumed), or to the end when stop is undefined. */
  processStopOn(stop: string | undefined, rawEscapes: boolean): string {
    let result = "";
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.next();
        return result;
      }
      if (ch === "'") result += this.singleQuote();
      else if (ch === '"') result += this.doubleQuote();
      else if (ch === "$") result += this.dollar();
      else {
        this.next();
        if (ch === this.escapeToken) {
          if (rawEscapes) result += ch;
          const escaped = this.next();
          if (escaped === undefined) break;
          result += escaped;
        } else {
          result += ch;
        }
      }
    }
    if (stop !== undefined)
      throw new ExpandError(`unexpected end of statement while looking for matching ${stop}`);
    return result;
  }

  private singleQuote(): string {
    this.next();
    let result = "";
    for (;;) {
      const ch = this.next();
      if (ch === undefined)
        throw new ExpandError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") return result;
      result += ch;
    }
  }

  private doubleQuote(): string {
    this.next();
    let result = "";
    for (;;) {
      const peek = this.peek();
      if (peek === undefined)
        throw new ExpandError("unexpected end of statement while looking for matching double-quote");
      if (peek === '"') {
        this.next();
        return result;
      }
      if (peek === "$") {
        result += this.dollar();
        continue;
      }
      let ch = this.next() as string;
      if (ch === this.escapeToken) {
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === "$" || after === this.escapeToken) ch = this.next() as string;
      }
      result += ch;
    }
  }

  private name(): string {
    let name = "";
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === "" && isDigit(ch)) {
        while (this.peek() !== undefined && isDigit(this.peek() as string)) name += this.next();
        return name;
      }
      if (name === "" && SPECIAL_PARAMS.has(ch)) return this.next() as string;
      if (!isNameChar(ch)) break;
      name += this.next();
    }
    return name;
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.name();
      return name === "" ? "$" : this.produced(this.lookup(name) ?? "");
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new ExpandError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":")
      throw new ExpandError("syntax error: bad substitution");
    const name = this.name();
    let ch = this.next();
    if (ch === undefined) throw new ExpandError("syntax error: missing '}'");
    let chs = ch ?? "";
    const value = this.lookup(name);
    const set = value !== undefined;
    const val = value ?? "";
    if (ch === "}") return this.produced(val);
    let nullIsUnset = false;
    if (ch === ":") {
      nullIsUnset = true;
      ch = this.next();
      chs += ch ?? "";
    }
    if (ch === "+" || ch === "-" || ch === "?" || ch === "#" || ch === "%") {
      let word = this.stopOrMissing("}", ch === "#" || ch === "%", "syntax error: missing '}'");
      const empty = !set || (nullIsUnset && val === "");
      switch (ch) {
        case "-":
          return empty ? word : this.produced(val);
        case "+":
          return empty ? "" : word;
        case "?":
          if (!set) throw new ExpandError(`${name}: ${word || "is not allowed to be unset"}`);
          if (nullIsUnset && val === "")
            throw new ExpandError(`${name}: ${word || "is not allowed to be empty"}`);
          return this.produced(val);
        default: {
          const greedy = word.startsWith(ch);
          if (greedy) word = word.slice(1);
          this.produced(val);
          return ch === "%"
            ? trimSuffix(word, val, greedy, this.budget)
            : trimPrefix(word, val, greedy, this.budget);
        }
      }
    }
    if (ch === "/" && !nullIsUnset) {
      const all = this.peek() === "/";
      if (all) this.next();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: BuildKit's message quotes the `${}` syntax
      const pattern = this.stopOrMissing("/", true, "syntax error: missing '/' in ${}");
      const replacement = this.stopOrMissing("}", true, "syntax error: missing '}'");
      this.produced(val);
      return this.produced(replaceMatches(pattern, val, replacement, all, this.budget));
    }
    throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
  }

  /** Charges a value to the budget and the length limit; returns it. */
  private produced(value: string): string {
    this.length += value.length;
    if (this.length > MAX_EXPANDED_LENGTH)
      throw new ExpandLimitError(`too complex: the word expands to over ${MAX_EXPANDED_LENGTH} characters`);
    this.budget.charge(value.length);
    return value;
  }

  private stopOrMissing(stop: string, rawEscapes: boolean, missing: string): string {
    try {
      return this.processStopOn(stop, rawEscapes);
    } catch (err) {
      if (this.peek() === undefined && !(err instanceof ExpandLimitError)) throw new ExpandError(missing);
      throw err;
    }
  }
}

/**
 * Expands one word as BuildKit's `ProcessWord`. `lookup` returns undefined for an unset variable.
 * Throws ExpandError for `${var:?msg}` on an unset/empty variable and for malformed expansions, and
 * ExpandLimitError when the word expands past `MAX_EXPANDED_LENGTH` or `budget` runs out (pass one
 * budget for all the words of a file: patterns cost O(value × pattern) each).
 */
export function expandWord(
  word: string,
  lookup: (name: string) => string | undefined,
  escapeToken: "\\" | "`",
  budget: ExpansionBudget = new ExpansionBudget(),
): string {
  budget.charge(word.length);
  return new Expander(word, lookup, escapeToken, budget).processStopOn(undefined, false);
}
