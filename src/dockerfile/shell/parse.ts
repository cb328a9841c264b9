import { effectiveCommand } from "./queries.js";
import { MAX_NESTING, type OpToken, REDIRECTIONS, type Token, tokenize, type WordToken } from "./tokenize.js";
import type { Pipeline, ShellScript, SimpleCommand } from "./types.js";

/**
 * Parses a RUN command's shell text into its simple commands and pipelines (see `types.ts`).
 *
 * Compound commands (`if`, `for`, `while`, `until`, `case`, `( )`, `{ }`, functions) are flattened:
 * their keywords are dropped and the commands inside are reported in source order. `((cmd))` is read
 * as dash reads it, two nested subshells (bash's arithmetic has no commands to miss). Commands inside
 * `$( )`, backticks, `<( )`, `${x:-$(cmd)}`, expanded heredoc bodies, heredocs fed to a shell, and the
 * scripts of `sh -c '…'` and `eval` are reported too, in pipelines of their own. A line of only
 * assignments (`A=1 B=2`) yields a command whose `name` is `""`. Nesting deeper than `MAX_DEPTH` is
 * not analysed: the script is then `incomplete`. Never throws.
 */
export function parseShell(text: string): ShellScript {
  const found: Located<Pipeline>[] = [];
  // Nested scripts are re-read at each level (and `sh -c "$(…)"` reads a substitution twice), so the
  // total text read is capped: a budget of a few times the nesting limit, then "incomplete".
  const state = { incomplete: false, budget: (MAX_DEPTH + 2) * text.length + 65_536 };
  parseInto(text, 0, 0, found, state);
  found.sort((a, b) => a.start - b.start);
  const pipelines = found.map((p) => p.value);
  const commands = found
    .flatMap((p) => p.commands)
    .sort((a, b) => a.start - b.start)
    .map((c) => c.value);
  return { pipelines, commands, incomplete: state.incomplete };
}

interface Located<T> {
  readonly value: T;
  readonly start: number;
  readonly commands: readonly Located<SimpleCommand>[];
}

interface MutablePipeline {
  commands: Located<SimpleCommand>[];
  next: Pipeline["next"];
}

interface PendingCommand {
  words: WordToken[];
  assignments: WordToken[];
  start: number;
  end: number;
}

/**
 * Nesting limit for substitutions (`$($($(...)))`, `sh -c`, heredocs fed to a shell), so hostile input
 * can't exhaust the stack or take quadratic time; past it the script is marked incomplete.
 */
const MAX_DEPTH = MAX_NESTING;
const SHELL_NAMES = /^(sh|bash|dash|ash|zsh|ksh|mksh)$/;

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
/** Reserved words that only introduce commands: dropped. */
const OPENERS = new Set(["if", "then", "elif", "else", "do", "while", "until", "{", "!"]);
/** Reserved words that close a compound command: dropped, remembered for a following `|`, `&&`... */
const CLOSERS = new Set(["fi", "done", "}", "esac"]);
const SEPARATORS = new Set(["&&", "||", ";", "&", "\n", ";;", ";&", ";;&"]);

