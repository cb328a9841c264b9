import { createHash } from "node:crypto";
import type { JsonValue } from "../audit/index.js";
import { type InTotoStatement, PROVENANCE_PREDICATE_TYPES, provenanceFacts } from "../trust/index.js";

/** How a provenance reached the registry: a cosign `.att` tag, an OCI 1.1 referrer, or BuildKit's index. */
export type ProvenanceFormat = "cosign-tag" | "referrer" | "buildkit";

/** Who verified it: the pull policy's key (by its name) or keyless identity that verified the DSSE. */
export interface ProvenanceSigner {
  readonly signedBy: string;
  readonly anchor: string;
}

const MAX_BASE_IMAGES = 32;
const MAX_TEXT = 512;

type Json = Record<string, unknown>;
const rec = (v: unknown): Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v.slice(0, MAX_TEXT) : undefined;

/** `{sha256: "ab…"}` as `sha256:ab…` (the first algorithm, SHA-256 preferred), or null. */
function digestOf(set: unknown): string | null {
  const entries = Object.entries(rec(set)).filter((e): e is [string, string] => typeof e[1] === "string");
  const chosen = entries.find(([alg]) => alg === "sha256") ?? entries[0];
  return chosen ? `${chosen[0]}:${chosen[1]}`.slice(0, MAX_TEXT) : null;
}

export function isProvenance(statement: InTotoStatement): boolean {
  return PROVENANCE_PREDICATE_TYPES.includes(statement.predicateType);
}

/**
 * The base images of a build: container image dependencies (`pkg:docker/...` purls in SLSA v0.2
 * `materials` or v1 `resolvedDependencies`, as BuildKit and `portcullis provenance` both write them).
 */
function baseImagesOf(statement: InTotoStatement): { uri: string; digest: string | null }[] {
  const p = rec(statement.predicate);
  const list =
    statement.predicateType === "https://slsa.dev/provenance/v0.2"
      ? p.materials
      : rec(p.buildDefinition).resolvedDependencies;
  const out: { uri: string; digest: string | null }[] = [];
  for (const item of Array.isArray(list) ? list.map(rec) : []) {
    const uri = str(item.uri);
    if (!uri?.startsWith("pkg:docker/") && !uri?.startsWith("pkg:oci/")) continue;
    out.push({ uri, digest: digestOf(item.digest) });
    if (out.length === MAX_BASE_IMAGES) break;
  }
  return out;
}

/**
 * The `build.provenance` entry's payload for a SLSA provenance statement (v0.2 or v1; ours or
 * BuildKit's): who built it, how, from which source, Dockerfile and base images, and whether its
 * signature was verified and by which key. Bounded: strings cut at 512 characters, 32 base images.
 */
export function provenancePayload(
  statement: InTotoStatement,
  how: {
    readonly format: ProvenanceFormat;
    readonly manifest: string;
    readonly statementDigest: string;
    readonly signer?: ProvenanceSigner;
  },
): { [k: string]: JsonValue } {
  const facts = provenanceFacts(statement);
  const p = rec(statement.predicate);
  const v02 = statement.predicateType === "https://slsa.dev/provenance/v0.2";
  const buildType = v02 ? str(p.buildType) : str(rec(p.buildDefinition).buildType);
  const invocationId = v02
    ? (str(rec(p.metadata).buildInvocationId) ?? str(rec(p.metadata).buildInvocationID))
    : str(rec(rec(p.runDetails).metadata).invocationId);
  // BuildKit without the Dockerfile's bytes (mode=min) names it by path only: keep the path then.
  const dockerfilePath = facts.dockerfile?.path?.slice(0, MAX_TEXT);
  return {
    predicateType: statement.predicateType.slice(0, MAX_TEXT),
    shape: facts.shape,
    builderId: facts.builderId?.slice(0, MAX_TEXT) ?? null,
    buildType: buildType ?? null,
    source: facts.source
      ? { uri: facts.source.uri.slice(0, MAX_TEXT), digest: digestOf(facts.source.digest) }
      : null,
    dockerfileDigest: facts.dockerfile?.sha256 ? `sha256:${facts.dockerfile.sha256}` : null,
    ...(dockerfilePath ? { dockerfilePath } : {}),
    baseImages: baseImagesOf(statement),
    invocationId: invocationId ?? null,
    verified: how.signer !== undefined,
    signedBy: how.signer?.signedBy ?? null,
    ...(how.signer ? { verifiedWith: how.signer.anchor } : {}),
    format: how.format,
    manifest: how.manifest,
    statementDigest: how.statementDigest,
  };
}

export function statementDigest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
