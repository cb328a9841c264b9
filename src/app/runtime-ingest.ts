import type { AuditLog, EventRecord, RecordEntry, RecordEventInput } from "../audit/index.js";
import { type ImageReference, parseImageReference } from "../oci/index.js";
import { type Registry, RegistryError, SYSTEM_ACTOR } from "../registry/index.js";
import {
  type JsonValue,
  parseAuditEventListInTurns,
  parseFalcoAlerts,
  type RuntimeEvent,
} from "../runtime/index.js";
import type { RuntimeAlert } from "./notifications/index.js";

/**
 * Runtime ingestion (issue 15): Falco alerts and Kubernetes audit events, parsed by `runtime/`, tied
 * to an image digest through what the record already knows, and appended to the record in one batch.
 * Parsing refuses the whole body before anything is looked up or stored; so does the record's append.
 *
 * How an alert without `container.image.digest` gets one (the first that answers wins, and the payload
 * says which in `digestFrom`):
 *   1. an earlier alert of the same container that carried a digest (this batch, then the record);
 *   2. the pod's recorded Kubernetes audit events (a pod create names its containers' images, pinned by
 *      digest or by a tag our registry resolved when the event came in), matched by container name,
 *      then by image repository, then the pod's only digest;
 *   3. admission decisions of the pod (`Pod/NAME` in its namespace), which carry the digest admitted.
 */

export interface RuntimeIngestResult {
  /** Events appended (a pod create of several pinned images is one event per digest). */
  readonly stored: number;
  /** Of those, how many name an image digest. */
  readonly withDigest: number;
  /** Audit items read and not recorded (other resources, reads, earlier stages). */
  readonly skipped: number;
  /** Leaf indexes of the appended events, first and last; absent when nothing was stored. */
  readonly indexes?: { readonly first: number; readonly last: number };
}

export interface RuntimeIngestOptions {
  readonly record: EventRecord;
  readonly audit: AuditLog;
  readonly registry: Registry;
  /** HOST:PORT of this registry: images named with it are ours, so tags resolve and repositories are known. */
  readonly registryHost: string;
  /**
   * Told of every stored Falco alert about one of our repositories (notifications' `runtimeAlert`), after
   * the batch is in the record; it must not throw or delay the answer.
   */
  readonly onAlert?: (alert: RuntimeAlert) => void;
}

/** Lookups per alert are bounded: a page of the record is MAX_RECORD_PAGE entries at most. */
const LOOKUP_LIMIT = 200;

type Attribution = { digest: string; from: string; repository?: string };

export class RuntimeIngest {
  constructor(private readonly options: RuntimeIngestOptions) {}

  async ingestFalco(body: unknown): Promise<RuntimeIngestResult> {
    const parsed = parseFalcoAlerts(body);
    const byContainer = new Map<string, Attribution>();
    const events: RecordEventInput[] = [];
    for (const event of parsed) {
      const found = await this.attributeAlert(event, byContainer);
      if (found && event.containerId !== undefined) byContainer.set(event.containerId, found);
      events.push(this.withAttribution(event, found, imageOfAlert(event)));
    }
    return this.append(events, 0);
  }

  async ingestAudit(body: unknown): Promise<RuntimeIngestResult> {
    const { events: parsed, skipped } = await parseAuditEventListInTurns(body);
    const events: RecordEventInput[] = [];
    for (const event of parsed) events.push(await this.resolveAuditImages(event));
    return this.append(events, skipped);
  }

  private async append(events: RecordEventInput[], skipped: number): Promise<RuntimeIngestResult> {
    if (events.length === 0) return { stored: 0, withDigest: 0, skipped };
    const entries: RecordEntry[] = await this.options.record.append(events);
    if (this.options.onAlert) for (const entry of entries) this.announce(entry, this.options.onAlert);
    return {
      stored: entries.length,
      withDigest: entries.filter((e) => e.digest !== undefined).length,
      skipped,
      indexes: { first: entries[0]!.index, last: entries[entries.length - 1]!.index },
    };
  }

