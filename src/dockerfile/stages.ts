import type { Instruction } from "./ast.js";

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
