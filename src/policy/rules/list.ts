import { attestationsRule } from "./attestations.js";
import { baseImageRule } from "./base-image.js";
import { customRule } from "./custom.js";
import { digestRule } from "./digest.js";
import { labelsRule } from "./labels.js";
import { nonRootRule } from "./non-root.js";
import { occurrencesRule } from "./occurrences.js";
import { podSecurityRule } from "./pod-security.js";
import { registriesRule } from "./registries.js";
import type { AnyRequirementRule } from "./rule.js";
import { scanRule } from "./scan.js";
import { signedByRule } from "./signed-by.js";

/** Every requirement rule, in the order results are reported (cheap, fact-free checks first). */
export const REQUIREMENT_RULES: readonly AnyRequirementRule[] = [
  registriesRule,
  digestRule,
  signedByRule,
  attestationsRule,
  occurrencesRule,
  scanRule,
  baseImageRule,
  nonRootRule,
  podSecurityRule,
  labelsRule,
  customRule,
];
