import { z } from "zod";
import { RUNTIME_LIMITS } from "../limits.js";
import { boundedMap, expected, object, str, timestamp } from "../schema-helpers.js";

/**
 * The API server's audit webhook body: an `audit.k8s.io/v1` EventList (k8s.io/apiserver
 * pkg/apis/audit/v1/types.go). Only the fields we read are checked; request and response objects are
 * checked to be JSON and read later, only for the events we keep.
 */

export const AUDIT_STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"] as const;

const text = (max: number) => str().max(max, `must be at most ${max} characters`);
const stringList = (max: number) =>
  z.array(text(1024), { error: expected("a list of strings") }).max(max, `must hold at most ${max} entries`);

/** Annotations (admission webhooks' audit annotations land here): strings, bounded. */
const annotations = boundedMap<Record<string, string>>({
  expected: "a map of strings",
  max: RUNTIME_LIMITS.annotations,
  what: "annotations",
  problem: (_key, value) => {
    if (typeof value !== "string") return { message: "must be a string", overLimit: false };
    if (value.length > RUNTIME_LIMITS.textLength) {
      return { message: `must be at most ${RUNTIME_LIMITS.textLength} characters`, overLimit: true };
    }
    return undefined;
  },
});

const userInfo = z.object(
  { username: text(1024).nullish(), uid: text(256).nullish(), groups: stringList(256).nullish() },
  { error: expected("an object") },
);

const objectRef = z.object(
  {
    resource: text(253).nullish(),
    namespace: text(253).nullish(),
    name: text(253).nullish(),
    uid: text(128).nullish(),
    apiGroup: text(253).nullish(),
    apiVersion: text(64).nullish(),
    subresource: text(253).nullish(),
  },
  { error: expected("an object") },
);

const responseStatus = z.object(
  {
    code: z
      .number({ error: expected("a number") })
      .int("must be an integer")
      .nullish(),
    status: text(64).nullish(),
    reason: text(256).nullish(),
    message: text(RUNTIME_LIMITS.textLength).nullish(),
  },
  { error: expected("an object") },
);

export const auditEventSchema = z.object(
  {
    auditID: text(128).min(1, "must not be empty"),
    stage: z.enum(AUDIT_STAGES, {
      error: (issue) =>
        issue.input === undefined ? "is required" : `must be one of ${AUDIT_STAGES.join(", ")}`,
    }),
    level: text(64).nullish(),
    requestURI: text(RUNTIME_LIMITS.textLength).nullish(),
    verb: text(64).min(1, "must not be empty"),
    user: userInfo,
    impersonatedUser: userInfo.nullish(),
    sourceIPs: stringList(64).nullish(),
    userAgent: text(1024).nullish(),
    objectRef: objectRef.nullish(),
    responseStatus: responseStatus.nullish(),
    // A patch's requestObject is the patch itself, a list for JSON Patch: any JSON is accepted here.
    requestObject: z.unknown().optional(),
    responseObject: object().nullish(),
    requestReceivedTimestamp: timestamp().nullish(),
    stageTimestamp: timestamp().nullish(),
    annotations: annotations.nullish(),
  },
  { error: expected("an object") },
);

export const eventListSchema = z.object(
  {
    apiVersion: z.literal("audit.k8s.io/v1", { error: expected('"audit.k8s.io/v1"') }),
    kind: z.literal("EventList", { error: expected('"EventList"') }),
    // Items are checked one by one after the count, so a huge list is refused before any is read.
    items: z.array(z.unknown(), { error: expected("a list of events") }),
  },
  { error: expected("an object") },
);

export type RawAuditEvent = z.infer<typeof auditEventSchema>;

/** The EventList as documented (OpenAPI): its items spelled out, as parse.ts checks them one by one. */
export const auditEventListSchema = eventListSchema.extend({ items: z.array(auditEventSchema) });

/** core/v1 Container, the fields we keep: which image each container runs. */
const container = z.object(
  { name: text(253).nullish(), image: text(4096).nullish() },
  { error: expected("an object") },
);
const containerList = z.array(container, { error: expected("a list of containers") });

export const podSpecSchema = z.object(
  {
    containers: containerList.nullish(),
    initContainers: containerList.nullish(),
    ephemeralContainers: containerList.nullish(),
  },
  { error: expected("an object") },
);

export type RawPodSpec = z.infer<typeof podSpecSchema>;
