import { readFileSync } from "node:fs";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { normalisedRepository } from "../../oci/index.js";
import { VulnError } from "../errors.js";
import { type StandardsDocument, standardsSchema } from "./schema.js";
import type { Standards } from "./types.js";

/** `minimumVersions[2].version` from zod's `["minimumVersions", 2, "version"]`. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** The 1-based line of the deepest node on `path` that exists in the YAML document. */
function lineOf(root: Node | null, path: readonly PropertyKey[], counter: LineCounter): number | undefined {
  let node: Node | null | undefined = root;
  let line: number | undefined;
  for (const part of [undefined, ...path]) {
    if (part !== undefined) {
      if (isMap(node)) node = node.get(String(part), true) as Node | undefined;
      else if (isSeq(node) && typeof part === "number") node = node.get(part, true) as Node | undefined;
      else node = undefined;
    }
    if (!node?.range) break;
    line = counter.linePos(node.range[0]).line;
  }
  return line;
}

function invalid(file: string, message: string, line?: number, path?: string): never {
  const where = `${file}${line === undefined ? "" : `:${line}`}`;
  throw new VulnError("STANDARDS_INVALID", `${where}: ${path ? `${path}: ` : ""}${message}`, {
    detail: { file, line, path },
  });
}

/**
 * Parses and validates a standards document; errors name the file, the line and the key
 * (`standards.yaml:7: minimumVersions[1].version: expected a version`).
 */
export function parseStandards(text: string, file: string): Standards {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) invalid(file, `invalid YAML: ${yamlError.message}`, counter.linePos(yamlError.pos[0]).line);
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return toStandards({});
  const parsed = standardsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let path = [...issue.path];
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      path = [...issue.path, issue.keys[0] ?? ""];
      message = "unknown key";
    }
    invalid(file, message, lineOf(doc.contents, path, counter), keyPath(path));
  }
  for (const [index, base] of (parsed.data.approvedBaseImages ?? []).entries()) {
    if (normalisedRepository(base.name) === undefined) {
      const path = ["approvedBaseImages", index, "name"];
      invalid(
        file,
        `${JSON.stringify(base.name)} is not an image name`,
        lineOf(doc.contents, path, counter),
        keyPath(path),
      );
    }
  }
  return toStandards(parsed.data);
}

function toStandards(doc: StandardsDocument): Standards {
  return {
    forbiddenPackages: (doc.forbiddenPackages ?? []).map((rule) => ({
      name: rule.name,
      ...(rule.type ? { type: rule.type } : {}),
      ...(rule.reason ? { reason: rule.reason } : {}),
      severity: rule.severity ?? "high",
    })),
    minimumVersions: (doc.minimumVersions ?? []).map((rule) => ({
      name: rule.name,
      version: rule.version,
      ...(rule.type ? { type: rule.type } : {}),
      ...(rule.reason ? { reason: rule.reason } : {}),
      severity: rule.severity ?? "high",
    })),
    approvedBaseImages: (doc.approvedBaseImages ?? []).map((base) => ({
      name: base.name,
      ...(base.tags ? { tags: base.tags } : {}),
      ...(base.digests ? { digests: base.digests } : {}),
    })),
    requireKnownBase: doc.requireKnownBase ?? false,
  };
}

/** Reads and validates a standards file (`--standards FILE`). */
export function loadStandards(file: string): Standards {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new VulnError(
      "STANDARDS_INVALID",
      `cannot read standards file ${file}: ${(err as Error).message}`,
      {
        cause: err,
        detail: { file },
      },
    );
  }
  return parseStandards(text, file);
}
