/**
 * POSIX sh tokenizer for RUN commands: words (quotes removed, expansions kept as written) and
 * operators. Never throws: an unterminated quote or substitution runs to the end of the text.
 */

export interface WordToken {
  readonly kind: "word";
  /** The word with quotes and backslash escapes removed; `$VAR`, `${...}`, `$(...)`, backticks as written. */
  readonly value: string;
  /** True when any part of the word was quoted or escaped (so it can't be a reserved word). */
  readonly quoted: boolean;
  readonly start: number;
  readonly end: number;
}

export interface OpToken {
  readonly kind: "op";
  /** The operator; a newline is `"\n"`. A redirection's fd number (`2>`) is not part of `op`. */
  readonly op: string;
  readonly start: number;
  readonly end: number;
}

export type Token = WordToken | OpToken;

/**
 * Shell text found inside a word or a heredoc, to be parsed in turn: a command substitution (`$(...)`,
 * backticks, `<(...)`, `$( (...) )`), or a heredoc body fed to a shell (`sh <<EOF`).
 */
export interface Substitution {
  readonly text: string;
  /** Where `text` starts in the tokenized text (approximate for backticks with escapes). */
  readonly offset: number;
}

/**
 * How deep `${...}` and arithmetic may nest inside one word before the tokenizer stops looking into
 * them (the parser has the same limit for substitutions): past it, `incomplete` is set.
 */
export const MAX_NESTING = 32;

/** Shell names whose stdin, fed by a heredoc, is a script. */
const HEREDOC_SHELLS = /^(?:.*\/)?(?:sh|bash|dash|ash|zsh|ksh|mksh)$/;

/** Redirection operators; the word after one is its target (or a heredoc delimiter). */
export const REDIRECTIONS: ReadonlySet<string> = new Set(
  ">  >>  >&  >|  <  <<  <<-  <<<  <&  <>  &>  &>>".split(/ +/),
);

/** Longest first, so `&&` is not read as `&` `&`. */
const OPERATORS = "&>> ;;& <<< <<- && &> || |& ;; ;& >> >& >| << <& <> & | ; < > ( )".split(" ");

const META = new Set([" ", "\t", "\r", "\n", "|", "&", ";", "<", ">", "(", ")"]);

function readOperator(text: string, i: number): string {
  for (const op of OPERATORS) {
    if (text.startsWith(op, i)) return op;
  }
  return text.charAt(i);
}

/** Index of the `)` closing a `(` whose content starts at `i`, or `text.length`. */
export function matchParen(text: string, i: number): number {
  let depth = 1;
  let j = i;
  while (j < text.length) {
    const c = text.charAt(j);
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === "'") {
      const k = text.indexOf("'", j + 1);
      j = k < 0 ? text.length : k + 1;
      continue;
    }
    if (c === '"' || c === "`") {
      j = skipQuoted(text, j + 1, c);
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j;
    j++;
  }
  return text.length;
}

/** Index just past the `close` ending a quoted run whose content starts at `i` (escapes skipped). */
function skipQuoted(text: string, i: number, close: string): number {
  let j = i;
  while (j < text.length) {
    const c = text.charAt(j);
    if (c === "\\") j += 2;
    else if (c === close) return j + 1;
    else j++;
  }
  return text.length;
}

/** Index of the `}` closing a `${` whose content starts at `i`, or `text.length`. */
function matchBrace(text: string, i: number): number {
  let depth = 1;
  let j = i;
  while (j < text.length) {
    const c = text.charAt(j);
    if (c === "\\") j += 2;
    else if (c === "'" || c === '"' || c === "`")
      j = c === "'" ? skipSingle(text, j) : skipQuoted(text, j + 1, c);
    else {
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) return j;
      j++;
    }
  }
  return text.length;
}

function skipSingle(text: string, j: number): number {
  const k = text.indexOf("'", j + 1);
  return k < 0 ? text.length : k + 1;
}

interface HeredocPending {
  readonly delimiter: string;
  /** `<<'EOF'` / `<<"EOF"` / `<<\EOF`: the body is not expanded. */
  readonly quoted: boolean;
  /** The heredoc is the stdin of a shell (`sh <<EOF`, `bash -s <<EOF`): the body is a script. */
  readonly script: boolean;
}

export interface Tokenized {
  readonly tokens: Token[];
  readonly substitutions: Substitution[];
  /** Something nested deeper than `MAX_NESTING` was not looked into. */
  readonly incomplete: boolean;
}