  /** The event as the record stores it: the digest found, its source, and our repository when known. */
  private withAttribution(
    event: RuntimeEvent,
    found: Attribution | undefined,
    image: ImageReference | undefined,
  ): RecordEventInput {
    const repository = found?.repository ?? this.ourRepository(image);
    if (event.digest !== undefined) {
      return {
        ...event,
        ...(repository ? { repository } : {}),
        payload: { ...event.payload, digestFrom: "alert" },
      };
    }
    if (found === undefined) return { ...event, ...(repository ? { repository } : {}) };
    return {
      ...event,
      digest: found.digest,
      ...(repository ? { repository } : {}),
      payload: { ...event.payload, digestFrom: found.from },
    };
  }

  private announce(entry: RecordEntry, onAlert: (alert: RuntimeAlert) => void): void {
    if (entry.kind !== "runtime.alert" || entry.repository === undefined) return;
    const payload = entry.payload as { [key: string]: JsonValue };
    const text = (key: string) => (typeof payload[key] === "string" ? (payload[key] as string) : undefined);
    onAlert({
      repository: entry.repository,
      ...(entry.digest !== undefined ? { digest: entry.digest } : {}),
      rule: text("rule") ?? entry.summary,
      priority: text("priority") ?? "",
      output: text("output") ?? entry.summary,
      ...(text("time") !== undefined ? { time: text("time")! } : {}),
      ...(text("source") !== undefined ? { source: text("source")! } : {}),
    });
  }

  private ourRepository(image: ImageReference | undefined): string | undefined {
    return image !== undefined && image.registry === this.options.registryHost ? image.repository : undefined;
  }

  private async attributeAlert(
    event: RuntimeEvent,
    batch: ReadonlyMap<string, Attribution>,
  ): Promise<Attribution | undefined> {
    if (event.digest !== undefined) return { digest: event.digest, from: "alert" };
    const { record } = this.options;
    if (event.containerId !== undefined) {
      const earlier = batch.get(event.containerId);
      if (earlier) return { ...earlier, from: "container" };
      const alerts = await record.query({
        kind: "runtime.alert",
        containerId: event.containerId,
        limit: LOOKUP_LIMIT,
      });
      const known = alerts.findLast((e) => e.digest !== undefined);
      if (known?.digest) return { digest: known.digest, from: "container", ...repo(known) };
    }
    if (event.namespace === undefined || event.pod === undefined) return undefined;
    const container = stringAt(event.payload, "containerName");
    const image = imageOfAlert(event);
    const audited = await record.query({
      kind: "k8s.audit",
      namespace: event.namespace,
      pod: event.pod,
      limit: LOOKUP_LIMIT,
    });
    const images = audited.flatMap((e) => podImages(e.payload));
    const fromAudit = pickImage(images, container, image);
    if (fromAudit)
      return { digest: fromAudit.digest, from: "k8s.audit", ...this.repositoryOf(fromAudit.image) };
    const decisions = await this.options.audit.list({
      gate: "admission",
      namespace: event.namespace,
      text: event.pod,
      limit: LOOKUP_LIMIT,
    });
    const admitted = decisions
      .filter((d) => d.workload === `Pod/${event.pod}` && d.digest !== undefined && d.effect !== "deny")
      .map((d) => ({ container: "", image: d.image, digest: d.digest! }));
    const fromAdmission = pickImage(admitted, undefined, image);
    if (fromAdmission)
      return { digest: fromAdmission.digest, from: "admission", ...this.repositoryOf(fromAdmission.image) };
    return undefined;
  }

  private repositoryOf(image: string): { repository?: string } {
    const repository = this.ourRepository(parseReference(image));
    return repository ? { repository } : {};
  }

