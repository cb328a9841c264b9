import type { Comment, Dockerfile, Instruction } from "../ast.js";
import type { Rule } from "../rules/types.js";
import { checkDirectiveOf, skippedRules } from "./check-directive.js";

/**
 * Inline suppressions:
 *   `# portcullis ignore=PC104,PC109 reason text`  on the comment line(s) directly above an instruction
 *   `# hadolint ignore=DL3008`                      the same, mapped through each rule's equivalents.hadolint
 *   `# portcullis ignore-file=PC119 reason`         anywhere before the first instruction: the whole file
 *   `# hadolint global ignore=DL3008`               hadolint's file-wide form, mapped likewise
 *   `# check=skip=JSONArgsRecommended`              BuildKit's parser directive: the whole file
 */
export interface Suppression {
  /** The comment's line. */
  readonly line: number;
  /** `buildkit` for the `# check=skip=...` parser directive (see check-directive.ts). */
  readonly source: "portcullis" | "hadolint" | "buildkit";
  readonly scope: "instruction" | "file";
  /** Portcullis rule ids it suppresses (hadolint ids already mapped). */
  readonly rules: readonly string[];
  /** Ids written in the comment that match no rule (unknown ids, or hadolint/ShellCheck codes with no equivalent). */
  readonly unknown: readonly string[];
  /** The justification after the ids; null when none was given (still honoured, but recorded). */
  readonly reason: string | null;
  /** For `instruction` scope: the first line of the instruction it applies to. */
  readonly instructionLine?: number;
}

const PORTCULLIS =
  /^portcullis\s+(ignore|ignore-file)\s*=\s*([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)(.*)$/i;
const HADOLINT = /^hadolint\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)(.*)$/i;

interface Parsed {
  readonly source: "portcullis" | "hadolint";
  readonly fileWide: boolean;
  readonly ids: readonly string[];
  readonly reason: string | null;
}

function parseComment(text: string): Parsed | null {
  const portcullis = PORTCULLIS.exec(text);
  const hadolint = portcullis ? null : HADOLINT.exec(text);
  const match = portcullis ?? hadolint;
  if (!match) return null;
  const ids = match[2]!
    .split(",")
    .map((id) => id.trim().toUpperCase())
    .filter((id) => id !== "");
  // The reason may be set off by a dash, colon or similar; an empty remainder is no reason.
  const reason = (match[3] ?? "").replace(/^[\s:;,.—–-]+/, "").trim();
  return {
    source: portcullis ? "portcullis" : "hadolint",
    fileWide: portcullis ? match[1]!.toLowerCase() === "ignore-file" : match[1] !== undefined,
    ids,
    reason: reason === "" ? null : reason,
  };
}

/** Every suppression comment in the file, resolved to rule ids. */
/** Rule ids and the hadolint id → rule ids map, built once per rule list. */
const idIndex = new WeakMap<readonly Rule[], { ids: Set<string>; byHadolint: Map<string, string[]> }>();

function indexOf(rules: readonly Rule[]): { ids: Set<string>; byHadolint: Map<string, string[]> } {
  const cached = idIndex.get(rules);
  if (cached !== undefined) return cached;
  const ids = new Set(rules.map((rule) => rule.id));
  const byHadolint = new Map<string, string[]>();
  for (const rule of rules) {
    // One rule may cover several hadolint checks: `hadolint: "DL3006, DL3007"`.
    for (const dl of (rule.equivalents.hadolint ?? "").toUpperCase().split(/[\s,]+/)) {
      if (dl) byHadolint.set(dl, [...(byHadolint.get(dl) ?? []), rule.id]);
    }
  }
  const index = { ids, byHadolint };
  idIndex.set(rules, index);
  return index;
}

export function collectSuppressions(dockerfile: Dockerfile, rules: readonly Rule[]): Suppression[] {
  const { ids, byHadolint } = indexOf(rules);
  // Most files have no suppression comment at all: skip the instruction walk for them.
  const out: Suppression[] = [];
  const check = checkDirectiveOf(dockerfile);
  if (check !== undefined && (check.skipAll || check.skip.length > 0)) {
    const skipped = skippedRules(check, rules);
    out.push({ line: check.line, source: "buildkit", scope: "file", ...skipped, reason: null });
  }
  if (!dockerfile.comments.some((c) => /^(portcullis|hadolint)\s/i.test(c.text))) return out;
  const commentAt = new Map<number, Comment>(dockerfile.comments.map((c) => [c.line, c]));
  const instructionAt = new Map<number, Instruction>();
  for (const instruction of dockerfile.instructions) {
    // Comments directly above an instruction: the unbroken run of comment lines ending just before it.
    for (let line = instruction.range.startLine - 1; commentAt.has(line); line--) {
      instructionAt.set(line, instruction);
    }
  }
  const firstInstruction = dockerfile.instructions[0]?.range.startLine ?? Number.POSITIVE_INFINITY;
  for (const comment of dockerfile.comments) {
    const parsed = parseComment(comment.text);
    if (!parsed) continue;
    const resolved: string[] = [];
    const unknown: string[] = [];
    for (const id of parsed.ids) {
      const mapped = parsed.source === "hadolint" ? byHadolint.get(id) : ids.has(id) ? [id] : undefined;
      if (mapped) resolved.push(...mapped.filter((r) => !resolved.includes(r)));
      else unknown.push(id);
    }
    const base = {
      line: comment.line,
      source: parsed.source,
      rules: resolved,
      unknown,
      reason: parsed.reason,
    };
    if (parsed.fileWide) {
      if (comment.line < firstInstruction) out.push({ ...base, scope: "file" });
      continue;
    }
    const instruction = instructionAt.get(comment.line);
    if (instruction)
      out.push({ ...base, scope: "instruction", instructionLine: instruction.range.startLine });
  }
  return out;
}

/**
 * Answers whether a finding is suppressed: by a file-wide suppression of its rule, or by one above the
 * instruction whose lines contain the finding's line.
 */
export class SuppressionIndex {
  readonly suppressions: readonly Suppression[];
  private readonly fileWide = new Map<string, Suppression>();
  private readonly byInstruction = new Map<number, Suppression[]>();
  private readonly ranges: ReadonlyArray<{ start: number; end: number }>;

  constructor(dockerfile: Dockerfile, rules: readonly Rule[]) {
    this.suppressions = collectSuppressions(dockerfile, rules);
    for (const s of this.suppressions) {
      if (s.scope === "file") {
        for (const rule of s.rules) if (!this.fileWide.has(rule)) this.fileWide.set(rule, s);
      } else if (s.instructionLine !== undefined) {
        const list = this.byInstruction.get(s.instructionLine);
        if (list === undefined) this.byInstruction.set(s.instructionLine, [s]);
        else list.push(s);
      }
    }
    this.ranges = dockerfile.instructions.map((i) => ({ start: i.range.startLine, end: i.range.endLine }));
  }

  /** The suppression that silences `rule` at `line`, if any. */
  match(rule: string, line: number): Suppression | undefined {
    const fileWide = this.fileWide.get(rule);
    if (fileWide) return fileWide;
    if (this.byInstruction.size === 0) return undefined;
    // Instructions do not overlap and come in line order: the last one starting at or before `line`.
    let low = 0;
    let high = this.ranges.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if ((this.ranges[mid] as { start: number }).start <= line) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    const range = this.ranges[found];
    if (range === undefined || line > range.end) return undefined;
    return this.byInstruction.get(range.start)?.find((s) => s.rules.includes(rule));
  }
}
