import { compileRegExp, isPortcullisError, parseDigest, parseDuration } from "../core/index.js";
import { type ApprovedBase, normalisedRepository } from "../oci/index.js";
import { resolvePredicateType } from "../trust/index.js";
import { compileCondition } from "./cel.js";
import { compileImagePattern, type ImagePattern, valueGlob } from "./image-pattern.js";
import type {
  AttestationRequirement,
  LabelRequirement,
  Requirements,
  ScanException,
  ScanRequirement,
  SignerRequirement,
} from "./model.js";
import type { RequirementsDocument } from "./schema.js";

/** Reports a problem at a key path of the document (load.ts turns it into file:line: key: message). */
export type Fail = (path: readonly PropertyKey[], message: string) => never;
type Path = readonly PropertyKey[];
type Doc<K extends keyof RequirementsDocument> = Exclude<NonNullable<RequirementsDocument[K]>, false>;

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export function compilePattern(pattern: string, path: Path, fail: Fail): ImagePattern {
  const compiled = compileImagePattern(pattern);
  if (typeof compiled === "string") fail(path, compiled);
  return compiled;
}

interface SignerFields {
  readonly key?: string | undefined;
  readonly issuer?: string | undefined;
  readonly identity?: string | undefined;
  readonly identityRegExp?: string | undefined;
}

function compileSigner(doc: SignerFields, path: Path, fail: Fail): SignerRequirement | undefined {
  const { key, issuer, identity, identityRegExp } = doc;
  if (key !== undefined) {
    if (issuer !== undefined || identity !== undefined || identityRegExp !== undefined) {
      fail([...path, "key"], "give either key, or issuer with identity (keyless), not both");
    }
    return { kind: "key", key };
  }
  if (issuer === undefined) {
    if (identity !== undefined || identityRegExp !== undefined)
      fail([...path, "issuer"], "keyless signers need an issuer");
    return undefined;
  }
  if ((identity === undefined) === (identityRegExp === undefined)) {
    fail([...path, "identity"], "keyless signers need exactly one of identity or identityRegExp");
  }
  if (identity !== undefined) return { kind: "keyless", issuer, identity };
  try {
    // Anchored, unlike cosign's --certificate-identity-regexp: an unanchored pattern is a known trap.
    // RE2, as cosign's Go regexp: the same syntax, and linear time on a hostile certificate's SAN.
    return {
      kind: "keyless",
      issuer,
      identityRegExp: compileRegExp(identityRegExp!, { anchored: true }),
      identityPattern: identityRegExp,
    };
  } catch (err) {
    if (!isPortcullisError(err)) throw err;
    return fail([...path, "identityRegExp"], err.message);
  }
}

function compileSignedBy(doc: Doc<"signedBy">, path: Path, fail: Fail): SignerRequirement[] {
  return doc.map((entry, index) => {
    const signer = compileSigner(entry, [...path, index], fail);
    if (signer === undefined)
      fail([...path, index], "expected key, or issuer and identity (or identityRegExp)");
    return signer;
  });
}

function compileAttestations(doc: Doc<"attestations">, path: Path, fail: Fail): AttestationRequirement[] {
  return doc.map((entry, index) => {
    const at = [...path, index];
    let type: string;
    try {
      type = resolvePredicateType(entry.type);
    } catch {
      fail(
        [...at, "type"],
        `unknown predicate type ${JSON.stringify(entry.type)} (use a URI or a cosign alias)`,
      );
    }
    const signer = compileSigner(entry, at, fail);
    let condition: AttestationRequirement["condition"];
    if (entry.condition !== undefined) {
      const compiled = compileCondition(entry.condition, "attestation");
      if (typeof compiled === "string") fail([...at, "condition"], compiled);
      condition = compiled;
    }
    return { type, ...(signer ? { signer } : {}), ...(condition ? { condition } : {}) };
  });
}

/** `2026-12-31` lasts through that day (UTC); an RFC 3339 time is exact. */
function parseUntil(value: string | Date, path: Path, fail: Fail): { until: number; untilText: string } {
  const textValue = value instanceof Date ? value.toISOString() : value;
  const ms = Date.parse(DATE_ONLY.test(textValue) ? `${textValue}T00:00:00Z` : textValue);
  if ((!DATE_ONLY.test(textValue) && !RFC3339.test(textValue)) || Number.isNaN(ms)) {
    fail(path, `invalid expiry ${JSON.stringify(textValue)} (use YYYY-MM-DD or RFC 3339)`);
  }
  return { until: DATE_ONLY.test(textValue) ? ms + DAY_MS : ms, untilText: textValue };
}

