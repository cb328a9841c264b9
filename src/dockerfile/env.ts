/**
 * The variables in effect at each instruction, as BuildKit's dockerfile2llb sees them, so rules can
 * read `USER $APP_UID` or `EXPOSE ${PORT}` with their values:
 * - ARGs before the first FROM are global: only FROM lines see them, and a stage sees one only after
 *   re-declaring it (`ARG NAME` takes the global default or the `--build-arg`).
 * - `ARG NAME=default` in a stage is the build arg when given, else its default expanded at that point.
 * - `ENV` values are expanded against the environment before the instruction (so in
 *   `ENV a=1 b=$a`, `b` sees the earlier `a`), and ENV wins over an ARG of the same name.
 * - A stage built FROM an earlier stage starts with that stage's ENV (its image config), not its ARGs.
 * What a static reader cannot know (an external base image's ENV, BuildKit's automatic TARGETARCH,
 * an ARG declared without a value) is "unknown": `expand` returns undefined for words that use it
 * rather than guessing "" as BuildKit would with the real values absent.
 * See https://docs.docker.com/reference/dockerfile/#scope and #environment-replacement.
 */
import type { Dockerfile, Instruction } from "./ast.js";
import { ExpandLimitError, ExpansionBudget, expandWord } from "./expand.js";
import { PersistentMap } from "./persistent-map.js";
import { type Stage, stageParents } from "./stages.js";

/** A variable's value, or undefined when it is declared but its value is unknown here. */
export type EnvValue = string | undefined;

/** The variables declared at one point of the file. */
export interface Variables {
  has(name: string): boolean;
  /** The value; undefined when not declared or when its value is unknown. */
  get(name: string): EnvValue;
}

/** The variables visible to one instruction. */
export interface Environment {
  /** Declared variables (ENV, and ARGs declared in the stage; globals for FROM lines). */
  readonly vars: Variables;
  /**
   * The word as BuildKit would expand it here (quotes removed), or undefined when it uses a variable
   * whose value is unknown, is malformed (`${x`, `${x:?}` on an unset variable) or is too complex to
   * expand within the limits (see `Environments.limitsReached`).
   */
  expand(word: string): string | undefined;
}

/** Where an expansion was refused for a limit (`ExpandLimitError`), and why. */
export interface LimitReached {
  readonly instruction: Instruction;
  readonly reason: string;
}

type VarMap = PersistentMap<EnvValue>;
const EMPTY: VarMap = PersistentMap.empty();

/** A stage's scope: ENV wins over an ARG of the same name. Both maps are shared, never copied. */
class ScopeVariables implements Variables {
  constructor(
    private readonly env: VarMap,
    private readonly args: VarMap,
  ) {}

  has(name: string): boolean {
    return this.env.has(name) || this.args.has(name);
  }

  get(name: string): EnvValue {
    return this.env.has(name) ? this.env.get(name) : this.args.get(name);
  }
}

class BoundEnvironment implements Environment {
  constructor(
    readonly vars: Variables,
    private readonly instruction: Instruction | undefined,
    private readonly owner: Environments,
  ) {}

  expand(word: string): string | undefined {
    return this.owner.expandIn(this.vars, word, this.instruction);
  }
}

/** Splits an ENV/ARG argument (`key=value`, `key`) as the parser normalised it. */
function splitPair(arg: string): { key: string; raw: string | undefined } {
  const eq = arg.indexOf("=");
  return eq === -1 ? { key: arg, raw: undefined } : { key: arg.slice(0, eq), raw: arg.slice(eq + 1) };
}

/**
 * Computes the variables at every instruction of a Dockerfile once. Each ARG or ENV makes a new
 * persistent map that shares structure with the one before, so memory grows with the number of
 * assignments, not assignments × variables. Every expansion of the file draws on one
 * `ExpansionBudget`; a word past a limit is unknown, and `limitsReached` says where.
 */
export class Environments {
  private readonly byInstruction = new Map<Instruction, Variables>();
  private readonly escapeToken: "\\" | "`";
  private readonly budget = new ExpansionBudget();
  private readonly limits = new Map<Instruction, string>();

