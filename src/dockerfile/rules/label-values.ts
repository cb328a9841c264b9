/**
 * Validators for label values by the types of hadolint's label schema (README "Linting labels"):
 * url (RFC 3986 absolute URI), rfc3339 (RFC 3339 date-time), spdx (an SPDX license expression of
 * known identifiers), hash (a short or full git commit hash), semver (Semantic Versioning 2.0.0),
 * email (an RFC 5322 addr-spec, simplified), text (anything).
 */
import semver from "semver";
import { isValidSpdxExpression } from "../../core/index.js";
import type { LabelType } from "./types.js";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (m === null) return false;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  return (
    month! >= 1 && month! <= 12 && day! >= 1 && day! <= 31 && hour! <= 23 && minute! <= 59 && second! <= 60
  );
}

function isUrl(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const CHECKS: Readonly<Record<LabelType, (value: string) => boolean>> = {
  text: () => true,
  url: isUrl,
  rfc3339: isRfc3339,
  // One SPDX expression grammar for the whole product (core/spdx, SPDX 2.3 Annex D): "(MIT" is not one.
  spdx: isValidSpdxExpression,
  hash: (v) => /^[0-9a-f]{7,40}$/.test(v) || /^[0-9a-f]{64}$/.test(v),
  semver: (v) => semver.valid(v) !== null,
  email: (v) => /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(v),
};

/** Whether a (non-empty) label value fits the type. */
export function isValidLabelValue(type: LabelType, value: string): boolean {
  return CHECKS[type](value);
}
