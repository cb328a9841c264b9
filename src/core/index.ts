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
export { describeReadError, type ReadRegularFileOptions, readRegularFile } from "./read-file.js";
export { parseByteSize, parseDuration } from "./units.js";