  /**
   * An audit event whose pod spec names our images by tag: the tag is resolved in our registry now,
   * close to when the pod was created, and kept beside the image (`digestFrom: registry`), so later
   * alerts of the pod find a digest. An event with one pinned digest already has its digest column.
   */
  private async resolveAuditImages(event: RuntimeEvent): Promise<RecordEventInput> {
    const images = event.payload.images;
    if (!Array.isArray(images) || images.length === 0) return event;
    const resolved: JsonValue[] = [];
    let repository: string | undefined;
    for (const item of images) {
      if (!isRecord(item) || typeof item.image !== "string") {
        resolved.push(item);
        continue;
      }
      const reference = parseReference(item.image);
      const ours = this.ourRepository(reference);
      if (ours !== undefined && (event.digest === undefined || item.digest === event.digest))
        repository ??= ours;
      if (item.digest !== undefined || ours === undefined || reference?.tag === undefined) {
        resolved.push(item);
        continue;
      }
      const digest = await this.resolveTag(ours, reference.tag);
      resolved.push(digest ? { ...item, digest, digestFrom: "registry" } : item);
    }
    const payload = { ...event.payload, images: resolved };
    if (event.digest !== undefined) return { ...event, ...(repository ? { repository } : {}), payload };
    // No pinned digest: if the tags resolved to exactly one, the event concerns that image.
    const digests = new Set(
      resolved.flatMap((i) => (isRecord(i) && typeof i.digest === "string" ? [i.digest] : [])),
    );
    const only = digests.size === 1 ? [...digests][0] : undefined;
    return { ...event, ...(only ? { digest: only } : {}), ...(repository ? { repository } : {}), payload };
  }

  private async resolveTag(repository: string, tag: string): Promise<string | undefined> {
    try {
      return (await this.options.registry.manifests.get(repository, tag, SYSTEM_ACTOR, false)).digest;
    } catch (err) {
      if (err instanceof RegistryError) return undefined;
      throw err;
    }
  }
}

interface PodImage {
  readonly container: string;
  readonly image: string;
  readonly digest?: string;
}

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringAt(payload: JsonValue, key: string): string | undefined {
  if (!isRecord(payload)) return undefined;
  const value = payload[key];
  return typeof value === "string" ? value : undefined;
}

function repo(entry: RecordEntry): { repository?: string } {
  return entry.repository ? { repository: entry.repository } : {};
}

function parseReference(image: string): ImageReference | undefined {
  try {
    return parseImageReference(image);
  } catch {
    return undefined;
  }
}

/** The image an alert names: Falco's `container.image.repository` (with its tag when known). */
function imageOfAlert(event: RuntimeEvent): ImageReference | undefined {
  const image = event.payload.image;
  if (!isRecord(image) || typeof image.repository !== "string") return undefined;
  return parseReference(image.repository);
}

/** The images of a recorded audit event's payload, with their digests when pinned or resolved. */
function podImages(payload: JsonValue): PodImage[] {
  if (!isRecord(payload) || !Array.isArray(payload.images)) return [];
  return payload.images.flatMap((i) => {
    if (!isRecord(i) || typeof i.image !== "string") return [];
    const container = typeof i.container === "string" ? i.container : "";
    return [{ container, image: i.image, ...(typeof i.digest === "string" ? { digest: i.digest } : {}) }];
  });
}

const sameRepository = (a: ImageReference | undefined, b: ImageReference | undefined) =>
  a !== undefined && b !== undefined && a.registry === b.registry && a.repository === b.repository;

/**
 * The newest image of the alert's container name, else of its repository, else the pod's one image.
 * A match without a digest answers "unknown", never another container's digest: a pod with an
 * unpinned app and a pinned sidecar must not pin the app's alerts on the sidecar.
 */
function pickImage(
  images: readonly PodImage[],
  container: string | undefined,
  image: ImageReference | undefined,
): (PodImage & { digest: string }) | undefined {
  const withDigest = (i: PodImage | undefined) =>
    i?.digest === undefined ? undefined : { ...i, digest: i.digest };
  if (container !== undefined) {
    const named = images.findLast((i) => i.container === container);
    if (named) return withDigest(named);
  }
  if (image !== undefined) {
    const same = images.findLast((i) => sameRepository(parseReference(i.image), image));
    if (same) return withDigest(same);
  }
  const distinct = new Set(images.map((i) => i.digest ?? `unpinned ${i.image}`));
  return distinct.size === 1 ? withDigest(images[images.length - 1]) : undefined;
}