/**
 * Splits shell text into tokens and collects the shell text nested in it (see `Substitution`),
 * including command substitutions inside `${...}`, `$((...))` and expanded heredoc bodies, where
 * they run too. `depth` counts how deep this text is nested already.
 */
export function tokenize(text: string, depth = 0): Tokenized {
  const tokens: Token[] = [];
  const substitutions: Substitution[] = [];
  const heredocs: HeredocPending[] = [];
  let expectDelimiter: { script: boolean } | undefined;
  let incomplete = false;
  let i = 0;

  /** Substitutions inside `inner` (at `offset` in `text`): `${x:-$(cmd)}`, `$(( $(cmd) + 1 ))`. */
  const nested = (inner: string, offset: number): void => {
    if (!/[$`]/.test(inner)) return;
    if (depth + 1 > MAX_NESTING) {
      incomplete = true;
      return;
    }
    const found = tokenize(inner, depth + 1);
    if (found.incomplete) incomplete = true;
    for (const sub of found.substitutions)
      substitutions.push({ text: sub.text, offset: offset + sub.offset });
  };

  /** The current command's first word (not an assignment, not a redirection's target), if any yet. */
  let commandName: string | undefined;
  const push = (token: Token): void => {
    const previous = tokens.at(-1);
    if (token.kind === "op") {
      if (!REDIRECTIONS.has(token.op)) commandName = undefined;
    } else if (
      commandName === undefined &&
      !(previous?.kind === "op" && REDIRECTIONS.has(previous.op)) &&
      !/^[A-Za-z_][A-Za-z0-9_]*=/.test(token.value)
    ) {
      commandName = token.value;
    }
    tokens.push(token);
  };

  /** Reads a `$...` expansion at `i` (text[i] === "$"); returns [text to append, next index]. */
  const readDollar = (at: number): [string, number] => {
    const next = text.charAt(at + 1);
    if (next === "(") {
      const close = matchParen(text, at + 2);
      // `$((1 + 2))` is arithmetic only when its inner `(` closes right before the outer `)`;
      // `$( (cmd) )` is a command substitution running a subshell (bash and dash agree).
      const arithmetic = text.charAt(at + 2) === "(" && matchParen(text, at + 3) + 1 === close;
      if (arithmetic) nested(text.slice(at + 3, close - 1), at + 3);
      else substitutions.push({ text: text.slice(at + 2, close), offset: at + 2 });
      const end = Math.min(close + 1, text.length);
      return [text.slice(at, end), end];
    }
    if (next === "{") {
      const close = matchBrace(text, at + 2);
      nested(text.slice(at + 2, close), at + 2);
      const end = Math.min(close + 1, text.length);
      return [text.slice(at, end), end];
    }
    return ["$", at + 1];
  };

  /** Reads a backtick substitution at `at`; returns [text as written, next index]. */
  const readBackticks = (at: number): [string, number] => {
    let inner = "";
    let j = at + 1;
    while (j < text.length && text.charAt(j) !== "`") {
      const c = text.charAt(j);
      const n = text.charAt(j + 1);
      if (c === "\\" && (n === "`" || n === "\\" || n === "$")) {
        inner += n;
        j += 2;
      } else {
        inner += c;
        j++;
      }
    }
    substitutions.push({ text: inner, offset: at + 1 });
    const end = Math.min(j + 1, text.length);
    return [text.slice(at, end), end];
  };

  const readWord = (begin: number): number => {
    let value = "";
    let quoted = false;
    let j = begin;
    while (j < text.length) {
      const c = text.charAt(j);
      if (META.has(c)) {
        // `2>file`, `2>&1`: an all-digit unquoted word before a redirection is its fd number.
        if ((c === "<" || c === ">") && !quoted && /^[0-9]+$/.test(value)) return begin;
        // `arr=(a b c)`: a bash array assignment is one word.
        if (c === "(" && !quoted && /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(value)) {
          const end = Math.min(matchParen(text, j + 1) + 1, text.length);
          value += text.slice(j, end);
          j = end;
          continue;
        }
        break;
      }
      if (c === "\\") {
        quoted = true;
        if (text.charAt(j + 1) !== "\n") value += text.charAt(j + 1);
        j += 2;
      } else if (c === "'") {
        quoted = true;
        const k = text.indexOf("'", j + 1);
        const end = k < 0 ? text.length : k;
        value += text.slice(j + 1, end);
        j = end + 1;
      } else if (c === '"' || (c === "$" && text.charAt(j + 1) === '"')) {
        quoted = true;
        j += c === "$" ? 2 : 1;
        while (j < text.length && text.charAt(j) !== '"') {
          const d = text.charAt(j);
          const n = text.charAt(j + 1);
          if (d === "\\" && (n === '"' || n === "\\" || n === "$" || n === "`" || n === "\n")) {
            if (n !== "\n") value += n;
            j += 2;
          } else if (d === "$") {
            const [s, e] = readDollar(j);
            value += s;
            j = e;
          } else if (d === "`") {
            const [s, e] = readBackticks(j);
            value += s;
            j = e;
          } else {
            value += d;
            j++;
          }
        }
        j++;
      } else if (c === "$" && text.charAt(j + 1) === "'") {
        // bash ANSI-C quoting: only the escapes lint rules could care about.
        quoted = true;
        j += 2;
        while (j < text.length && text.charAt(j) !== "'") {
          const d = text.charAt(j);
          const n = text.charAt(j + 1);
          if (d === "\\" && j + 1 < text.length) {
            value += n === "n" ? "\n" : n === "t" ? "\t" : n;
            j += 2;
          } else {
            value += d;
            j++;
          }
        }
        j++;
      } else if (c === "$") {
        const [s, e] = readDollar(j);
        value += s;
        j = e;
      } else if (c === "`") {
        const [s, e] = readBackticks(j);
        value += s;
        j = e;
      } else {
        value += c;
        j++;
      }
    }
    const end = Math.min(j, text.length);
    push({ kind: "word", value, quoted, start: begin, end });
    if (expectDelimiter !== undefined) {
      heredocs.push({ delimiter: value, quoted, script: expectDelimiter.script });
      expectDelimiter = undefined;
    }
    return end;
  };

  /**
   * Skips heredoc bodies after the newline at `i - 1`; returns the index after the last body. A body
   * fed to a shell is a script; an unquoted body is expanded, so its substitutions run.
   */
  const skipHeredocs = (from: number): number => {
    let j = from;
    for (const doc of heredocs) {
      const start = j;
      let end = text.length;
      while (j < text.length) {
        const nl = text.indexOf("\n", j);
        const lineEnd = nl < 0 ? text.length : nl;
        const line = text.slice(j, lineEnd);
        if (line.trim() === doc.delimiter) {
          end = j;
          j = nl < 0 ? text.length : nl + 1;
          break;
        }
        j = nl < 0 ? text.length : nl + 1;
      }
      const body = text.slice(start, Math.min(end, j));
      if (doc.script) substitutions.push({ text: body, offset: start });
      else if (!doc.quoted) nested(body, start);
    }
    heredocs.length = 0;
    return j;
  };
  const heredocOperator = (op: string): void => {
    if (op === "<<" || op === "<<-")
      expectDelimiter = { script: commandName !== undefined && HEREDOC_SHELLS.test(commandName) };
  };

  while (i < text.length) {
    const c = text.charAt(i);
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "\\" && text.charAt(i + 1) === "\n") {
      i += 2;
    } else if (c === "\n") {
      push({ kind: "op", op: "\n", start: i, end: i + 1 });
      i = heredocs.length > 0 ? skipHeredocs(i + 1) : i + 1;
    } else if (c === "#") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
    } else if ((c === "<" || c === ">") && text.charAt(i + 1) === "(") {
      // Process substitution `<(cmd)`: a word whose commands are reported.
      const close = matchParen(text, i + 2);
      substitutions.push({ text: text.slice(i + 2, close), offset: i + 2 });
      const end = Math.min(close + 1, text.length);
      push({ kind: "word", value: text.slice(i, end), quoted: false, start: i, end });
      i = end;
    } else if (META.has(c)) {
      const op = readOperator(text, i);
      heredocOperator(op);
      push({ kind: "op", op, start: i, end: i + op.length });
      i += op.length;
    } else {
      const next = readWord(i);
      if (next === i) {
        // An fd number (`2>`): skip the digits, the redirection operator follows.
        const start = i;
        while (i < text.length && /[0-9]/.test(text.charAt(i))) i++;
        const op = readOperator(text, i);
        heredocOperator(op);
        push({ kind: "op", op, start, end: i + op.length });
        i += op.length;
      } else {
        i = next;
      }
    }
  }
  return { tokens, substitutions, incomplete };
}
