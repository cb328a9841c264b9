import type { Readable } from "node:stream";
import type { Logger } from "pino";
import type { EventRecord, RecordEventInput } from "../audit/index.js";
import { ImageError, type RegistryClient } from "../oci/index.js";
import type { EventBus, RegistryEvent } from "../registry/index.js";
import {
  type CachedImage,
  envelopePayload,
  type FoundArtifact,
  type InTotoStatement,
  loadImage,
  PROVENANCE_PREDICATE_TYPES,
  parseEnvelope,
  parseStatement,
  verifyImageAttestations,
} from "../trust/index.js";
import {
  isProvenance,
  type ProvenanceFormat,
  type ProvenanceSigner,
  provenancePayload,
  statementDigest,
} from "./build-provenance.js";
import type { GateAnchor } from "./gates/anchors.js";
import { referrerKind } from "./record-events.js";
import { signedEntry } from "./record-signatures.js";

const COSIGN_ATT_TAG = /^(sha256)-([0-9a-f]{64})\.att$/;
/** BuildKit's attestation manifests inside an image index (docs/attestations/attestation-storage.md). */
const REFERENCE_TYPE = "vnd.docker.reference.type";
const REFERENCE_DIGEST = "vnd.docker.reference.digest";
const PREDICATE_TYPE_ANNOTATION = "in-toto.io/predicate-type";
/** A provenance statement larger than this is not read (BuildKit mode=max with a big context stays far below). */
const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;
const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

export interface BuildRecorderOptions {
  readonly events: EventBus;
  /** Reads the registry in-process (inProcessRegistryReader), as the system. */
  readonly reader: RegistryClient;
  readonly host: string;
  /** The keys and identities a provenance is verified with (the pull policy's); none: unverified. */
  readonly anchors: () => readonly GateAnchor[] | undefined;
  readonly record: EventRecord;
  readonly logger: Logger;
}

interface Found {
  readonly subject: string;
  readonly statement: InTotoStatement;
  readonly statementDigest: string;
  readonly format: ProvenanceFormat;
  readonly manifest: string;
  readonly signer?: ProvenanceSigner;
}

/**
 * Records `build.provenance` ("built by") entries as provenance attestations are pushed: cosign `.att`
 * tags, OCI 1.1 referrers (Sigstore bundles) and BuildKit's attestation manifests in an image index.
 * Each is verified with the pull policy's anchors; one that no anchor verifies is still recorded, as
 * `verified: false`, so the timeline never shows an unsigned claim as a signed one. A statement
 * already recorded for the same image (cosign appends to its `.att` tag) is not recorded again.
 * Signature pushes become their `image.signed` entry here too, checked the same way (signedEntry):
 * recordRegistryEvents leaves them out when given `signaturesElsewhere`.
 */
export function recordBuilds(options: BuildRecorderOptions): () => Promise<void> {
  // One push at a time: the same statement pushed as a tag and as a referrer at once must be seen
  // recorded by the second, or it would be recorded twice.
  let queue: Promise<void> = Promise.resolve();
  const unsubscribe = options.events.on("manifest.pushed", (event) => {
    queue = queue
      .then(async () => {
        await append(options, event, await provenanceOf(options, event));
        const signed = await signedEntry(options, event);
        if (signed) await options.record.append([signed]);
      })
      .catch((err) => {
        const digest = event.type === "manifest.pushed" ? event.digest : undefined;
        options.logger.error({ err, digest }, "recording a build provenance failed");
      });
  });
  // Stops listening, then waits for what was already pushed to be recorded.
  return async () => {
    unsubscribe();
    await queue;
  };
}

async function append(options: BuildRecorderOptions, event: RegistryEvent, found: readonly Found[]) {
  if (found.length === 0 || event.type !== "manifest.pushed") return;
  const entries: RecordEventInput[] = [];
  for (const f of found) {
    const seen = await options.record.query({ kind: "build.provenance", digest: f.subject });
    if (
      seen.some(
        (e) => (e.payload as { statementDigest?: unknown } | null)?.statementDigest === f.statementDigest,
      )
    ) {
      continue;
    }
    const payload = provenancePayload(f.statement, f);
    const builder = typeof payload.builderId === "string" ? payload.builderId : "an unnamed builder";
    entries.push({
      kind: "build.provenance",
      actor: event.actor.subject,
      repository: event.repository,
      digest: f.subject,
      summary:
        `${event.repository}@${f.subject} built by ${builder}${f.signer ? `, signed by ${f.signer.signedBy}` : " (provenance not verified)"}`.slice(
          0,
          1024,
        ),
      payload,
    });
  }
  if (entries.length > 0) await options.record.append(entries);
}

