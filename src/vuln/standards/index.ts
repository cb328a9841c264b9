export { checkStandards, type SchemeLookup } from "./check.js";
export { loadStandards, parseStandards } from "./load.js";
export type {
  ForbiddenPackage,
  MinimumVersion,
  StandardSeverity,
  Standards,
  StandardsPackage,
  StandardsPackageType,
  StandardsSubject,
  Violation,
  ViolationRule,
} from "./types.js";
