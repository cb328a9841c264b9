import { isScalar } from "yaml";
import {
  describeReadError,
  keyPath,
  parseYamlDocument,
  readRegularFile,
  type YamlDocument,
} from "../../core/index.js";
import { normalisedRepository } from "../../oci/index.js";
import { VulnError } from "../errors.js";
import { type StandardsDocument, standardsSchema } from "./schema.js";
import type { Standards } from "./types.js";

/**
 * A plain scalar YAML resolved to a number where text is expected, as written (`1.10`). Versions
 * and tags are text: YAML reads `1.10` as 1.1 and `1e3` as 1000, so the number is refused with a
 * hint to quote it rather than turned back into a string that has lost digits.
 */
function numberWrittenAsText(yaml: YamlDocument, path: readonly PropertyKey[]): string | undefined {
  const node = yaml.nodeAt(path);
  if (!isScalar(node) || typeof node.value !== "number") return undefined;
  return node.source ?? String(node.value);
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
  const yaml = parseYamlDocument(text);
  if (yaml.error) invalid(file, `invalid YAML: ${yaml.error.message}`, yaml.error.line);
  const value: unknown = yaml.document.toJS();
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
    const number = issue.code === "invalid_type" ? numberWrittenAsText(yaml, path) : undefined;
    if (number !== undefined) {
      message = `${number} is a YAML number, which loses digits (1.10 is read as 1.1); quote it: ${JSON.stringify(number)}`;
    }
    invalid(file, message, yaml.lineOf(path), keyPath(path));
  }
  for (const [index, base] of (parsed.data.approvedBaseImages ?? []).entries()) {
    if (normalisedRepository(base.name) === undefined) {
      const path = ["approvedBaseImages", index, "name"];
      invalid(file, `${JSON.stringify(base.name)} is not an image name`, yaml.lineOf(path), keyPath(path));
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

/** The largest standards file read (4 MiB): thousands of rules fit in a few hundred KiB. */
export const MAX_STANDARDS_BYTES = 4 * 1024 * 1024;

/**
 * Reads and validates a standards file (`--standards FILE`): a regular file of at most
 * MAX_STANDARDS_BYTES, so a FIFO or /dev/zero is refused at once instead of hanging or filling memory.
 */
export function loadStandards(file: string): Standards {
  let text: string;
  try {
    text = readRegularFile(file, { maxBytes: MAX_STANDARDS_BYTES }).toString("utf8");
  } catch (err) {
    throw new VulnError(
      "STANDARDS_INVALID",
      `cannot read standards file ${file}: ${describeReadError(err)}`,
      {
        cause: err,
        detail: { file },
      },
    );
  }
  return parseStandards(text, file);
}
