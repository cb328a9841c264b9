import type { Logger } from "pino";
import type { EventRecord, JsonValue, RecordEventInput } from "../audit/index.js";
import type { EventBus, RegistryEvent } from "../registry/index.js";
import type { ScanStore } from "./scanning/store.js";

/** A cosign tag-based signature or attestation: `sha256-<hex>.sig` / `.att` names the image it is about. */
const COSIGN_TAG = /^(sha256)-([0-9a-f]{64})\.(sig|att)$/;

const BUNDLE_PREDICATE_TYPE = "dev.sigstore.bundle.predicateType";
/** cosign's own sign statement: a DSSE bundle carrying it is a signature, not an attestation. */
const COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1";

/**
 * Whether a referrer is a signature or an attestation, by its artifactType and annotations: Sigstore
 * bundles (a message signature, or a DSSE statement), Notation signatures, cosign's OCI 1.1 artifact
 * types and in-toto statements. Anything else (an SBOM, a scan report) is neither.
 */
export function referrerKind(
  artifactType: string | undefined,
  annotations: Readonly<Record<string, string>>,
): "image.signed" | "image.attested" | undefined {
  const type = artifactType ?? "";
  if (type.startsWith("application/vnd.dev.sigstore.bundle")) {
    const predicate = annotations[BUNDLE_PREDICATE_TYPE];
    if (annotations["dev.sigstore.bundle.content"] === "message-signature") return "image.signed";
    if (predicate === undefined || predicate === COSIGN_SIGN_PREDICATE) return "image.signed";
    return "image.attested";
  }
  if (type === "application/vnd.cncf.notary.signature") return "image.signed";
  if (type === "application/vnd.dev.cosign.artifact.sig.v1+json") return "image.signed";
  if (type === "application/vnd.dev.cosign.artifact.att.v1+json") return "image.attested";
  if (type.startsWith("application/vnd.in-toto")) return "image.attested";
  return undefined;
}

/** The record entries a registry event becomes (none for blob traffic: the manifest events say it). */
export function recordEventsOf(event: RegistryEvent): RecordEventInput[] {
  const actor = event.actor.subject;
  switch (event.type) {
    case "manifest.pushed": {
      const pushed: RecordEventInput = {
        kind: "image.pushed",
        actor,
        repository: event.repository,
        digest: event.digest,
        summary: `${actor} pushed ${event.repository}@${event.digest}${event.tags.length > 0 ? ` as ${event.tags.join(", ")}` : ""}`,
        payload: {
          mediaType: event.mediaType,
          size: event.size,
          tags: event.tags,
          ...(event.subject ? { subject: event.subject } : {}),
        },
      };
      // A cosign signature or attestation is about another image: its entry carries that image's digest.
      const cosign = event.tags.map((tag) => COSIGN_TAG.exec(tag)).find((m) => m !== null);
      if (!cosign) {
        // An OCI 1.1 referrer names its image as subject. One pushed under a cosign tag as well was
        // recorded by its tag above: one entry per artifact, whichever way it was stored.
        const kind = event.subject ? referrerKind(event.artifactType, event.annotations ?? {}) : undefined;
        if (!kind || !event.subject) return [pushed];
        const signed = kind === "image.signed";
        return [
          pushed,
          {
            kind,
            actor,
            repository: event.repository,
            digest: event.subject,
            summary: `${actor} ${signed ? "signed" : "attested"} ${event.repository}@${event.subject}`,
            payload: {
              format: "referrer",
              manifest: event.digest,
              artifactType: event.artifactType ?? null,
              ...(event.annotations?.[BUNDLE_PREDICATE_TYPE]
                ? { predicateType: event.annotations[BUNDLE_PREDICATE_TYPE].slice(0, 512) }
                : {}),
            },
          },
        ];
      }
      const about = `${cosign[1]}:${cosign[2]}`;
      const signed = cosign[3] === "sig";
      return [
        pushed,
        {
          kind: signed ? "image.signed" : "image.attested",
          actor,
          repository: event.repository,
          digest: about,
          summary: `${actor} ${signed ? "signed" : "attested"} ${event.repository}@${about}`,
          payload: { format: "cosign-tag", manifest: event.digest, tag: cosign[0] },
        },
      ];
    }
    case "manifest.pulled":
      return [
        {
          kind: "image.pulled",
          actor,
          repository: event.repository,
          digest: event.digest,
          summary: `${actor} pulled ${event.repository}:${event.reference}`,
          payload: { reference: event.reference },
        },
      ];
    case "manifest.deleted":
      return [
        {
          kind: "image.deleted",
          actor,
          repository: event.repository,
          digest: event.digest,
          summary: `${actor} deleted ${event.repository}@${event.digest}`,
          payload: { tags: event.tags },
        },
      ];
    case "tag.changed": {
      const digest = event.to ?? event.from;
      return [
        {
          kind: "tag.moved",
          actor,
          repository: event.repository,
          ...(digest ? { digest } : {}),
          summary: `${actor} moved ${event.repository}:${event.tag} from ${event.from ?? "nothing"} to ${event.to ?? "nothing"}`,
          payload: { tag: event.tag, from: event.from, to: event.to },
        },
      ];
    }
    default:
      return [];
  }
}

/**
 * Records the registry's events in the one record as they happen (after their change committed). Pulls
 * are many: each is queued and written with whatever else arrived in the same turn, a batch per
 * transaction. Returns the unsubscribe function.
 */
export function recordRegistryEvents(
  events: EventBus,
  record: EventRecord,
  logger: Logger,
  /** `image.signed` entries are written by recordBuilds, with the signature checked: not here. */
  options: { readonly signaturesElsewhere?: boolean } = {},
): () => void {
  return events.on("*", (event) => {
    const all = recordEventsOf(event);
    const entries = options.signaturesElsewhere ? all.filter((e) => e.kind !== "image.signed") : all;
    if (entries.length === 0) return;
    record
      .append(entries)
      .catch((err) => logger.error({ err, event: event.type }, "recording a registry event failed"));
  });
}

/**
 * Records each finished scan (and re-match after an advisory update) as `image.scanned`, with its
 * status and the report's counts; queued and running states are not events worth a leaf.
 */
export function recordScans(scans: ScanStore, record: EventRecord, logger: Logger): () => void {
  return scans.onChange((digest) => {
    void (async () => {
      const scan = await scans.get(digest);
      if (!scan || (scan.status !== "done" && scan.status !== "failed")) return;
      const summary = scan.report ? (JSON.parse(JSON.stringify(scan.report.summary)) as JsonValue) : null;
      await record.append([
        {
          kind: "image.scanned",
          digest,
          repository: scan.repository,
          summary: `scan of ${scan.repository}@${digest} ${scan.status === "done" ? "finished" : "failed"}`,
          payload: {
            status: scan.status,
            ...(scan.error ? { error: scan.error.slice(0, 2000) } : {}),
            ...(scan.advisoryRevision ? { advisoryRevision: scan.advisoryRevision } : {}),
            ...(scan.sbomDigest ? { sbomDigest: scan.sbomDigest } : {}),
            counts: summary,
          },
        },
      ]);
    })().catch((err) => logger.error({ err, digest }, "recording a scan failed"));
  });
}