async function provenanceOf(options: BuildRecorderOptions, event: RegistryEvent): Promise<Found[]> {
  if (event.type !== "manifest.pushed") return [];
  if (INDEX_TYPES.has(event.mediaType)) return buildkitProvenance(options, event.repository, event.digest);
  const att = event.tags.map((t) => COSIGN_ATT_TAG.exec(t)).find((m) => m !== null);
  if (att)
    return signedProvenance(
      options,
      event.repository,
      `${att[1]}:${att[2]}`,
      "cosign-tag",
      att[0],
      event.digest,
    );
  if (event.subject && referrerKind(event.artifactType, event.annotations ?? {}) === "image.attested") {
    return signedProvenance(options, event.repository, event.subject, "referrer", event.digest, event.digest);
  }
  return [];
}

/** The in-toto statement a DSSE attestation carries, unverified (verification is separate). */
function statementOf(artifact: FoundArtifact): Buffer | undefined {
  if (artifact.kind !== "attestation") return undefined;
  const envelope =
    artifact.source === "tag"
      ? artifact.layer.envelope
      : parseEnvelope(
          (JSON.parse(artifact.bundle.toString("utf8")) as { dsseEnvelope?: unknown }).dsseEnvelope,
        );
  return envelopePayload(envelope);
}

/** Who verified the attestation at `where`, trying each of the anchors, if one did. */
function signerOf(
  image: CachedImage,
  where: string,
  anchors: readonly GateAnchor[],
): ProvenanceSigner | undefined {
  for (const gate of anchors) {
    if (!("anchor" in gate)) continue;
    const outcome = verifyImageAttestations(image, {
      anchor: gate.anchor,
      predicateType: PROVENANCE_PREDICATE_TYPES,
    });
    const check = outcome.checks.find((c) => c.ok && c.where === where);
    if (check?.signer) {
      const named = gate.signer.key ?? gate.signer.identity ?? gate.signer.issuer ?? "keyless";
      return { signedBy: check.signer, anchor: named };
    }
  }
  return undefined;
}

async function signedProvenance(
  options: BuildRecorderOptions,
  repository: string,
  subject: string,
  format: "cosign-tag" | "referrer",
  where: string,
  manifest: string,
): Promise<Found[]> {
  let image: CachedImage;
  try {
    image = await loadImage(options.reader, { registry: options.host, repository, digest: subject });
  } catch (err) {
    // A referrer may arrive before its subject (OCI 1.1 allows it): nothing built to record yet.
    if (err instanceof ImageError && err.code === "IMAGE_NOT_FOUND") return [];
    throw err;
  }
  const anchors = options.anchors() ?? [];
  const found: Found[] = [];
  for (const artifact of image.discovery.artifacts) {
    if (artifact.kind !== "attestation") continue;
    const mine = format === "cosign-tag" ? artifact.where.startsWith(`${where}[`) : artifact.where === where;
    if (!mine) continue;
    let bytes: Buffer | undefined;
    let statement: InTotoStatement;
    try {
      bytes = statementOf(artifact);
      if (!bytes) continue;
      statement = parseStatement(bytes);
    } catch {
      continue; // not a readable statement: not a provenance to record (its push is recorded anyway)
    }
    if (!isProvenance(statement)) continue;
    const signer = signerOf(image, artifact.where, anchors);
    found.push({
      subject,
      statement,
      statementDigest: statementDigest(bytes),
      format,
      manifest,
      ...(signer ? { signer } : {}),
    });
  }
  return found;
}

async function readBounded(stream: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

interface RawDescriptor {
  digest?: string;
  mediaType?: string;
  annotations?: Record<string, string>;
}

/**
 * BuildKit's provenance: an image index whose attestation manifests (`vnd.docker.reference.type:
 * attestation-manifest`) each hold in-toto statements about the platform manifest they name. They are
 * not signed (a signature over the index is a separate artifact), so they are recorded unverified.
 */
async function buildkitProvenance(
  options: BuildRecorderOptions,
  repository: string,
  digest: string,
): Promise<Found[]> {
  const index = JSON.parse(
    Buffer.from((await options.reader.getManifest(repository, digest)).bytes).toString("utf8"),
  ) as { manifests?: RawDescriptor[] };
  const found: Found[] = [];
  for (const child of index.manifests ?? []) {
    const subject = child.annotations?.[REFERENCE_DIGEST];
    if (child.annotations?.[REFERENCE_TYPE] !== "attestation-manifest" || !subject || !child.digest) continue;
    const manifest = JSON.parse(
      Buffer.from((await options.reader.getManifest(repository, child.digest)).bytes).toString("utf8"),
    ) as { layers?: RawDescriptor[] };
    for (const layer of manifest.layers ?? []) {
      const type = layer.annotations?.[PREDICATE_TYPE_ANNOTATION];
      if (!type || !PROVENANCE_PREDICATE_TYPES.includes(type) || !layer.digest) continue;
      const bytes = await readBounded(
        await options.reader.getBlob(repository, layer.digest),
        MAX_STATEMENT_BYTES,
      );
      if (!bytes) continue;
      let statement: InTotoStatement;
      try {
        statement = parseStatement(bytes);
      } catch {
        continue;
      }
      if (!isProvenance(statement)) continue;
      found.push({
        subject,
        statement,
        statementDigest: statementDigest(bytes),
        format: "buildkit",
        manifest: child.digest,
      });
    }
  }
  return found;
}
