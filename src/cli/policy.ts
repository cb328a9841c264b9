import { readdirSync } from "node:fs";
import { join } from "node:path";
import { GateError, loadPolicyAnchors, loadPolicyFile } from "../app/index.js";
import { describeReadError, isPortcullisError, readRegularFile } from "../core/index.js";
import {
  type Decision,
  type ImageInput,
  MAX_POLICY_BYTES,
  type Policy,
  type PolicyCase,
  PolicyError,
  parsePolicyCase,
  policyTrustAnchors,
  runPolicyCases,
} from "../policy/index.js";
import { printTable } from "./output.js";
import { UsageError } from "./trust/common.js";

/**
 * `portcullis policy check FILE` and `portcullis policy test FILE --cases DIR`, and the decision
 * rendering `verify --policy` shares. Bad input (a malformed policy or case, an unreadable key) exits 2
 * with the file:line:key message; a case whose decision differs from its expectation exits 1.
 */

/** A configuration mistake in a file the user handed us exits 2, like a bad flag. */
export function asUsageError(err: unknown): never {
  if (err instanceof PolicyError || err instanceof GateError) throw new UsageError(err.message);
  if (isPortcullisError(err) && err.code === "DATABASE_MISSING") throw new UsageError(err.message);
  throw err;
}

function tableText(header: string[], rows: string[][]): string {
  let out = "";
  printTable(header, rows, { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream);
  return out;
}

/** Every requirement that passed or failed, and why; then the decision in one line. */
export function renderDecision(decision: Decision, image: ImageInput, policyFile: string): string {
  const head = [
    ["image", image.reference],
    ["digest", image.digest ?? "(unresolved)"],
    ["rule", `${decision.ruleSource} (${decision.evaluationMode}, ${decision.mode})`],
    ["policy", `${policyFile} ${decision.policyDigest}`],
  ];
  const width = Math.max(...head.map(([k]) => k!.length));
  const lines = head.map(([k, v]) => `${k!.padEnd(width)}  ${v}`).join("\n");
  const rows = decision.rules.map((r) => [r.passed ? "pass" : "FAIL", r.rule, r.reason]);
  const verdict = decision.effect.toUpperCase();
  return `${lines}\n\n${tableText(["RESULT", "REQUIREMENT", "REASON"], rows)}\n${verdict}: ${decision.reason}\n`;
}

/** The exit code of a gate decision: allow and warn pass CI, deny fails it. */
export function decisionExitCode(decision: Decision): number {
  return decision.allowed ? 0 : 1;
}

function readCases(dir: string): PolicyCase[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch (err) {
    throw new UsageError(`cannot read cases folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (names.length === 0) throw new UsageError(`${dir} holds no *.json cases`);
  return names.sort().map((name) => {
    const file = join(dir, name);
    let text: string;
    try {
      text = readRegularFile(file, { maxBytes: MAX_POLICY_BYTES }).toString("utf8");
    } catch (err) {
      throw new UsageError(`cannot read case ${file}: ${describeReadError(err)}`);
    }
    return parsePolicyCase(text, file);
  });
}

function ruleNames(policy: Policy): string[] {
  return [
    "defaultRule",
    ...[...policy.namespaceRules.keys()].map((k) => `namespaceRules.${k}`),
    ...[...policy.serviceAccountRules.keys()].map((k) => `serviceAccountRules.${k}`),
    ...[...policy.clusterRules.keys()].map((k) => `clusterRules.${k}`),
  ];
}

export interface CheckFlags {
  output: string;
  keyFiles: boolean;
}

export interface TestFlags {
  cases: string;
  output: string;
}

/** `portcullis policy check FILE` (its definition is policy-command.ts). */
export function checkPolicy(file: string, flags: CheckFlags): number {
  let loaded: Policy;
  try {
    loaded = loadPolicyFile(file);
    if (flags.keyFiles) loadPolicyAnchors(loaded);
  } catch (err) {
    asUsageError(err);
  }
  const anchors = policyTrustAnchors(loaded);
  const summary = {
    file,
    valid: true,
    policyDigest: loaded.digest,
    rules: ruleNames(loaded),
    allowlist: loaded.allowlist.map((p) => p.source),
    keys: anchors.keys,
    keyless: anchors.keyless,
    attestationTypes: anchors.attestationTypes,
  };
  process.stdout.write(
    flags.output === "json"
      ? `${JSON.stringify(summary, null, 2)}\n`
      : `${file}: valid (${loaded.digest})\n  rules: ${summary.rules.join(", ")}\n` +
          (summary.keys.length > 0
            ? `  keys: ${summary.keys.join(", ")}${flags.keyFiles ? " (read)" : " (not read)"}\n`
            : "") +
          (summary.keyless.length > 0
            ? `  keyless: ${summary.keyless.map((k) => `${k.identity ?? k.identityRegExp} (${k.issuer})`).join(", ")}\n`
            : ""),
  );
  return 0;
}

/** `portcullis policy test FILE --cases DIR` (its definition is policy-command.ts). */
export function testPolicy(file: string, flags: TestFlags): number {
  let loaded: Policy;
  let cases: PolicyCase[];
  try {
    loaded = loadPolicyFile(file);
    cases = readCases(flags.cases);
  } catch (err) {
    asUsageError(err);
  }
  const report = runPolicyCases(loaded, cases);
  if (flags.output === "json") {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const rows = report.results.map((r) => [
      r.passed ? "pass" : "FAIL",
      r.file.split(/[\\/]/).pop() ?? r.file,
      r.decision.effect,
      r.name,
    ]);
    let text = tableText(["RESULT", "CASE", "EFFECT", "NAME"], rows);
    for (const r of report.results.filter((x) => !x.passed)) {
      text += `\n${r.file}:\n${r.mismatches.map((m) => `  ${m}`).join("\n")}\n  reason: ${r.decision.reason}\n`;
    }
    text += `\n${report.passed} passed, ${report.failed} failed\n`;
    process.stdout.write(text);
  }
  return report.failed > 0 ? 1 : 0;
}
