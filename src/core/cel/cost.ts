import { CEL_BUDGET } from "./budget.js";

/**
 * CEL's cost estimate at load: refuses an expression whose cost cannot be bounded, before any input
 * arrives, rather than letting every decision run out of budget.
 *
 * - Comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`) over lists of unknown length (the
 *   input's) nest at most MAX_COMPREHENSION_NESTING deep: each level multiplies the cost by a length
 *   an attacker may choose.
 * - The cost the expression has whatever its input (literal lists iterated, strings and lists built by
 *   `+`, through `cel.bind`), counted in the run-time budget's units (budget.ts), must fit within
 *   the budget: `[1..1000].all(a, [1..1000].all(b, ...))` or a list doubled twenty times never could.
 *
 * This walks cel-js's parsed AST (ASTNode: `op`, `args`, and `meta.alternate` for the comprehension
 * a macro expands to, `meta.macro` for `cel.bind` and `has`), as cel-js 8 builds it.
 */
export const MAX_COMPREHENSION_NESTING = 2;

interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly meta: { readonly alternate?: Node; readonly macro?: Record<string, unknown> };
}

interface Estimate {
  /** Units the node costs at least. */
  readonly cost: number;
  /** Units the value it yields costs (list length, string length / 64), when known from the text. */
  readonly size: number | undefined;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as Node).op === "string";
}

class Refusal extends Error {}

/** A node's operands (for everything but comprehensions and macros). */
function childrenOf(node: Node): Node[] {
  const args = node.args;
  if (node.op === "rcall") {
    const [, receiver, rest] = args as [string, Node, Node[]];
    return [receiver, ...rest];
  }
  if (node.op === "call") return (args as [string, Node[]])[1];
  if (node.op === "map") return (args as [Node, Node][]).flat();
  if (node.op === "." || node.op === ".?") return [(args as [Node, string])[0]];
  if (node.op === "comprehension") {
    const { iterable, init, step } = args as Record<string, unknown>;
    return [iterable, init, step].filter(isNode);
  }
  if (Array.isArray(args)) return args.filter(isNode);
  return isNode(args) ? [args] : [];
}

/** Every node of a parsed expression, macros' expansions included. */
export function nodesOf(root: object): object[] {
  const seen = new Set<Node>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (!isNode(node) || seen.has(node)) continue;
    seen.add(node);
    const { alternate, macro } = node.meta;
    if (alternate !== undefined) pending.push(alternate);
    if (macro !== undefined) {
      pending.push(macro.val, macro.exp, macro.receiver, macro.arg);
      if (Array.isArray(macro.args)) pending.push(...macro.args);
    }
    if (alternate === undefined && macro === undefined) pending.push(...childrenOf(node));
  }
  return [...seen];
}

function sum(estimates: readonly Estimate[]): number {
  return estimates.reduce((total, e) => total + e.cost, 0);
}

class Estimator {
  estimate(node: Node, scope: ReadonlyMap<string, number | undefined>, depth: number): Estimate {
    const { alternate, macro } = node.meta;
    if (alternate !== undefined) return this.estimate(alternate, scope, depth);
    if (macro !== undefined) return this.macro(macro, scope, depth);
    const args = node.args;
    switch (node.op) {
      case "value":
        return { cost: 1, size: typeof args === "string" ? Math.ceil(args.length / 64) : 0 };
      case "id":
        return { cost: 1 + (scope.get(args as string) ?? 0), size: scope.get(args as string) };
      case "comprehension":
        return this.comprehension(args as Record<string, unknown>, scope, depth);
      case "list": {
        const items = (args as unknown[]).filter(isNode).map((n) => this.estimate(n, scope, depth));
        return { cost: 1 + sum(items) + items.length, size: items.length };
      }
      case "+": {
        const [left, right] = (args as Node[]).map((n) => this.estimate(n, scope, depth));
        const size =
          left!.size !== undefined && right!.size !== undefined ? left!.size + right!.size : undefined;
        return { cost: 1 + left!.cost + right!.cost + (size ?? 0), size };
      }
      case "?:": {
        const [c, l, r] = (args as Node[]).map((n) => this.estimate(n, scope, depth));
        const size = l!.size !== undefined && r!.size !== undefined ? Math.max(l!.size, r!.size) : undefined;
        return { cost: 1 + c!.cost + Math.min(l!.cost, r!.cost), size };
      }
      default:
        return {
          cost: 1 + sum(this.children(node).map((n) => this.estimate(n, scope, depth))),
          size: undefined,
        };
    }
  }

  private children(node: Node): Node[] {
    return childrenOf(node);
  }

  private comprehension(
    args: Record<string, unknown>,
    scope: ReadonlyMap<string, number | undefined>,
    depth: number,
  ): Estimate {
    const iterable = this.estimate(args.iterable as Node, scope, depth);
    const inner = iterable.size === undefined ? depth + 1 : depth;
    if (inner > MAX_COMPREHENSION_NESTING) {
      throw new Refusal(
        `CEL expression nests comprehensions over input lists ${inner} deep (at most ${MAX_COMPREHENSION_NESTING}): its cost grows with the product of the lists' lengths`,
      );
    }
    const init = this.estimate(args.init as Node, scope, depth);
    const within = new Map(scope).set(args.iterVarName as string, undefined);
    const step = this.estimate(args.step as Node, within, inner);
    const times = iterable.size ?? 1;
    return {
      cost: iterable.cost + init.cost + times * step.cost,
      size: args.kind === "quantifier" ? 0 : iterable.size,
    };
  }

  private macro(
    macro: Record<string, unknown>,
    scope: ReadonlyMap<string, number | undefined>,
    depth: number,
  ): Estimate {
    if (isNode(macro.val) && isNode(macro.exp) && typeof macro.var === "string") {
      // cel.bind(var, val, exp): exp sees var with val's size, so doubling through binds adds up.
      const value = this.estimate(macro.val, scope, depth);
      const body = this.estimate(macro.exp, new Map(scope).set(macro.var, value.size), depth);
      return { cost: 1 + value.cost + body.cost, size: body.size };
    }
    const nodes = [macro.receiver, macro.arg, ...(Array.isArray(macro.args) ? macro.args : [])];
    return {
      cost: 1 + sum(nodes.filter(isNode).map((n) => this.estimate(n, scope, depth))),
      size: undefined,
    };
  }
}

/** Why a parsed expression's cost cannot be bounded, or undefined when it can. */
export function costProblem(root: object): string | undefined {
  try {
    const { cost } = new Estimator().estimate(root as Node, new Map(), 0);
    if (cost > CEL_BUDGET) {
      return `CEL expression costs at least ${cost} steps whatever the input, more than the ${CEL_BUDGET} a decision may spend`;
    }
    return undefined;
  } catch (err) {
    if (err instanceof Refusal) return err.message;
    throw err;
  }
}