function compileScan(doc: Doc<"scan">, path: Path, fail: Fail): ScanRequirement {
  let maxAgeMs: number | undefined;
  if (doc.maxAge !== undefined) {
    if (/^\s*\d+\s*$/.test(doc.maxAge))
      fail([...path, "maxAge"], `duration ${JSON.stringify(doc.maxAge)} needs a unit (e.g. 24h)`);
    try {
      maxAgeMs = parseDuration(doc.maxAge);
    } catch (err) {
      fail([...path, "maxAge"], (err as Error).message);
    }
  }
  const exceptions = (doc.exceptions ?? []).map((entry, index): ScanException => {
    const at = [...path, "exceptions", index];
    if (entry.repository === undefined && entry.digest === undefined) {
      fail(at, "an exception names a repository (pattern) or a digest");
    }
    if (entry.digest !== undefined) {
      try {
        parseDigest(entry.digest);
      } catch {
        fail([...at, "digest"], `invalid digest ${JSON.stringify(entry.digest)}`);
      }
    }
    return {
      id: entry.id,
      ...(entry.repository !== undefined
        ? { repository: compilePattern(entry.repository, [...at, "repository"], fail) }
        : {}),
      ...(entry.digest !== undefined ? { digest: entry.digest } : {}),
      ...parseUntil(entry.until, [...at, "until"], fail),
      reason: entry.reason,
    };
  });
  return {
    ...(maxAgeMs !== undefined ? { maxAgeMs, maxAge: doc.maxAge } : {}),
    maxSeverity: doc.maxSeverity ?? "high",
    ignoreUnfixed: doc.ignoreUnfixed ?? false,
    exceptions,
    allowIncomplete: doc.allowIncomplete ?? false,
    unknownSeverity: doc.unknownSeverity ?? "fail",
  };
}

/** `debian`, `debian:12*`, `ghcr.io/org/base@sha256:...` or a mapping. */
function compileBase(entry: Doc<"baseImage">["approved"][number], path: Path, fail: Fail): ApprovedBase {
  if (typeof entry !== "string") {
    if (normalisedRepository(entry.name) === undefined)
      fail([...path, "name"], `${JSON.stringify(entry.name)} is not an image name`);
    return entry;
  }
  let name = entry;
  let digest: string | undefined;
  let tag: string | undefined;
  const at = name.indexOf("@");
  if (at !== -1) [name, digest] = [name.slice(0, at), name.slice(at + 1)];
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) [name, tag] = [name.slice(0, colon), name.slice(colon + 1)];
  if (normalisedRepository(name) === undefined) fail(path, `${JSON.stringify(entry)} is not an image name`);
  return { name, ...(tag ? { tags: [tag] } : {}), ...(digest ? { digests: [digest] } : {}) };
}

function compileLabels(doc: Doc<"labels">): LabelRequirement[] {
  return doc.map((entry) => {
    if (typeof entry === "string") return { name: entry, from: "any" };
    return {
      name: entry.name,
      from: entry.from ?? "any",
      ...(entry.value !== undefined ? { value: valueGlob(entry.value), valueText: entry.value } : {}),
    };
  });
}

export type RequirementOverrides = { readonly [K in keyof Requirements]?: Requirements[K] | null };

/**
 * Compiles the keys present in one rule's `require`. `false` (or `nonRoot: false`, `digest: false`)
 * is kept as `null` so the merge can drop what a more general rule required.
 */
export function compileRequirements(doc: RequirementsDocument, path: Path, fail: Fail): RequirementOverrides {
  const out: { -readonly [K in keyof Requirements]?: Requirements[K] | null } = {};
  const at = (key: string) => [...path, key];
  if (doc.registries !== undefined) {
    out.registries =
      doc.registries === false
        ? null
        : doc.registries.map((p, i) => compilePattern(p, [...at("registries"), i], fail));
  }
  if (doc.digest !== undefined) out.digest = doc.digest || null;
  if (doc.signedBy !== undefined)
    out.signedBy = doc.signedBy === false ? null : compileSignedBy(doc.signedBy, at("signedBy"), fail);
  if (doc.attestations !== undefined) {
    out.attestations =
      doc.attestations === false ? null : compileAttestations(doc.attestations, at("attestations"), fail);
  }
  if (doc.scan !== undefined) out.scan = doc.scan === false ? null : compileScan(doc.scan, at("scan"), fail);
  if (doc.baseImage !== undefined) {
    out.baseImage =
      doc.baseImage === false
        ? null
        : {
            approved: doc.baseImage.approved.map((b, i) =>
              compileBase(b, [...at("baseImage"), "approved", i], fail),
            ),
          };
  }
  if (doc.nonRoot !== undefined) out.nonRoot = doc.nonRoot || null;
  if (doc.podSecurity !== undefined) {
    const ps = doc.podSecurity;
    out.podSecurity =
      ps === false
        ? null
        : {
            allowPrivileged: ps === true ? false : (ps.allowPrivileged ?? false),
            allowHostPath: ps === true ? false : (ps.allowHostPath ?? false),
            allowHostNetwork: ps === true ? false : (ps.allowHostNetwork ?? false),
            allowedCapabilities:
              ps === true ? [] : (ps.allowedCapabilities ?? []).map((c) => c.toUpperCase()),
          };
  }
  if (doc.labels !== undefined) out.labels = doc.labels === false ? null : compileLabels(doc.labels);
  if (doc.custom !== undefined) {
    const names = new Set<string>();
    out.custom =
      doc.custom === false
        ? null
        : doc.custom.map((entry, index) => {
            if (names.has(entry.name))
              fail([...at("custom"), index, "name"], `duplicate custom name ${JSON.stringify(entry.name)}`);
            names.add(entry.name);
            const expression = compileCondition(entry.expression, "custom");
            if (typeof expression === "string") fail([...at("custom"), index, "expression"], expression);
            return {
              name: entry.name,
              expression,
              ...(entry.message !== undefined ? { message: entry.message } : {}),
            };
          });
  }
  if (doc.occurrences !== undefined) {
    out.occurrences =
      doc.occurrences === false
        ? null
        : doc.occurrences.map((o) => ({
            note: o.note,
            ...(o.kind !== undefined ? { kind: o.kind } : {}),
            ...(o.author !== undefined ? { author: o.author } : {}),
          }));
  }
  return out;
}
