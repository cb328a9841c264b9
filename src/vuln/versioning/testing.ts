import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VulnError } from "../errors.js";
import type { VersionScheme } from "./scheme.js";

/**
 * Helpers for the scheme tests: read osv-scalibr's `a < b` / `a = b` / `a > b` files and check
 * every pair in both directions. Not exported from the domain's face.
 */
export interface VersionPair {
  readonly line: number;
  readonly a: string;
  readonly op: "<" | "=" | ">";
  readonly b: string;
}

export const testdataDir = fileURLToPath(new URL("./testdata/", import.meta.url));
export const sharedVersionsDir = `${import.meta.dirname}/../../../../shared/testdata/versions/`;

/** Reads a pair file; blank lines and lines starting with `#` or `//` are comments. */
export function readPairs(path: string): VersionPair[] {
  const pairs: VersionPair[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === "" || text.startsWith("#") || text.startsWith("//")) continue;
    const parts = text.split(" ");
    const [a, op, b] = parts;
    if (
      parts.length !== 3 ||
      a === undefined ||
      b === undefined ||
      (op !== "<" && op !== "=" && op !== ">")
    ) {
      throw new Error(`${path}:${i + 1}: not a version pair: ${text}`);
    }
    pairs.push({ line: i + 1, a, op, b });
  }
  return pairs;
}

const expectedSign = { "<": -1, "=": 0, ">": 1 } as const;

/** Returns one message per pair the scheme orders wrongly (either direction) or cannot read. */
export function pairFailures(scheme: VersionScheme, pairs: readonly VersionPair[]): string[] {
  const failures: string[] = [];
  for (const { line, a, op, b } of pairs) {
    const want = expectedSign[op];
    try {
      const forward = Math.sign(scheme.compare(a, b));
      const backward = Math.sign(scheme.compare(b, a));
      if (forward !== want || backward !== -want) {
        failures.push(`line ${line}: ${a} ${op} ${b}, got compare=${forward}, reversed=${backward}`);
      }
    } catch (err) {
      const code = err instanceof VulnError ? err.code : String(err);
      failures.push(`line ${line}: ${a} ${op} ${b} threw ${code}`);
    }
  }
  return failures;
}

/** Every distinct version named in the pairs, for property tests over real-world strings. */
export function versionsOf(pairs: readonly VersionPair[]): string[] {
  const seen = new Set<string>();
  for (const { a, b } of pairs) {
    seen.add(a);
    seen.add(b);
  }
  return [...seen];
}
