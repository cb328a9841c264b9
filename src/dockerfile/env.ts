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
import { expandWord } from "./expand.js";
import type { Stage } from "./stages.js";

/** A variable's value, or undefined when it is declared but its value is unknown here. */
export type EnvValue = string | undefined;

/** The variables visible to one instruction. */
export interface Environment {
  /** Declared variables (ENV, and ARGs declared in the stage; globals for FROM lines). */
  readonly vars: ReadonlyMap<string, EnvValue>;
  /**
   * The word as BuildKit would expand it here (quotes removed), or undefined when it uses a variable
   * whose value is unknown or is malformed (`${x`, `${x:?}` on an unset variable).
   */
  expand(word: string): string | undefined;
}

class VarsEnvironment implements Environment {
  constructor(
    readonly vars: ReadonlyMap<string, EnvValue>,
    private readonly escapeToken: "\\" | "`",
  ) {}

  expand(word: string): string | undefined {
    // Fast path: nothing to expand or unquote.
    if (!/[$'"\\`]/.test(word)) return word;
    let complete = true;
    const lookup = (name: string): string | undefined => {
      const value = this.vars.get(name);
      if (value === undefined) complete = false;
      return value;
    };
    try {
      const out = expandWord(word, lookup, this.escapeToken);
      return complete ? out : undefined;
    } catch {
      return undefined;
    }
  }
}

const EMPTY: ReadonlyMap<string, EnvValue> = new Map();

/** Splits an ENV/ARG argument (`key=value`, `key`) as the parser normalised it. */
function splitPair(arg: string): { key: string; raw: string | undefined } {
  const eq = arg.indexOf("=");
  return eq === -1 ? { key: arg, raw: undefined } : { key: arg.slice(0, eq), raw: arg.slice(eq + 1) };
}

/**
 * Computes the environment at every instruction of a Dockerfile once, sharing one snapshot between
 * consecutive instructions until an ARG or ENV changes it.
 */
export class Environments {
  private readonly byInstruction = new Map<Instruction, Environment>();
  private readonly unknown: Environment;

  constructor(
    dockerfile: Dockerfile,
    stages: readonly Stage[],
    buildArgs: Readonly<Record<string, string>> = {},
  ) {
    const escapeToken = dockerfile.escape;
    this.unknown = new VarsEnvironment(EMPTY, escapeToken);
    const has = (name: string) => Object.hasOwn(buildArgs, name);

    // Global scope: ARGs before the first FROM, seen by FROM lines.
    const globals = new Map<string, EnvValue>();
    let globalEnv: Environment = new VarsEnvironment(new Map(globals), escapeToken);
    let first = 0;
    const instructions = dockerfile.instructions;
    for (; first < instructions.length; first++) {
      const ins = instructions[first] as Instruction;
      if (ins.keyword === "FROM") break;
      this.byInstruction.set(ins, globalEnv);
      if (ins.keyword !== "ARG") continue;
      for (const arg of ins.args) {
        const { key, raw } = splitPair(arg);
        globals.set(key, has(key) ? buildArgs[key] : raw === undefined ? undefined : globalEnv.expand(raw));
      }
      globalEnv = new VarsEnvironment(new Map(globals), escapeToken);
    }

    const stageEnvs = new Map<number, ReadonlyMap<string, EnvValue>>();
    let stageIndex = -1;
    let envVars = new Map<string, EnvValue>();
    let argVars = new Map<string, EnvValue>();
    let current: Environment = this.unknown;
    const snapshot = () => {
      const merged = new Map(argVars);
      for (const [k, v] of envVars) merged.set(k, v);
      current = new VarsEnvironment(merged, escapeToken);
    };
    const finishStage = () => {
      if (stageIndex >= 0) stageEnvs.set(stageIndex, new Map(envVars));
    };

    for (let i = first; i < instructions.length; i++) {
      const ins = instructions[i] as Instruction;
      if (ins.keyword === "FROM") {
        finishStage();
        stageIndex++;
        this.byInstruction.set(ins, globalEnv);
        const stage = stages[stageIndex];
        const parent = stage === undefined ? undefined : parentOf(stages, stage);
        envVars = new Map(parent === undefined ? EMPTY : (stageEnvs.get(parent.index) ?? EMPTY));
        argVars = new Map();
        snapshot();
        continue;
      }
      this.byInstruction.set(ins, current);
      if (ins.keyword === "ARG") {
        for (const arg of ins.args) {
          const { key, raw } = splitPair(arg);
          let value: EnvValue;
          if (has(key)) value = buildArgs[key];
          else if (raw !== undefined) value = current.expand(raw);
          else value = globals.get(key);
          argVars.set(key, value);
        }
        snapshot();
      } else if (ins.keyword === "ENV") {
        const before = current;
        for (const arg of ins.args) {
          const { key, raw } = splitPair(arg);
          envVars.set(key, raw === undefined ? undefined : before.expand(raw));
        }
        snapshot();
      }
    }
    finishStage();
  }

  /**
   * The environment an instruction sees. An ONBUILD-wrapped instruction (or any instruction not in
   * this file) gets an empty one: it runs in a later build whose variables are unknown here.
   */
  at(instruction: Instruction): Environment {
    return this.byInstruction.get(instruction) ?? this.unknown;
  }
}

/** The earlier stage a stage is built FROM (BuildKit resolves the name to the latest earlier stage). */
function parentOf(stages: readonly Stage[], stage: Stage): Stage | undefined {
  if (!stage.baseIsStage) return undefined;
  const base = stage.base.toLowerCase();
  for (let i = stage.index - 1; i >= 0; i--) {
    const s = stages[i];
    if (s !== undefined && (s.name === base || String(s.index) === base)) return s;
  }
  return undefined;
}
