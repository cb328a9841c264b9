export type { CatalogContext, Cataloger, FileResolver } from "./catalogers/cataloger.js";
export { CATALOGERS } from "./catalogers/list.js";
export {
  type CatalogWarningCode,
  dropsData,
  INCOMPLETE_WARNING_CODES,
  type IncompleteReason,
  MAX_INCOMPLETE_REASONS,
  type SbomWarningCode,
} from "./completeness.js";
export { detectDistro, distroFileSelector, osReleaseToDistro, parseOsRelease } from "./distro/index.js";
export { SbomError, type SbomErrorCode } from "./errors.js";
export { type CycloneDxWriteOptions, toCycloneDx } from "./formats/cyclonedx/write.js";
export {
  PORTCULLIS_TOOL_NAME,
  type SbomDocument,
  type SbomSubject,
  type SbomTool,
  type SubjectKind,
  type SubjectLayer,
} from "./formats/document.js";
export { detectSbomFormat, MAX_SBOM_BYTES, readSbom, type SbomFormat } from "./formats/read.js";
export type { ReadOptions as SbomReadOptions } from "./formats/read-options.js";
export { type SpdxWriteOptions, toSpdx } from "./formats/spdx/write.js";
export {
  catalogFileSystem,
  consumersFor,
  type GenerateSbomOptions,
  generateSbom,
  type SbomWarn,
} from "./generate.js";
export { mergePackages } from "./merge.js";
export { type Distro, locationOf, type Package, type PackageLocation, type PackageType } from "./model.js";
