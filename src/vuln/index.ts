export { VulnError, type VulnErrorCode } from "./errors.js";
export type { VersionScheme } from "./versioning/scheme.js";
