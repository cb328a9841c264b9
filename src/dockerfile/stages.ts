import type { Dockerfile, Instruction } from "./ast.js";
import { ExpansionBudget, expandWord } from "./expand.js";
import { DockerfileError } from "./parser/errors.js";

/**
 * A build stage: one FROM and the instructions up to the next. Filled by `buildStages` (owned by the
 * parser work), which expands ARGs declared before the first FROM in FROM lines, as BuildKit does.
 */
export interface Stage {
  readonly index: number;
  /** `AS name`, lower-cased, when given. */
  readonly name?: string;
  readonly from: Instruction;
  /** The base image as written in FROM. */
  readonly baseRaw: string;
  /** The base image with build args (global ARG defaults) expanded. */
  readonly base: string;
  /** True when the base is an earlier stage's name (or `scratch`). */
  readonly baseIsStage: boolean;
  readonly platform?: string;
  readonly instructions: readonly Instruction[];
}

/**
 * Splits a parsed Dockerfile into stages, as BuildKit does: each FROM starts one; ARGs before the
 * first FROM are global (their defaults, overridden by `buildArgs`, are expanded in FROM's image and
 * `--platform`); `AS name` is case-insensitive and stored lower-case. Instructions before the first
 * FROM other than ARG are ignored here (BuildKit refuses them; the linter reports them).
 */
export function buildStages(dockerfile: Dockerfile, buildArgs: Record<string, string> = {}): Stage[] {
  const globals = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  const names = new Set<string>();
  let current: { stage: Omit<Stage, "instructions">; instructions: Instruction[] } | null = null;

  const flush = () => {
    if (current !== null) stages.push({ ...current.stage, instructions: current.instructions });
  };
  // One budget for every FROM of the file: a fresh one per line would let 10,000 FROMs each spend it.
  const budget = new ExpansionBudget();
  const lookup = (name: string): string | undefined => {
    if (!globals.has(name)) return undefined;
    return Object.hasOwn(buildArgs, name) ? buildArgs[name] : globals.get(name);
  };
  const expand = (word: string, line: number): string => {
    try {
      return expandWord(word, lookup, dockerfile.escape, budget);
    } catch (err) {
      throw new DockerfileError(line, err instanceof Error ? err.message : String(err), { cause: err });
    }
  };

  for (const ins of dockerfile.instructions) {
    if (ins.keyword === "FROM") {
      flush();
      const line = ins.range.startLine;
      const baseRaw = ins.args[0] ?? "";
      const base = expand(baseRaw, line);
      const asWord = ins.args[1];
      const name =
        asWord !== undefined && asWord.toLowerCase() === "as" ? ins.args[2]?.toLowerCase() : undefined;
      const platformFlag = ins.flags.find((f) => f.name === "platform" && f.value !== null);
      const baseIsStage = base.toLowerCase() === "scratch" || names.has(base.toLowerCase());
      const stage: Omit<Stage, "instructions"> = {
        index: stages.length,
        from: ins,
        baseRaw,
        base,
        baseIsStage,
        ...(name !== undefined ? { name } : {}),
        ...(platformFlag?.value != null ? { platform: expand(platformFlag.value, line) } : {}),
      };
      if (name !== undefined) names.add(name);
      current = { stage, instructions: [] };
      continue;
    }
    if (current === null) {
      if (ins.keyword === "ARG") {
        for (const arg of ins.args) {
          const eq = arg.indexOf("=");
          const key = eq < 0 ? arg : arg.slice(0, eq);
          const value = eq < 0 ? undefined : expand(arg.slice(eq + 1), ins.range.startLine);
          globals.set(key, value);
        }
      }
      continue;
    }
    current.instructions.push(ins);
  }
  flush();
  return stages;
}

const parentCache = new WeakMap<readonly Stage[], readonly (Stage | undefined)[]>();

/**
 * The earlier stage each stage is built FROM, by index (BuildKit resolves a name or an index to the
 * latest earlier stage that has it); computed once per stage list, in one pass.
 */
export function stageParents(stages: readonly Stage[]): readonly (Stage | undefined)[] {
  const cached = parentCache.get(stages);
  if (cached !== undefined) return cached;
  const latest = new Map<string, Stage>();
  const parents = stages.map((stage) => {
    const parent = stage.baseIsStage ? latest.get(stage.base.toLowerCase()) : undefined;
    if (stage.name !== undefined) latest.set(stage.name, stage);
    latest.set(String(stage.index), stage);
    return parent;
  });
  parentCache.set(stages, parents);
  return parents;
}
