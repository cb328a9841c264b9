import { SbomError } from "../errors.js";
import { readCycloneDx } from "./cyclonedx/read.js";
import type { SbomDocument } from "./document.js";
import type { ReadOptions } from "./read-options.js";
import { readSpdx } from "./spdx/read.js";

/**
 * Reads an SBOM for `portcullis scan --sbom FILE`: CycloneDX 1.4, 1.5, 1.6 JSON or SPDX 2.2, 2.3
 * JSON, recognised by `bomFormat` / `spdxVersion`. Other formats and versions (CycloneDX XML,
 * SPDX tag-value, SPDX 3 JSON-LD, syft's own JSON) are FORMAT_UNSUPPORTED; text that is not JSON,
 * or lacks a required field, is SBOM_INVALID naming where.
 */

export type SbomFormat = "cyclonedx" | "spdx";

/**
 * The largest SBOM file read (512 MiB): about the longest string V8 can hold, and room for millions
 * of components (a million plain CycloneDX components take some 150 MB).
 */
export const MAX_SBOM_BYTES = 512 * 1024 * 1024;

const CYCLONEDX_VERSIONS: readonly string[] = ["1.4", "1.5", "1.6"];
const SPDX_VERSIONS: readonly string[] = ["SPDX-2.2", "SPDX-2.3"];

function unsupported(message: string): SbomError {
  return new SbomError("FORMAT_UNSUPPORTED", message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A version written as a JSON number (`"specVersion": 1.6`) is refused as such: it is a string in
 * both schemas, and a number cannot tell 1.1 from 1.10, so "1.6 is not supported" would mislead.
 */
function versionNotString(format: string, field: string, example: string, value: unknown): SbomError {
  return new SbomError(
    "SBOM_INVALID",
    `${format} ${field}: must be a string such as ${JSON.stringify(example)}, not the number ${String(value)}`,
  );
}

/** Which format a parsed JSON value is, or a FORMAT_UNSUPPORTED error saying what it looks like. */
export function detectSbomFormat(json: unknown): SbomFormat {
  if (!isRecord(json)) throw unsupported("not an SBOM: the JSON document is not an object");
  if (json.bomFormat === "CycloneDX") {
    const version = json.specVersion;
    if (typeof version === "number") throw versionNotString("CycloneDX", "specVersion", "1.6", version);
    if (typeof version === "string" && CYCLONEDX_VERSIONS.includes(version)) return "cyclonedx";
    throw unsupported(`CycloneDX specVersion ${JSON.stringify(version)} is not supported (1.4, 1.5, 1.6)`);
  }
  if ("spdxVersion" in json) {
    const version = json.spdxVersion;
    if (typeof version === "number") throw versionNotString("SPDX", "spdxVersion", "SPDX-2.3", version);
    if (typeof version === "string" && SPDX_VERSIONS.includes(version)) return "spdx";
    throw unsupported(`SPDX version ${JSON.stringify(version)} is not supported (SPDX-2.2, SPDX-2.3)`);
  }
  if ("@context" in json || "@graph" in json) throw unsupported("SPDX 3 (JSON-LD) is not supported");
  if ("artifacts" in json && "schema" in json)
    throw unsupported("syft JSON is not supported; use -o cyclonedx-json or spdx-json");
  throw unsupported("not a CycloneDX or SPDX JSON document");
}

export function readSbom(text: string, options: ReadOptions = {}): SbomDocument {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.startsWith("<"))
    throw unsupported("XML SBOMs are not supported; use CycloneDX JSON or SPDX JSON");
  if (/^SPDXVersion:/m.test(trimmed.slice(0, 4096)) && !trimmed.startsWith("{")) {
    throw unsupported("SPDX tag-value is not supported; use SPDX JSON");
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (err) {
    throw new SbomError("SBOM_INVALID", `not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const format = detectSbomFormat(json);
  try {
    return format === "cyclonedx" ? readCycloneDx(json, options) : readSpdx(json, options);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new SbomError("SBOM_INVALID", "the document is nested too deeply", { cause: err });
    }
    throw err;
  }
}
