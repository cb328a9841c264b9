import { z } from "zod";
import { NOTE_KINDS } from "../grafeas/index.js";
import { keyedMap } from "./own-record.js";

/**
 * The policy file's schema (YAML), strict everywhere: an unknown key is an error naming it, so a typo
 * never silently switches a requirement off. CEL, durations, dates and image patterns are checked
 * after the schema (compile.ts), with the same file:line:key messages. See README "Policy file".
 */

export const EVALUATION_MODES = ["always-allow", "always-deny", "require"] as const;
export const ENFORCEMENT_MODES = ["enforce", "warn", "dry-run"] as const;
export const FAILURE_POLICIES = ["fail", "ignore"] as const;
export const SEVERITIES = ["critical", "high", "medium", "low", "none"] as const;
export const LABEL_SOURCES = ["label", "annotation", "any"] as const;

const text = (what: string) =>
  z.string({ error: `expected ${what} (a string)` }).min(1, { error: `expected a non-empty ${what}` });
const flag = (what: string) => z.boolean({ error: `expected ${what} (true or false)` });
const oneOf = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { error: `expected ${what}: ${values.join(" | ")}` });
const list = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item, { error: `expected a list of ${what}` });
/** `false` drops a requirement a more general rule set (rules inherit `require` key by key). */
const orOff = <T extends z.ZodType>(schema: T) => z.union([z.literal(false), schema]);

/** A signer: `key` alone, or keyless `issuer` with `identity` or `identityRegExp`. */
const signerFields = {
  key: text("public key reference").optional(),
  issuer: text("OIDC issuer").optional(),
  identity: text("certificate identity").optional(),
  identityRegExp: text("certificate identity regular expression").optional(),
};

const signer = z.strictObject(signerFields, {
  error: "expected a mapping with key, or issuer and identity (or identityRegExp)",
});

const attestation = z.strictObject(
  {
    type: text("predicate type"),
    ...signerFields,
    condition: z.string({ error: "expected a CEL expression" }).optional(),
  },
  { error: "expected a mapping with type, and optionally key (or issuer and identity) and condition" },
);

const exception = z.strictObject(
  {
    id: text("vulnerability id"),
    repository: text("repository pattern").optional(),
    digest: text("image digest").optional(),
    until: z.union([z.string(), z.date()], { error: "expected an expiry date (YYYY-MM-DD or RFC 3339)" }),
    reason: text("reason"),
  },
  { error: "expected a mapping with id, repository or digest, until and reason" },
);

const UNKNOWN_SEVERITY = ["fail", "warn", "ignore"] as const;

const scan = z.strictObject(
  {
    maxAge: z.string({ error: "expected a duration such as 24h or 7d" }).optional(),
    maxSeverity: oneOf(SEVERITIES, "a severity").optional(),
    ignoreUnfixed: flag("ignoreUnfixed").optional(),
    exceptions: list(exception, "exceptions").optional(),
    allowIncomplete: flag("allowIncomplete").optional(),
    unknownSeverity: oneOf(UNKNOWN_SEVERITY, "fail, warn or ignore").optional(),
  },
  {
    error:
      "expected a mapping with maxAge, maxSeverity, ignoreUnfixed, exceptions, allowIncomplete and unknownSeverity",
  },
);

const approvedBase = z.union(
  [
    text("image name"),
    z.strictObject({
      name: text("image name"),
      tags: list(text("tag glob"), "tag globs").optional(),
      digests: list(text("digest"), "digests").optional(),
    }),
  ],
  { error: "expected an image name, or a mapping with name, tags and digests" },
);

const baseImage = z.strictObject(
  { approved: list(approvedBase, "approved base images") },
  { error: "expected a mapping with approved" },
);

const podSecurity = z.union(
  [
    flag("podSecurity"),
    z.strictObject({
      allowPrivileged: flag("allowPrivileged").optional(),
      allowHostPath: flag("allowHostPath").optional(),
      allowHostNetwork: flag("allowHostNetwork").optional(),
      allowedCapabilities: list(text("capability"), "capabilities").optional(),
    }),
  ],
  {
    error:
      "expected true, or a mapping with allowPrivileged, allowHostPath, allowHostNetwork, allowedCapabilities",
  },
);

const label = z.union(
  [
    text("label name"),
    z.strictObject({
      name: text("label name"),
      value: z.string({ error: "expected a value glob" }).optional(),
      from: oneOf(LABEL_SOURCES, "where to look").optional(),
    }),
  ],
  { error: "expected a label name, or a mapping with name, value and from" },
);

const custom = z.strictObject(
  {
    name: text("name").regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      error: "expected a name of letters, digits, _ . -",
    }),
    expression: z.string({ error: "expected a CEL expression" }),
    message: z.string({ error: "expected a message" }).optional(),
  },
  { error: "expected a mapping with name, expression and optionally message" },
);

/** A Grafeas occurrence the image must have: its note, and optionally its kind and who posted it. */
const occurrence = z.strictObject(
  {
    note: text("note name").regex(/^projects\/[^/]+\/notes\/[^/]+$/, {
      error: "expected a note name: projects/PROJECT/notes/NOTE",
    }),
    kind: oneOf(NOTE_KINDS, "an occurrence kind").optional(),
    author: text("author (the account that posted it)").optional(),
  },
  { error: "expected a mapping with note, and optionally kind and author" },
);

const requirements = z.strictObject(
  {
    registries: orOff(list(text("registry pattern"), "registry patterns")).optional(),
    digest: flag("digest").optional(),
    signedBy: orOff(list(signer, "signers")).optional(),
    attestations: orOff(list(attestation, "attestations")).optional(),
    scan: orOff(scan).optional(),
    baseImage: orOff(baseImage).optional(),
    nonRoot: flag("nonRoot").optional(),
    podSecurity: podSecurity.optional(),
    labels: orOff(list(label, "labels")).optional(),
    custom: orOff(list(custom, "custom expressions")).optional(),
    occurrences: orOff(list(occurrence, "occurrences")).optional(),
  },
  { error: "expected a mapping of requirements" },
);

export const ruleSchema = z.strictObject(
  {
    evaluationMode: oneOf(EVALUATION_MODES, "an evaluation mode").optional(),
    enforcementMode: oneOf(ENFORCEMENT_MODES, "an enforcement mode").optional(),
    failurePolicy: oneOf(FAILURE_POLICIES, "a failure policy").optional(),
    require: requirements.optional(),
  },
  { error: "expected a rule: a mapping with evaluationMode, enforcementMode, failurePolicy and require" },
);

// A Map, so a rule named `__proto__` or `constructor` is a rule like any other (issue 22).
const ruleMap = keyedMap(ruleSchema, "expected a mapping of names to rules");

export const policySchema = z.strictObject(
  {
    apiVersion: z.literal("portcullis.dev/v1", { error: "expected apiVersion: portcullis.dev/v1" }),
    kind: z.literal("Policy", { error: "expected kind: Policy" }),
    defaultRule: ruleSchema,
    namespaceRules: ruleMap.optional(),
    serviceAccountRules: ruleMap.optional(),
    clusterRules: ruleMap.optional(),
    allowlist: list(text("image pattern"), "image patterns").optional(),
    breakGlass: z
      .strictObject({ annotation: text("annotation name") }, { error: "expected a mapping with annotation" })
      .optional(),
  },
  { error: "expected a mapping with apiVersion, kind and defaultRule" },
);

export type PolicyDocument = z.infer<typeof policySchema>;
export type RuleDocument = z.infer<typeof ruleSchema>;
export type RequirementsDocument = z.infer<typeof requirements>;
