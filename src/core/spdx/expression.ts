import { spdxLicenseList } from "./license-list.js";

/**
 * SPDX license expressions, SPDX 2.3 Annex D (spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/):
 *   idstring            = 1*(ALPHA / DIGIT / "-" / "." )
 *   license-ref         = ["DocumentRef-" idstring ":"] "LicenseRef-" idstring
 *   simple-expression   = license-id / license-id "+" / license-ref
 *   compound-expression = simple-expression / simple-expression "WITH" license-exception-id
 *                       / compound "AND" compound / compound "OR" compound / "(" compound ")"
 * Precedence: WITH binds tightest, then AND, then OR. Ids match case-insensitively (D.2); the
 * operators are matched case-sensitively as the spec recommends (D.3), so "mit and bsd" is invalid.
 */

export type SpdxExpression =
  | { kind: "license"; id: string; orLater: boolean; exception?: string }
  | { kind: "ref"; ref: string; exception?: string }
  | { kind: "and" | "or"; left: SpdxExpression; right: SpdxExpression };

export type SpdxParseResult = { ok: true; expression: SpdxExpression } | { ok: false; problem: string };

const IDSTRING = /^[A-Za-z0-9.-]+$/;
const LICENSE_REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
const MAX_LENGTH = 10_000;

function tokenize(text: string): string[] {
  return text
    .replace(/[()]/g, (paren) => ` ${paren} `)
    .split(/\s+/)
    .filter((t) => t !== "");
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: string[]) {}

  parse(): SpdxExpression {
    if (this.tokens.length === 0) throw new Error("expression is empty");
    const expr = this.or();
    if (this.at < this.tokens.length) throw new Error(`unexpected ${JSON.stringify(this.tokens[this.at])}`);
    return expr;
  }

  private or(): SpdxExpression {
    let left = this.and();
    while (this.peek() === "OR") {
      this.at++;
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): SpdxExpression {
    let left = this.with();
    while (this.peek() === "AND") {
      this.at++;
      left = { kind: "and", left, right: this.with() };
    }
    return left;
  }

  private with(): SpdxExpression {
    const token = this.next("a licence");
    if (token === "(") {
      const inner = this.or();
      if (this.peek() !== ")") throw new Error("missing ')'");
      this.at++;
      return inner;
    }
    const simple = simpleExpression(token);
    if (this.peek() !== "WITH") return simple;
    this.at++;
    const exceptionToken = this.next("an exception id");
    const exception = spdxLicenseList().exceptions.get(exceptionToken.toLowerCase());
    if (!exception) throw new Error(`${JSON.stringify(exceptionToken)} is not an SPDX licence exception id`);
    return { ...simple, exception };
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private next(expected: string): string {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new Error(`expected ${expected} at the end`);
    return token;
  }
}

type Simple = Extract<SpdxExpression, { kind: "license" | "ref" }>;

function simpleExpression(token: string): Simple {
  if (token === "AND" || token === "OR" || token === "WITH" || token === ")") {
    throw new Error(`unexpected ${JSON.stringify(token)}`);
  }
  if (LICENSE_REF.test(token)) return { kind: "ref", ref: token };
  const orLater = token.endsWith("+");
  const bare = orLater ? token.slice(0, -1) : token;
  if (!IDSTRING.test(bare)) throw new Error(`${JSON.stringify(token)} is not a licence id`);
  const id = spdxLicenseList().licenses.get(bare.toLowerCase());
  if (!id) throw new Error(`${JSON.stringify(bare)} is not on the SPDX licence list`);
  return { kind: "license", id, orLater };
}

export function parseSpdxExpression(text: string): SpdxParseResult {
  if (text.length > MAX_LENGTH) return { ok: false, problem: "expression is too long" };
  try {
    return { ok: true, expression: new Parser(tokenize(text)).parse() };
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
}

/** Renders an expression with canonical ids and only the parentheses precedence needs. */
export function formatSpdxExpression(expr: SpdxExpression): string {
  switch (expr.kind) {
    case "license":
      return `${expr.id}${expr.orLater ? "+" : ""}${expr.exception ? ` WITH ${expr.exception}` : ""}`;
    case "ref":
      return `${expr.ref}${expr.exception ? ` WITH ${expr.exception}` : ""}`;
    case "and": {
      const side = (e: SpdxExpression) =>
        e.kind === "or" ? `(${formatSpdxExpression(e)})` : formatSpdxExpression(e);
      return `${side(expr.left)} AND ${side(expr.right)}`;
    }
    case "or":
      return `${formatSpdxExpression(expr.left)} OR ${formatSpdxExpression(expr.right)}`;
  }
}

/** Whether `text` is a valid SPDX license expression (ids from the SPDX licence list). */
export function isValidSpdxExpression(text: string): boolean {
  return parseSpdxExpression(text).ok;
}

/** The canonical id when `text` is exactly one listed licence id (no "+", no WITH), else undefined. */
export function knownLicenseId(text: string): string | undefined {
  return spdxLicenseList().licenses.get(text.trim().toLowerCase());
}

/** The top-level AND terms of an expression (one term when it is not a conjunction). */
export function conjuncts(expr: SpdxExpression): SpdxExpression[] {
  return expr.kind === "and" ? [...conjuncts(expr.left), ...conjuncts(expr.right)] : [expr];
}
