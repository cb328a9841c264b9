export { detectDistro, distroFileSelector, osReleaseToDistro } from "./detect.js";
export { parseOsRelease } from "./os-release.js";
export { distroQualifier } from "./purl-qualifier.js";
