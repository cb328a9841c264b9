import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { isValidDigest, keyPath } from "../../core/index.js";
import { parseImageReference } from "../../oci/index.js";
import { RULES } from "../rules/index.js";
import type { ApprovedBase, LintConfig, Severity } from "../rules/types.js";
import { LintError } from "./errors.js";

/** No approved-base list (every base is accepted by name) and every rule at its own severity. */
export const DEFAULT_LINT_CONFIG: LintConfig = Object.freeze({ approvedBases: [], rules: {} });

export const SEVERITIES: readonly Severity[] = ["style", "info", "warning", "error"];

const stringList = z.custom<string[]>(
  (value) => Array.isArray(value) && value.every((item) => typeof item === "string"),
  { message: "expected an array of strings" },
);

const approvedBaseSchema = z.strictObject(
  {
    name: z
      .string({ error: "expected an image name (a string such as docker.io/library/debian)" })
      .min(1, { error: "expected a non-empty image name" }),
    tags: stringList.optional(),
    digests: stringList
      .refine((digests) => digests.every(isValidDigest), {
        error: "expected digests of the form sha256:<64 hex digits>",
      })
      .optional(),
  },
  { error: "expected a mapping with name, and optionally tags and digests" },
);

const severitySchema = z.enum(["error", "warning", "info", "style", "off"], {
  error: "expected one of error, warning, info, style, off",
});

const labelTypeSchema = z.enum(["text", "url", "rfc3339", "spdx", "hash", "semver", "email"], {
  error: "expected one of text, url, rfc3339, spdx, hash, semver, email",
});

const configSchema = z.strictObject(
  {
    approvedBases: z
      .array(approvedBaseSchema, { error: "expected a list of approved base images" })
      .optional(),
    rules: z
      .record(z.string(), severitySchema, { error: "expected a mapping of rule id to severity or off" })
      .optional(),
    labelSchema: z
      .record(z.string().min(1), labelTypeSchema, {
        error: "expected a mapping of label name to text, url, rfc3339, spdx, hash, semver or email",
      })
      .optional(),
    strictLabels: z.boolean({ error: "expected true or false" }).optional(),
  },
  { error: "expected a mapping with approvedBases, rules, labelSchema and/or strictLabels" },
);

/**
 * Normalises an image name as docker does (`debian` → `docker.io/library/debian`, `index.docker.io/x`
 * → `docker.io/x`, a first component with `.`/`:` or `localhost` is a registry). Throws on an invalid
 * name, or one with a tag or digest (those belong under `tags` and `digests`).
 */
export function normalizeImageName(name: string): string {
  const ref = parseImageReference(name);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new Error("must be a repository name without tag or digest (list those under tags and digests)");
  }
  return `${ref.registry}/${ref.repository}`;
}

/**
 * Validates a parsed lint configuration document. `file` names the source in messages
 * (`lint.yaml: approvedBases[2].tags: expected an array of strings`); `ruleIds` are the rules that
 * may appear under `rules` (default: every registered rule).
 */
export function lintConfigFrom(
  doc: unknown,
  file: string,
  ruleIds: readonly string[] = RULES.map((rule) => rule.id),
): LintConfig {
  if (doc === null || doc === undefined) return DEFAULT_LINT_CONFIG;
  const parsed = configSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let path = keyPath(issue.path);
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const where = path;
      path = keyPath([...issue.path, issue.keys[0] ?? ""]);
      message = `unknown key${where ? ` in ${where}` : ""}; expected ${expectedKeys(issue.path)}`;
    }
    throw new LintError("CONFIG_INVALID", `${file}: ${path ? `${path}: ` : ""}${message}`, {
      detail: { file, path },
    });
  }
  const approvedBases: ApprovedBase[] = [];
  for (const [index, base] of (parsed.data.approvedBases ?? []).entries()) {
    let name: string;
    try {
      name = normalizeImageName(base.name);
    } catch (err) {
      throw new LintError(
        "CONFIG_INVALID",
        `${file}: approvedBases[${index}].name: ${JSON.stringify(base.name)}: ${(err as Error).message}`,
        { cause: err, detail: { file, path: `approvedBases[${index}].name` } },
      );
    }
    approvedBases.push({
      name,
      ...(base.tags ? { tags: base.tags } : {}),
      ...(base.digests ? { digests: base.digests } : {}),
    });
  }
  const rules: Record<string, Severity | "off"> = {};
  const known = new Set(ruleIds);
  const unknown: string[] = [];
  for (const [id, severity] of Object.entries(parsed.data.rules ?? {})) {
    const normalized = id.toUpperCase();
    if (known.has(normalized)) rules[normalized] = severity;
    else unknown.push(id);
  }
  if (unknown.length > 0) {
    throw new LintError(
      "CONFIG_INVALID",
      `${file}: rules: unknown rule id${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}` +
        ` (known: ${[...known].sort().join(", ")})`,
      { detail: { file, path: "rules", unknown } },
    );
  }
  return {
    approvedBases,
    rules,
    ...(parsed.data.labelSchema ? { labelSchema: parsed.data.labelSchema } : {}),
    ...(parsed.data.strictLabels !== undefined ? { strictLabels: parsed.data.strictLabels } : {}),
  };
}

function expectedKeys(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "approvedBases, rules, labelSchema, strictLabels" : "name, tags, digests";
}

/** Parses YAML text of a lint configuration; `file` names it in messages. */
export function parseLintConfig(text: string, file: string, ruleIds?: readonly string[]): LintConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new LintError("CONFIG_INVALID", `${file}: invalid YAML: ${(err as Error).message}`, {
      cause: err,
      detail: { file },
    });
  }
  return lintConfigFrom(doc, file, ruleIds);
}

/** Reads and validates a lint configuration file (`--config FILE`). */
export function loadLintConfig(file: string, ruleIds?: readonly string[]): LintConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new LintError("CONFIG_INVALID", `cannot read lint config file ${file}: ${(err as Error).message}`, {
      cause: err,
      detail: { file },
    });
  }
  return parseLintConfig(text, file, ruleIds);
}
