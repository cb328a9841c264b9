/**
 * The face of vuln/versioning: the scheme interface, the one list, the lookups by id and by OSV
 * ecosystem, and each scheme by name.
 */
export { apk } from "./apk/index.js";
export { dpkg } from "./dpkg/index.js";
export { schemeForEcosystem, supportedEcosystems } from "./ecosystem.js";
export { go } from "./go/index.js";
export { schemeById, versionSchemes } from "./list.js";
export { maven } from "./maven/index.js";
export { nuget } from "./nuget/index.js";
export { schemeForPackageType } from "./package-type.js";
export { packagist } from "./packagist/index.js";
export { pep440 } from "./pep440/index.js";
export { rpm } from "./rpm/index.js";
export { rubygems } from "./rubygems/index.js";
export type { VersionScheme } from "./scheme.js";
export { semver } from "./semver/index.js";
