import { createHash } from "node:crypto";
import { TrustError } from "../errors.js";

/** SLSA Provenance v1 (slsa.dev/spec/v1.0/provenance). */
export const PREDICATE_TYPE_SLSA_V1 = "https://slsa.dev/provenance/v1";
/** The build type Portcullis writes: its externalParameters are described in buildProvenance. */
export const BUILD_TYPE_DOCKERFILE = "https://portcullis.dev/provenance/dockerfile/v1";

export interface ProvenanceInput {
  dockerfile: { path: string; bytes: Uint8Array };
  /** Build arguments, as passed to the build (`--build-arg`). */
  buildArgs?: Record<string, string>;
  /** The build context as given (a path or URL), recorded as written. */
  context?: string;
  /** The source revision built: a repository URI and its commit digest (`sha1:…`, `gitCommit:…`). */
  source?: { uri: string; digest?: string };
  /** Base images named in FROM, with the digest each resolved to. */
  baseImages: Array<{ reference: string; digest: string }>;
  builderId: string;
  startedOn: Date;
  finishedOn: Date;
  invocationId?: string;
}

function digestSet(digest: string): Record<string, string> {
  const colon = digest.indexOf(":");
  if (colon < 1 || colon === digest.length - 1) {
    throw new TrustError(
      "INVALID_ARGUMENT",
      `not an algorithm:value digest: ${JSON.stringify(digest.slice(0, 80))}`,
    );
  }
  return { [digest.slice(0, colon)]: digest.slice(colon + 1).toLowerCase() };
}

/** The purl of an image (github.com/package-url/purl-spec, type docker) pinned to its digest. */
function imagePurl(reference: string, digest: string): string {
  const withoutDigest = reference.split("@")[0]!;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  const name = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `pkg:docker/${name}?digest=${encodeURIComponent(digest)}`;
}

/**
 * A SLSA Provenance v1 predicate for a Dockerfile build: `externalParameters` names the Dockerfile
 * (path and SHA-256, so a verifier can prove it was this file byte for byte), the build args, the
 * context and the source; `resolvedDependencies` holds the source commit and every base image
 * pinned to the digest it resolved to; `runDetails` the builder and the times.
 */
export function buildProvenance(input: ProvenanceInput): Record<string, unknown> {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(input.builderId)) {
    throw new TrustError("INVALID_ARGUMENT", `builder id ${JSON.stringify(input.builderId)} is not a URI`);
  }
  const dockerfileDigest = createHash("sha256").update(input.dockerfile.bytes).digest("hex");
  const externalParameters: Record<string, unknown> = {
    dockerfile: { path: input.dockerfile.path, digest: { sha256: dockerfileDigest } },
    buildArgs: input.buildArgs ?? {},
  };
  if (input.context !== undefined) externalParameters.context = input.context;
  const dependencies: Array<Record<string, unknown>> = [];
  if (input.source) {
    const source: Record<string, unknown> = { uri: input.source.uri };
    if (input.source.digest) source.digest = digestSet(input.source.digest);
    externalParameters.source = source;
    dependencies.push({ ...source });
  }
  for (const base of input.baseImages) {
    dependencies.push({
      uri: imagePurl(base.reference, base.digest),
      name: base.reference,
      digest: digestSet(base.digest),
    });
  }
  const metadata: Record<string, unknown> = {
    startedOn: input.startedOn.toISOString(),
    finishedOn: input.finishedOn.toISOString(),
  };
  if (input.invocationId) metadata.invocationId = input.invocationId;
  return {
    buildDefinition: {
      buildType: BUILD_TYPE_DOCKERFILE,
      externalParameters,
      internalParameters: {},
      resolvedDependencies: dependencies,
    },
    runDetails: { builder: { id: input.builderId }, metadata },
  };
}
