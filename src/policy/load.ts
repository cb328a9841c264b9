import { digestOf, keyPath, parseYamlDocument } from "../core/index.js";
import { compilePattern, compileRequirements, type Fail } from "./compile-requirements.js";
import { PolicyError } from "./errors.js";
import type { Policy, PolicyRule, Requirements } from "./model.js";
import { type PolicyDocument, policySchema, type RuleDocument } from "./schema.js";
import { explainIssue } from "./schema-issues.js";

/** Policies are small; a bigger file is a mistake or an attack on the loader. */
/** The largest policy file read or parsed (1 MiB): a policy is text a person writes. */
export const MAX_POLICY_BYTES = 1024 * 1024;

function invalid(file: string, message: string, line?: number, path?: string, cause?: unknown): never {
  const where = `${file}${line === undefined ? "" : `:${line}`}`;
  throw new PolicyError("POLICY_INVALID", `${where}: ${path ? `${path}: ` : ""}${message}`, {
    detail: { file, line, path },
    ...(cause !== undefined ? { cause } : {}),
  });
}

function compileRule(
  doc: RuleDocument,
  source: string,
  path: readonly PropertyKey[],
  parent: PolicyRule | undefined,
  fail: Fail,
): PolicyRule {
  const own = compileRequirements(doc.require ?? {}, [...path, "require"], fail);
  // Rules inherit the default rule key by key; a requirement set to false is dropped.
  const merged: Record<string, unknown> = { ...(parent?.require ?? {}) };
  for (const [key, value] of Object.entries(own)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return {
    source,
    evaluationMode: doc.evaluationMode ?? parent?.evaluationMode ?? "require",
    enforcementMode: doc.enforcementMode ?? parent?.enforcementMode ?? "enforce",
    failurePolicy: doc.failurePolicy ?? parent?.failurePolicy ?? "fail",
    require: merged as Requirements,
  };
}

function compileRuleMap(
  docs: ReadonlyMap<string, RuleDocument> | undefined,
  key: "namespaceRules" | "serviceAccountRules" | "clusterRules",
  parent: PolicyRule,
  fail: Fail,
): Map<string, PolicyRule> {
  const out = new Map<string, PolicyRule>();
  for (const [name, doc] of docs ?? []) {
    if (name === "") fail([key], "a rule name must not be empty");
    if (key === "serviceAccountRules" && !/^[^:]+:[^:]+$/.test(name)) {
      fail([key, name], `service account rules are keyed "namespace:name", not ${JSON.stringify(name)}`);
    }
    out.set(name, compileRule(doc, `${key}.${name}`, [key, name], parent, fail));
  }
  return out;
}

function compilePolicy(doc: PolicyDocument, file: string, digest: string, fail: Fail): Policy {
  const defaultRule = compileRule(doc.defaultRule, "defaultRule", ["defaultRule"], undefined, fail);
  return {
    file,
    digest,
    defaultRule,
    namespaceRules: compileRuleMap(doc.namespaceRules, "namespaceRules", defaultRule, fail),
    serviceAccountRules: compileRuleMap(doc.serviceAccountRules, "serviceAccountRules", defaultRule, fail),
    clusterRules: compileRuleMap(doc.clusterRules, "clusterRules", defaultRule, fail),
    allowlist: (doc.allowlist ?? []).map((p, i) => compilePattern(p, ["allowlist", i], fail)),
    ...(doc.breakGlass ? { breakGlass: { annotation: doc.breakGlass.annotation } } : {}),
  };
}

function parseChecked(bytes: Uint8Array, file: string): Policy {
  if (bytes.byteLength > MAX_POLICY_BYTES)
    invalid(file, `policy file is larger than ${MAX_POLICY_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    invalid(file, "policy file is not UTF-8 text", undefined, undefined, err);
  }
  const yaml = parseYamlDocument(text);
  if (yaml.error) invalid(file, `invalid YAML: ${yaml.error.message}`, yaml.error.line);
  const fail: Fail = (path, message) => invalid(file, message, yaml.lineOf(path), keyPath(path));
  let value: unknown;
  try {
    value = yaml.document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    invalid(file, `invalid YAML: ${(err as Error).message}`, undefined, undefined, err);
  }
  if (value === null || value === undefined) invalid(file, "policy file is empty");
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) {
    const { path, message } = explainIssue(parsed.error.issues[0]!);
    fail(path, message);
  }
  return compilePolicy(parsed.data, file, digestOf(bytes), fail);
}

/**
 * Parses, validates and compiles a policy file's bytes (`file` names it in messages). Pure: the caller
 * reads the file. Every problem is a PolicyError POLICY_INVALID naming file, line and key
 * (`policy.yaml:12: defaultRule.require.scan.maxAge: invalid duration "1 day"`), never anything else.
 */
export function parsePolicy(content: Uint8Array | string, file: string): Policy {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  try {
    return parseChecked(bytes, file);
  } catch (err) {
    if (err instanceof PolicyError) throw err;
    return invalid(
      file,
      `cannot load policy: ${(err as Error)?.message ?? String(err)}`,
      undefined,
      undefined,
      err,
    );
  }
}
