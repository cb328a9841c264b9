import {
  AuditError,
  type EventRecord,
  type JsonValue,
  type RecordTimeline,
  type TimelineCursor,
  type TimelineScope,
} from "../../audit/index.js";
import { parseImageReference } from "../../oci/index.js";
import type { ScanStore } from "../scanning/store.js";
import { type RiskyPackage, riskyPackages } from "./risky.js";

/** What a timeline is asked for: exactly one of an image, a pod (`namespace/name`) or a container id. */
export interface TimelineRequest {
  readonly image?: string;
  readonly pod?: string;
  readonly container?: string;
  readonly limit?: number;
  readonly after?: TimelineCursor;
  /** Inclusion proofs with every entry (default true). */
  readonly proofs?: boolean;
}

export interface TimelineSources {
  readonly record: EventRecord;
  readonly scans: ScanStore;
  /** The digest a repository's tag names now, or undefined (the registry; the CLI's local mode: the record). */
  resolveTag(repository: string, tag: string): Promise<string | undefined>;
  /** This registry's host: references naming it are looked up locally. */
  readonly registryHost?: string;
}

/** A digest's scan now, for "findings then and now" beside each `image.scanned` entry's counts then. */
export interface ScanNow {
  readonly digest: string;
  readonly status: string;
  readonly scannedAt?: number;
  readonly counts?: JsonValue;
}

/** What the workload might have done: its spec's exposure as last admitted or written, and risky packages. */
export interface MightHaveDone {
  /** The latest recorded spec summary (k8s.audit `exposure`), with the entry it came from. */
  readonly exposure?: { readonly index: number; readonly at: number; readonly spec: JsonValue };
  readonly riskyPackages: readonly (RiskyPackage & { readonly digest: string })[];
}

export interface Timeline extends RecordTimeline {
  /** What was asked for, resolved: the image reference and its digest, the pod, or the container. */
  readonly subject: { readonly image?: string; readonly pod?: string; readonly container?: string };
  readonly scans: readonly ScanNow[];
  readonly mightHaveDone: MightHaveDone;
}

const DIGEST = /^sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})$/;
const CONTAINER_ID = /^[0-9a-f]{12,64}$/;
const POD = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;

/** The scope a request names; AuditError INVALID_ARGUMENT for none, several, or a malformed one. */
export async function timelineScope(
  request: TimelineRequest,
  sources: Pick<TimelineSources, "resolveTag" | "registryHost">,
): Promise<TimelineScope> {
  const given = [request.image, request.pod, request.container].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw invalid("give exactly one of an image, a pod (NAMESPACE/NAME) or a container id");
  if (request.pod !== undefined) {
    const m = POD.exec(request.pod);
    if (!m || request.pod.length > 317)
      throw invalid(`pod ${JSON.stringify(request.pod)} is not NAMESPACE/NAME`);
    return { pod: { namespace: m[1]!, name: m[3]! } };
  }
  if (request.container !== undefined) {
    const id = request.container.toLowerCase().replace(/^(containerd|docker|cri-o):\/\//, "");
    if (!CONTAINER_ID.test(id)) throw invalid("a container id is 12 to 64 hexadecimal characters");
    return { containerId: id };
  }
  return { digests: [await imageDigest(request.image!, sources)] };
}

/** An image's digest: given, pinned in the reference, or what its tag names now. */
export async function imageDigest(
  image: string,
  sources: Pick<TimelineSources, "resolveTag" | "registryHost">,
): Promise<string> {
  if (DIGEST.test(image)) return image;
  let ref: ReturnType<typeof parseImageReference>;
  try {
    ref = parseImageReference(image, { defaultRegistry: sources.registryHost ?? "localhost" });
  } catch (err) {
    throw invalid(`image ${JSON.stringify(image)}: ${(err as Error).message}`);
  }
  if (ref.digest) return ref.digest;
  const tag = ref.tag ?? "latest";
  const digest = await sources.resolveTag(ref.repository, tag);
  if (!digest) throw new AuditError("NOT_FOUND", `${ref.repository}:${tag} names no image here`);
  return digest;
}

/**
 * The timeline of an image, a pod or a container (issue 15): its entries in time order with proofs
 * against one signed checkpoint, each digest's scan now, and what the workload might have done.
 */
export async function buildTimeline(sources: TimelineSources, request: TimelineRequest): Promise<Timeline> {
  const scope = await timelineScope(request, sources);
  const page = await sources.record.timeline(scope, {
    ...(request.limit === undefined ? {} : { limit: request.limit }),
    ...(request.after === undefined ? {} : { after: request.after }),
    ...(request.proofs === undefined ? {} : { proofs: request.proofs }),
  });
  const digests = page.digests.slice(0, 32);
  const [scans, risky, exposure] = await Promise.all([
    Promise.all(digests.map((d) => scanNow(sources.scans, d))),
    Promise.all(
      digests.map(async (digest) => {
        const sbom = await sources.scans.sbom(digest);
        return sbom ? riskyPackages(sbom).map((p) => ({ ...p, digest })) : [];
      }),
    ),
    latestExposure(sources.record, scope, digests),
  ]);
  const subject = {
    ...(request.image === undefined ? {} : { image: request.image }),
    ...(request.pod === undefined ? {} : { pod: request.pod }),
    ...(scope.containerId === undefined ? {} : { container: scope.containerId }),
  };
  return {
    ...page,
    subject,
    scans: scans.filter((s): s is ScanNow => s !== undefined),
    mightHaveDone: { ...(exposure ? { exposure } : {}), riskyPackages: risky.flat() },
  };
}

async function scanNow(scans: ScanStore, digest: string): Promise<ScanNow | undefined> {
  const scan = await scans.get(digest);
  if (!scan) return undefined;
  return {
    digest,
    status: scan.status,
    ...(scan.scannedAt ? { scannedAt: scan.scannedAt.getTime() } : {}),
    ...(scan.report ? { counts: JSON.parse(JSON.stringify(scan.report.summary)) as JsonValue } : {}),
  };
}

/** The latest k8s.audit entry in scope whose payload carries a spec summary (runtime/k8s-audit/exposure). */
async function latestExposure(
  record: EventRecord,
  scope: TimelineScope,
  digests: readonly string[],
): Promise<MightHaveDone["exposure"]> {
  const queries = [
    ...digests.map((digest) => ({ kind: "k8s.audit" as const, digest })),
    ...(scope.pod
      ? [{ kind: "k8s.audit" as const, namespace: scope.pod.namespace, pod: scope.pod.name }]
      : []),
  ];
  let best: MightHaveDone["exposure"];
  for (const query of queries) {
    for (const entry of await record.query(query)) {
      const payload = entry.payload;
      if (typeof payload !== "object" || payload === null || Array.isArray(payload)) continue;
      const spec = payload.exposure;
      if (spec === undefined) continue;
      if (!best || entry.at > best.at || (entry.at === best.at && entry.index > best.index)) {
        best = { index: entry.index, at: entry.at, spec };
      }
    }
  }
  return best;
}

function invalid(message: string): AuditError {
  return new AuditError("INVALID_ARGUMENT", message);
}
