export { CEL_BUDGET, CelMeter, metered } from "./cel/budget.js";
export { MAX_COMPREHENSION_NESTING } from "./cel/cost.js";
export { guardCelProgram } from "./cel/guard.js";
export {
  type DigestAlgorithm,
  Digester,
  digestOf,
  isDigestAlgorithm,
  isValidDigest,
  type ParsedDigest,
  parseDigest,
} from "./digest.js";
export { CoreError, type CoreErrorCode, isPortcullisError, PortcullisError } from "./errors.js";
export { type InflateResult, inflateBounded } from "./inflate.js";
export { type JsonDocument, type JsonLimits, parseJsonInTurns } from "./json.js";
export { keyPath } from "./key-path.js";
export {
  compileGlob,
  compileRegExp,
  globWalk,
  type LinearPattern,
  type LinearRegExp,
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_PROGRAM,
  matchGlob,
} from "./patterns.js";
export { describeReadError, type ReadRegularFileOptions, readRegularFile } from "./read-file.js";
export { sealSecret, unsealSecret } from "./sealed.js";
export {
  conjuncts,
  formatSpdxExpression,
  isValidSpdxExpression,
  knownLicenseId,
  parseSpdxExpression,
  type SpdxExpression,
  type SpdxParseResult,
} from "./spdx/expression.js";
export { type SpdxLicenseList, spdxLicenseList } from "./spdx/license-list.js";
export { ttlClock } from "./ttl-clock.js";
export { nextTurn } from "./turns.js";
export { formatByteSize, parseByteSize, parseDuration } from "./units.js";
export { parseYamlDocument, type YamlDocument } from "./yaml-document.js";
export { ZipArchive, type ZipBudget, ZipFile, type ZipLimits } from "./zip/archive.js";
export type { ZipEntry } from "./zip/directory.js";
export { ZipError, type ZipErrorCode } from "./zip/error.js";
