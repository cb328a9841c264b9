export type { CatalogContext, Cataloger, FileResolver } from "./catalogers/cataloger.js";
export { SbomError, type SbomErrorCode } from "./errors.js";
export { type Distro, locationOf, type Package, type PackageLocation, type PackageType } from "./model.js";