  constructor(
    dockerfile: Dockerfile,
    stages: readonly Stage[],
    buildArgs: Readonly<Record<string, string>> = {},
  ) {
    this.escapeToken = dockerfile.escape;
    const has = (name: string) => Object.hasOwn(buildArgs, name);

    // Global scope: ARGs before the first FROM, seen by FROM lines.
    let globals: VarMap = EMPTY;
    let globalVars: Variables = new ScopeVariables(EMPTY, globals);
    let first = 0;
    const instructions = dockerfile.instructions;
    for (; first < instructions.length; first++) {
      const ins = instructions[first] as Instruction;
      if (ins.keyword === "FROM") break;
      this.byInstruction.set(ins, globalVars);
      if (ins.keyword !== "ARG") continue;
      for (const arg of ins.args) {
        const { key, raw } = splitPair(arg);
        const value = has(key)
          ? buildArgs[key]
          : raw === undefined
            ? undefined
            : this.expandIn(globalVars, raw, ins);
        globals = globals.set(key, value);
      }
      globalVars = new ScopeVariables(EMPTY, globals);
    }

    const parents = stageParents(stages);
    const stageEnvs = new Map<number, VarMap>();
    let stageIndex = -1;
    let envVars: VarMap = EMPTY;
    let argVars: VarMap = EMPTY;
    let current: Variables = new ScopeVariables(EMPTY, EMPTY);
    const finishStage = () => {
      if (stageIndex >= 0) stageEnvs.set(stageIndex, envVars);
    };

    for (let i = first; i < instructions.length; i++) {
      const ins = instructions[i] as Instruction;
      if (ins.keyword === "FROM") {
        finishStage();
        stageIndex++;
        this.byInstruction.set(ins, globalVars);
        const parent = parents[stageIndex];
        envVars = parent === undefined ? EMPTY : (stageEnvs.get(parent.index) ?? EMPTY);
        argVars = EMPTY;
        current = new ScopeVariables(envVars, argVars);
        continue;
      }
      this.byInstruction.set(ins, current);
      if (ins.keyword === "ARG") {
        for (const arg of ins.args) {
          const { key, raw } = splitPair(arg);
          let value: EnvValue;
          if (has(key)) value = buildArgs[key];
          else if (raw !== undefined) value = this.expandIn(current, raw, ins);
          else value = globals.get(key);
          argVars = argVars.set(key, value);
        }
        current = new ScopeVariables(envVars, argVars);
      } else if (ins.keyword === "ENV") {
        const before = current;
        for (const arg of ins.args) {
          const { key, raw } = splitPair(arg);
          envVars = envVars.set(key, raw === undefined ? undefined : this.expandIn(before, raw, ins));
        }
        current = new ScopeVariables(envVars, argVars);
      }
    }
    finishStage();
  }

  /**
   * The environment an instruction sees. An ONBUILD-wrapped instruction (or any instruction not in
   * this file) gets an empty one: it runs in a later build whose variables are unknown here.
   */
  at(instruction: Instruction): Environment {
    const vars = this.byInstruction.get(instruction);
    if (vars === undefined) return new BoundEnvironment(new ScopeVariables(EMPTY, EMPTY), undefined, this);
    return new BoundEnvironment(vars, instruction, this);
  }

  /** The instructions where an expansion was refused for a limit, in file order. */
  limitsReached(): LimitReached[] {
    return [...this.limits]
      .map(([instruction, reason]) => ({ instruction, reason }))
      .sort((a, b) => a.instruction.range.startLine - b.instruction.range.startLine);
  }

  /** `word` expanded against `vars` (see `Environment.expand`); a limit reached is recorded. */
  expandIn(vars: Variables, word: string, instruction: Instruction | undefined): string | undefined {
    // Fast path: nothing to expand or unquote.
    if (!/[$'"\\`]/.test(word)) return word;
    let complete = true;
    const lookup = (name: string): string | undefined => {
      const value = vars.get(name);
      if (value === undefined) complete = false;
      return value;
    };
    try {
      const out = expandWord(word, lookup, this.escapeToken, this.budget);
      return complete ? out : undefined;
    } catch (err) {
      if (err instanceof ExpandLimitError && instruction !== undefined && !this.limits.has(instruction))
        this.limits.set(instruction, err.message);
      return undefined;
    }
  }
}
