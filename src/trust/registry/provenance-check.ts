import { createHash } from "node:crypto";
import type { InTotoStatement } from "../intoto/statement.js";
import { BUILD_TYPE_DOCKERFILE } from "./provenance-build.js";

/** The provenance predicate types verify-provenance reads: SLSA v1 and v0.2 (BuildKit's default). */
export const PROVENANCE_PREDICATE_TYPES = [
  "https://slsa.dev/provenance/v1",
  "https://slsa.dev/provenance/v0.2",
];

/** What a provenance says about a build, whichever of the shapes we read it from. */
export interface ProvenanceFacts {
  shape: "portcullis" | "buildkit-v0.2" | "buildkit-v1" | "slsa-v1" | "slsa-v0.2";
  builderId?: string;
  source?: { uri: string; digest?: Record<string, string> };
  /** The Dockerfile: its path, and its SHA-256 when recorded or computable from the recorded source. */
  dockerfile?: { path?: string; sha256?: string };
}

export interface ProvenanceExpectations {
  builderId?: string;
  sourceUri?: string;
  /** The bytes of the Dockerfile the image must have been built from. */
  dockerfile?: Uint8Array;
}

type Json = Record<string, unknown>;

function rec(v: unknown): Json {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function digests(v: unknown): Record<string, string> | undefined {
  const entries = Object.entries(rec(v)).filter((e): e is [string, string] => typeof e[1] === "string");
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * BuildKit's mode=max keeps the Dockerfile itself in its metadata (moby/buildkit
 * solver/llbsolver/provenance/types: BuildKitMetadata.source.infos[].data, base64 of the file);
 * mode=min does not, and then the Dockerfile cannot be proven.
 */
function buildkitDockerfile(metadata: Json, path: string | undefined): { path?: string; sha256?: string } {
  const infos = rec(metadata.source).infos;
  const list = Array.isArray(infos) ? infos.map(rec) : [];
  const info =
    list.find((i) => path !== undefined && i.filename === path) ??
    list.find((i) => i.language === "Dockerfile");
  const data = str(info?.data);
  const out: { path?: string; sha256?: string } = {};
  if (path ?? str(info?.filename)) out.path = (path ?? str(info?.filename))!;
  if (data) out.sha256 = createHash("sha256").update(Buffer.from(data, "base64")).digest("hex");
  return out;
}

function sourceOf(uri: unknown, digest: unknown): ProvenanceFacts["source"] {
  const u = str(uri);
  if (!u) return undefined;
  const d = digests(digest);
  return d ? { uri: u, digest: d } : { uri: u };
}

/** Reads builder, source and Dockerfile out of a provenance statement: ours, BuildKit's (v0.2 and v1), or plain SLSA. */
export function provenanceFacts(statement: InTotoStatement): ProvenanceFacts {
  const p = rec(statement.predicate);
  if (statement.predicateType === "https://slsa.dev/provenance/v0.2") {
    const invocation = rec(p.invocation);
    const config = rec(invocation.configSource);
    const buildkit = p.buildType === "https://mobyproject.org/buildkit@v1";
    const facts: ProvenanceFacts = { shape: buildkit ? "buildkit-v0.2" : "slsa-v0.2" };
    const builderId = str(rec(p.builder).id);
    if (builderId) facts.builderId = builderId;
    const source = sourceOf(config.uri, config.digest);
    if (source) facts.source = source;
    if (buildkit) {
      const metadata = rec(rec(p.metadata)["https://mobyproject.org/buildkit@v1#metadata"]);
      facts.dockerfile = buildkitDockerfile(metadata, str(config.entryPoint));
    }
    return facts;
  }
  const definition = rec(p.buildDefinition);
  const external = rec(definition.externalParameters);
  const run = rec(p.runDetails);
  const builderId = str(rec(run.builder).id);
  if (definition.buildType === BUILD_TYPE_DOCKERFILE) {
    const dockerfile = rec(external.dockerfile);
    const source = rec(external.source);
    const facts: ProvenanceFacts = { shape: "portcullis", dockerfile: {} };
    if (builderId) facts.builderId = builderId;
    const src = sourceOf(source.uri, source.digest);
    if (src) facts.source = src;
    if (str(dockerfile.path)) facts.dockerfile!.path = str(dockerfile.path)!;
    const sha = str(rec(dockerfile.digest).sha256);
    if (sha) facts.dockerfile!.sha256 = sha;
    return facts;
  }
  const config = rec(external.configSource);
  const buildkit = Object.keys(config).length > 0;
  const facts: ProvenanceFacts = { shape: buildkit ? "buildkit-v1" : "slsa-v1" };
  if (builderId) facts.builderId = builderId;
  const source = sourceOf(config.uri, config.digest);
  if (source) facts.source = source;
  if (buildkit)
    facts.dockerfile = buildkitDockerfile(rec(rec(run.metadata).buildkit_metadata), str(config.path));
  return facts;
}

/** "git+https://github.com/o/r.git#abc" and "https://github.com/o/r" name the same repository. */
function normaliseSourceUri(uri: string): string {
  return uri
    .replace(/^git\+/, "")
    .replace(/[#@].*$/, "")
    .replace(/\.git$/, "")
    .replace(/\/$/, "")
    .toLowerCase();
}

/**
 * Checks provenance facts against what the caller expects: who built it (exact builder id), from
 * which source repository, and from which Dockerfile, byte for byte by SHA-256.
 */
export function checkProvenance(
  facts: ProvenanceFacts,
  expected: ProvenanceExpectations,
): { ok: true } | { ok: false; message: string } {
  if (expected.builderId !== undefined && facts.builderId !== expected.builderId) {
    return {
      ok: false,
      message: `built by ${JSON.stringify(facts.builderId ?? "")}, not ${expected.builderId}`,
    };
  }
  if (expected.sourceUri !== undefined) {
    if (!facts.source) return { ok: false, message: "the provenance records no source" };
    if (normaliseSourceUri(facts.source.uri) !== normaliseSourceUri(expected.sourceUri)) {
      return { ok: false, message: `built from ${facts.source.uri}, not ${expected.sourceUri}` };
    }
  }
  if (expected.dockerfile !== undefined) {
    const wanted = createHash("sha256").update(expected.dockerfile).digest("hex");
    const recorded = facts.dockerfile?.sha256;
    if (recorded === undefined) {
      return {
        ok: false,
        message: facts.shape.startsWith("buildkit")
          ? "the provenance does not record the Dockerfile's content (BuildKit mode=min): build with mode=max"
          : "the provenance records no Dockerfile digest",
      };
    }
    if (recorded !== wanted) {
      return {
        ok: false,
        message: `the Dockerfile was tampered with: built from sha256:${recorded}, given sha256:${wanted}`,
      };
    }
  }
  return { ok: true };
}