function parseInto(
  text: string,
  base: number,
  depth: number,
  out: Located<Pipeline>[],
  state: { incomplete: boolean; budget: number },
  fromArgument = false,
): void {
  state.budget -= text.length;
  if (state.budget < 0) {
    state.incomplete = true;
    return;
  }
  const { tokens, substitutions, incomplete } = tokenize(text, depth);
  if (incomplete) state.incomplete = true;
  const finished: MutablePipeline[] = [];
  /** Case statements we are in: reading patterns (`a|b)`) or the commands of a branch. */
  const cases: ("pattern" | "body")[] = [];
  let current: MutablePipeline | null = null;
  let cmd: PendingCommand | null = null;
  let redirectTarget = false;
  let afterCloser = false;
  let inTest = false; // inside `[[ ... ]]`, where `<`, `&&`... are arguments

  const peek = (i: number): Token | undefined => tokens[i];
  const isOp = (t: Token | undefined, op: string): t is OpToken => t?.kind === "op" && t.op === op;
  const isWord = (t: Token | undefined, word: string): t is WordToken =>
    t?.kind === "word" && !t.quoted && t.value === word;

  const startCommand = (t: Token): PendingCommand => {
    cmd ??= { words: [], assignments: [], start: t.start, end: t.end };
    cmd.end = t.end;
    return cmd;
  };

  const finishCommand = (): void => {
    const c = cmd;
    cmd = null;
    redirectTarget = false;
    inTest = false;
    if (c === null || (c.words.length === 0 && c.assignments.length === 0)) return;
    const [name, ...args] = c.words;
    const value: SimpleCommand = {
      name: name?.value ?? "",
      args: args.map((w) => w.value),
      assignments: c.assignments.map((w) => w.value),
      raw: text.slice(c.start, c.end).trim(),
      ...(fromArgument ? { fromArgument: true as const } : {}),
    };
    current ??= { commands: [], next: null };
    current.commands.push({ value, start: base + c.start, commands: [] });
  };

  const finishPipeline = (next: Pipeline["next"]): void => {
    if (current !== null && current.commands.length > 0) {
      current.next = next;
      finished.push(current);
    }
    current = null;
  };

  /** Skips `(( ... ))` arithmetic starting at `i`; returns the index of the last token skipped. */
  const skipParens = (i: number): number => {
    let open = 0;
    let j = i;
    for (; j < tokens.length; j++) {
      const t = tokens[j];
      if (isOp(t, "(")) open++;
      else if (isOp(t, ")") && --open <= 0) break;
    }
    if (isOp(peek(j + 1), ")")) j++;
    return Math.min(j, tokens.length - 1);
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;

    if (cases.at(-1) === "pattern") {
      if (isWord(t, "esac")) {
        cases.pop();
        afterCloser = true;
      } else if (isOp(t, ")")) {
        cases[cases.length - 1] = "body";
      }
      continue;
    }

    if (t.kind === "word") {
      if (redirectTarget) {
        redirectTarget = false;
        startCommand(t);
        continue;
      }
      if (inTest) {
        startCommand(t).words.push(t);
        if (isWord(t, "]]")) inTest = false;
        continue;
      }
      if (cmd === null && !t.quoted) {
        if (OPENERS.has(t.value)) {
          afterCloser = false;
          continue;
        }
        if (CLOSERS.has(t.value)) {
          if (t.value === "esac") cases.pop();
          afterCloser = true;
          continue;
        }
        if (t.value === "for" || t.value === "select") {
          if (isOp(peek(i + 1), "(")) {
            i = skipParens(i + 1);
          } else {
            // `for name [in words...]`: none of these words are commands; stop at `;`, newline, `do`.
            while (peek(i + 1)?.kind === "word" && !isWord(peek(i + 1), "do")) i++;
          }
          continue;
        }
        if (t.value === "case") {
          if (peek(i + 1)?.kind === "word") i++;
          while (isOp(peek(i + 1), "\n")) i++;
          if (isWord(peek(i + 1), "in")) i++;
          cases.push("pattern");
          continue;
        }
        if (t.value === "function") {
          if (peek(i + 1)?.kind === "word") i++;
          if (isOp(peek(i + 1), "(") && isOp(peek(i + 2), ")")) i += 2;
          continue;
        }
      }
      const c = startCommand(t);
      if (c.words.length === 0 && ASSIGNMENT.test(text.slice(t.start, t.end))) c.assignments.push(t);
      else c.words.push(t);
      if (c.words.length === 1 && isWord(t, "[[")) inTest = true;
      afterCloser = false;
      continue;
    }

    // Operators.
    if (inTest && t.op !== "\n") {
      startCommand(t).words.push({ kind: "word", value: t.op, quoted: true, start: t.start, end: t.end });
      continue;
    }
    if (REDIRECTIONS.has(t.op)) {
      startCommand(t);
      redirectTarget = true;
      continue;
    }
    if (t.op === "|" || t.op === "|&") {
      finishCommand();
      // `{ ...; curl x; } | sh`: the compound's last pipeline feeds the next command.
      if (current === null && afterCloser) current = finished.pop() ?? null;
      if (current !== null) current.next = null;
      afterCloser = false;
      continue;
    }
    if (SEPARATORS.has(t.op)) {
      finishCommand();
      const next = t.op === "&&" || t.op === "||" || t.op === "&" ? t.op : ";";
      const hadCommands = current !== null;
      finishPipeline(next);
      const last = finished.at(-1);
      if (!hadCommands && afterCloser && t.op !== "\n" && last !== undefined) last.next = next;
      if (t.op.startsWith(";;") || t.op === ";&") {
        if (cases.length > 0) cases[cases.length - 1] = "pattern";
      }
      afterCloser = false;
      continue;
    }
    if (t.op === "(") {
      const pending = cmd as PendingCommand | null; // assigned in closures: undo TS's `null` narrowing
      const only = pending?.words.length === 1 && pending.assignments.length === 0;
      if (only && isOp(peek(i + 1), ")")) {
        // `name() { ...; }`: a function definition, not a command.
        cmd = null;
        i++;
      } else {
        finishCommand();
      }
      afterCloser = false;
      continue;
    }
    if (t.op === ")") {
      // Like `}`: a following `|`, `&&`... reopens or re-labels the group's last pipeline.
      finishCommand();
      finishPipeline(";");
      afterCloser = true;
    }
  }
  finishCommand();
  if (current !== null && (current as MutablePipeline).commands.length > 0) {
    finished.push(current);
  } else {
    const last = finished.at(-1);
    if (last !== undefined && last.next === ";") last.next = null;
  }

  for (const p of finished) {
    const first = p.commands[0];
    if (first === undefined) continue;
    const value: Pipeline = { commands: p.commands.map((c) => c.value), next: p.next };
    out.push({ value, start: first.start, commands: p.commands });
  }
  // Scripts given to a shell as an argument: `sh -c 'curl … | sh'`, `eval "…"`.
  const scripts: { text: string; offset: number; argument: boolean }[] = substitutions.map((sub) => ({
    ...sub,
    argument: fromArgument,
  }));
  for (const p of finished) {
    for (const c of p.commands) {
      const command = effectiveCommand(c.value);
      const name = command.name;
      if (SHELL_NAMES.test(name)) {
        const at = command.args.indexOf("-c");
        const script = at < 0 ? undefined : command.args[at + 1];
        if (script !== undefined) scripts.push({ text: script, offset: c.start - base, argument: true });
      } else if (name === "eval" && command.args.length > 0) {
        scripts.push({ text: command.args.join(" "), offset: c.start - base, argument: true });
      }
    }
  }
  if (scripts.length === 0) return;
  if (depth >= MAX_DEPTH) {
    state.incomplete = true;
    return;
  }
  for (const sub of scripts) parseInto(sub.text, base + sub.offset, depth + 1, out, state, sub.argument);
}
