import { nextTurn } from "../../core/index.js";
import { RuntimeError } from "../errors.js";
import type { JsonValue, RuntimeEvent } from "../event.js";
import { checkPayloadSize, RUNTIME_LIMITS, summaryLine, tooLarge } from "../limits.js";
import { describeIssues, epochMs, isObject, isOverLimit } from "../schema-helpers.js";
import { exposureOf } from "./exposure.js";
import { auditEventSchema, eventListSchema, type RawAuditEvent } from "./schema.js";
import {
  type ContainerImage,
  imagesOf,
  objectName,
  ownerOf,
  podSpecOf,
  type WorkloadAction,
  workloadAction,
} from "./workloads.js";

/**
 * Kubernetes audit events to record events. We keep who created, changed or deleted a workload, who
 * exec'd, attached or port-forwarded into a pod, and the images of the pod specs they wrote. Only the
 * final stage is kept (ResponseComplete, or Panic): the API server also sends RequestReceived and, for
 * streams, ResponseStarted for the same auditID, which would record one action two or three times.
 */

export interface ParsedEventList {
  readonly events: RuntimeEvent[];
  /** Items read and not recorded (other resources, reads, earlier stages). */
  readonly skipped: number;
}

/** The commands of an exec, from its request URI (`?command=sh&command=-c&command=…`). */
function execCommand(requestURI: string | null | undefined): string[] | undefined {
  if (requestURI == null) return undefined;
  const query = requestURI.indexOf("?");
  if (query === -1) return undefined;
  const command = new URLSearchParams(requestURI.slice(query + 1)).getAll("command");
  return command.length > 0 ? command : undefined;
}

function imagesJson(images: readonly ContainerImage[]): JsonValue[] {
  return images.map((i) => ({
    container: i.container,
    image: i.image,
    ...(i.digest === undefined ? {} : { digest: i.digest }),
  }));
}

function payloadOf(
  item: RawAuditEvent,
  action: WorkloadAction,
  name: string | undefined,
  images: readonly ContainerImage[],
  failed: boolean,
): { [key: string]: JsonValue } {
  const ref = item.objectRef ?? {};
  const payload: { [key: string]: JsonValue } = {
    auditID: item.auditID,
    stage: item.stage,
    verb: item.verb,
    action: action.action,
    workload: { kind: action.kind, resource: ref.resource ?? "", ...(name === undefined ? {} : { name }) },
    user: { username: item.user.username ?? "", groups: item.user.groups ?? [] },
    sourceIPs: item.sourceIPs ?? [],
    failed,
  };
  if (ref.subresource != null && ref.subresource !== "") payload.subresource = ref.subresource;
  if (item.impersonatedUser != null) {
    payload.impersonatedUser = {
      username: item.impersonatedUser.username ?? "",
      groups: item.impersonatedUser.groups ?? [],
    };
  }
  if (item.userAgent != null) payload.userAgent = item.userAgent;
  const status = item.responseStatus;
  if (status != null) {
    const out: { [key: string]: JsonValue } = {};
    if (status.code != null) out.code = status.code;
    if (status.reason != null && status.reason !== "") out.reason = status.reason;
    if (status.message != null && status.message !== "") out.message = status.message;
    payload.responseStatus = out;
  }
  if (action.action === "exec") {
    const command = execCommand(item.requestURI);
    if (command !== undefined) payload.command = command;
  }
  if (images.length > 0) payload.images = imagesJson(images);
  const owner = ownerOf(item.responseObject ?? undefined);
  if (owner !== undefined) payload.owner = owner;
  if (item.annotations != null && Object.keys(item.annotations).length > 0)
    payload.annotations = item.annotations;
  if (item.requestReceivedTimestamp != null) payload.requestReceivedTimestamp = item.requestReceivedTimestamp;
  if (item.stageTimestamp != null) payload.stageTimestamp = item.stageTimestamp;
  return payload;
}

/** The object a change wrote: the response (defaults applied, generated name), else the request body. */
function writtenObject(item: RawAuditEvent): Record<string, unknown> | undefined {
  const response = item.responseObject;
  if (response != null && response.kind !== "Status") return response;
  return isObject(item.requestObject) && item.requestObject.kind !== "Status"
    ? item.requestObject
    : undefined;
}

function toEvents(item: RawAuditEvent, where: string): RuntimeEvent[] | undefined {
  if (item.stage !== "ResponseComplete" && item.stage !== "Panic") return undefined;
  const ref = item.objectRef;
  if (ref?.resource == null) return undefined;
  const subresource = ref.subresource == null || ref.subresource === "" ? undefined : ref.subresource;
  const action = workloadAction(ref.resource, ref.apiGroup ?? "", item.verb, subresource);
  if (action === undefined) return undefined;

  const code = item.responseStatus?.code ?? undefined;
  const failed = item.stage === "Panic" || (code !== undefined && code >= 400);
  const written =
    failed || item.verb === "delete" || item.verb === "deletecollection" ? undefined : writtenObject(item);
  const name = (ref.name == null || ref.name === "" ? undefined : ref.name) ?? objectName(written);
  const images = written === undefined ? [] : imagesOf(ref.resource, written, where);
  const payload = payloadOf(item, action, name, images, failed);
  // What the written spec let it do, for the timeline's "what it might have done" (bounded).
  const exposure = written === undefined ? undefined : exposureOf(podSpecOf(ref.resource, written));
  if (exposure !== undefined) payload.exposure = exposure;
  checkPayloadSize(payload, where);

  const time = item.stageTimestamp ?? item.requestReceivedTimestamp;
  if (time == null) {
    throw new RuntimeError("RUNTIME_INPUT_INVALID", `malformed audit EventList: ${where}: has no timestamp`);
  }
  const actor = item.user.username == null || item.user.username === "" ? undefined : item.user.username;
  const namespace = ref.namespace == null || ref.namespace === "" ? undefined : ref.namespace;
  const pod = action.kind === "pod" ? name : undefined;
  const target = `${action.kind} ${namespace === undefined ? "" : `${namespace}/`}${name ?? "(unnamed)"}`;
  const outcome = failed ? ` (failed${code === undefined ? "" : ` ${code}`})` : "";
  const base = {
    kind: "k8s.audit" as const,
    at: epochMs(time),
    ...(actor === undefined ? {} : { actor }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(pod === undefined ? {} : { pod }),
    payload,
  };
  const summary = (image?: string) =>
    summaryLine(
      `${actor ?? "(unknown user)"} ${action.action} ${target}${image === undefined ? "" : ` with ${image}`}${outcome}`,
    );

  // One event per distinct pinned digest, so each image's timeline finds the action (a pod with a
  // sidecar runs two images); events of one audit item share its auditID in the payload.
  const digests = new Map<string, string>();
  for (const image of images)
    if (image.digest !== undefined && !digests.has(image.digest)) digests.set(image.digest, image.image);
  if (digests.size === 0) return [{ ...base, summary: summary() }];
  return [...digests].map(([digest, image]) => ({ ...base, digest, summary: summary(image) }));
}

/** The items of a valid EventList, refused past the item bound before any is read. */
function itemsOf(body: unknown): unknown[] {
  const list = eventListSchema.safeParse(body);
  if (!list.success) {
    throw new RuntimeError(
      "RUNTIME_INPUT_INVALID",
      `malformed audit EventList: ${describeIssues(list.error)}`,
    );
  }
  const items = list.data.items;
  if (items.length > RUNTIME_LIMITS.auditItemsPerRequest) {
    throw tooLarge(
      `${items.length} audit events in one EventList (at most ${RUNTIME_LIMITS.auditItemsPerRequest})`,
    );
  }
  return items;
}

function readItem(raw: unknown, i: number): RuntimeEvent[] | undefined {
  const where = `items[${i}]`;
  const result = auditEventSchema.safeParse(raw);
  if (!result.success) {
    throw new RuntimeError(
      isOverLimit(result.error) ? "RUNTIME_INPUT_TOO_LARGE" : "RUNTIME_INPUT_INVALID",
      `malformed audit EventList: ${describeIssues(result.error, where)}`,
    );
  }
  return toEvents(result.data, where);
}

/**
 * Validates a decoded JSON body as an `audit.k8s.io/v1` EventList and normalises the events we keep.
 * Throws RuntimeError (RUNTIME_INPUT_INVALID or RUNTIME_INPUT_TOO_LARGE) naming the first offending
 * field; one bad item refuses the whole list, so a caller stores all of it or none.
 */
export function parseAuditEventList(body: unknown): ParsedEventList {
  const events: RuntimeEvent[] = [];
  let skipped = 0;
  itemsOf(body).forEach((raw, i) => {
    const kept = readItem(raw, i);
    if (kept === undefined) skipped++;
    else events.push(...kept);
  });
  return { events, skipped };
}

/** Items read per event-loop turn by the server's reader: 10,000 items take some 0.6 s in one go. */
const ITEMS_PER_TURN = 250;

/** parseAuditEventList a slice of items per event-loop turn, so one large list does not stall a server. */
export async function parseAuditEventListInTurns(body: unknown): Promise<ParsedEventList> {
  const items = itemsOf(body);
  const events: RuntimeEvent[] = [];
  let skipped = 0;
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % ITEMS_PER_TURN === 0) await nextTurn();
    const kept = readItem(items[i], i);
    if (kept === undefined) skipped++;
    else events.push(...kept);
  }
  return { events, skipped };
}
