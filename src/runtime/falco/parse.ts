import { isValidDigest } from "../../core/index.js";
import { RuntimeError } from "../errors.js";
import type { JsonValue, RuntimeEvent } from "../event.js";
import { checkPayloadSize, RUNTIME_LIMITS, summaryLine, tooLarge } from "../limits.js";
import { describeIssues, epochMs, isOverLimit } from "../schema-helpers.js";
import { type FieldValue, falcoAlertSchema, type RawFalcoAlert } from "./schema.js";

/**
 * Falco alerts to runtime events. Which container and image an alert concerns comes from its
 * output_fields (Falco's field names, `falco_rules.yaml`): `container.id`, `container.image.digest`
 * (set where the runtime reports it), `k8s.ns.name`, `k8s.pod.name`; alerts of the k8saudit plugin
 * (source `k8s_audit`) name the object with `ka.target.*` and the user with `ka.user.name`.
 */

/** Falco prints `<NA>` for a field the event does not have (older releases; newer ones print null). */
function present(value: FieldValue | undefined): string | undefined {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return undefined;
  return value === "" || value === "<NA>" ? undefined : value;
}

/** Falco's container.id: 12 hex characters, or 64 with `-o` full ids; `host` means no container. */
const CONTAINER_ID = /^(?:[0-9a-f]{12}|[0-9a-f]{64})$/;

function containerIdOf(fields: Record<string, FieldValue>): string | undefined {
  const id = present(fields["container.id"])?.toLowerCase();
  return id !== undefined && CONTAINER_ID.test(id) ? id : undefined;
}

function digestOf(fields: Record<string, FieldValue>): string | undefined {
  const digest = present(fields["container.image.digest"])?.toLowerCase();
  return digest !== undefined && isValidDigest(digest) ? digest : undefined;
}

interface Subject {
  actor?: string;
  namespace?: string;
  pod?: string;
}

function subjectOf(source: string, fields: Record<string, FieldValue>): Subject {
  const subject: Subject = {};
  const set = (key: keyof Subject, value: string | undefined) => {
    if (value !== undefined) subject[key] = value;
  };
  if (source === "k8s_audit") {
    set("actor", present(fields["ka.user.name"]));
    set("namespace", present(fields["ka.target.namespace"]));
    if (present(fields["ka.target.resource"]) === "pods") set("pod", present(fields["ka.target.name"]));
    return subject;
  }
  set("actor", present(fields["user.name"]));
  set("namespace", present(fields["k8s.ns.name"]));
  set("pod", present(fields["k8s.pod.name"]));
  return subject;
}

function imageOf(fields: Record<string, FieldValue>, digest: string | undefined): JsonValue | undefined {
  const image: { [key: string]: JsonValue } = {};
  const repository = present(fields["container.image.repository"]);
  const tag = present(fields["container.image.tag"]);
  if (repository !== undefined) image.repository = repository;
  if (tag !== undefined) image.tag = tag;
  if (digest !== undefined) image.digest = digest;
  return Object.keys(image).length > 0 ? image : undefined;
}

function toEvent(alert: RawFalcoAlert, where: string): RuntimeEvent {
  const fields = alert.output_fields ?? {};
  const source = alert.source ?? "syscall";
  const containerId = containerIdOf(fields);
  const digest = digestOf(fields);
  const subject = subjectOf(source, fields);
  const payload: { [key: string]: JsonValue } = {
    rule: alert.rule,
    priority: alert.priority,
    source,
    // The source's own time string keeps Falco's nanoseconds, which `at` (epoch ms) cannot.
    time: alert.time,
    output: alert.output,
    tags: alert.tags ?? [],
  };
  if (alert.uuid != null && alert.uuid !== "") payload.uuid = alert.uuid;
  if (alert.hostname != null && alert.hostname !== "") payload.hostname = alert.hostname;
  const image = imageOf(fields, digest);
  if (image !== undefined) payload.image = image;
  const containerName = present(fields["container.name"]);
  if (containerName !== undefined) payload.containerName = containerName;
  payload.fields = fields;
  checkPayloadSize(payload, where);
  const place =
    subject.namespace !== undefined && subject.pod !== undefined
      ? ` in ${subject.namespace}/${subject.pod}`
      : "";
  return {
    kind: "runtime.alert",
    at: epochMs(alert.time),
    ...subject,
    ...(digest === undefined ? {} : { digest }),
    ...(containerId === undefined ? {} : { containerId }),
    summary: summaryLine(`Falco ${alert.priority}: ${alert.rule}${place}`),
    payload,
  };
}

/**
 * Validates a decoded JSON body holding one Falco alert or a list of them and normalises every one.
 * Throws RuntimeError (RUNTIME_INPUT_INVALID or RUNTIME_INPUT_TOO_LARGE) naming the first offending
 * field; one bad alert refuses the whole body, so a caller stores all of it or none.
 */
export function parseFalcoAlerts(body: unknown): RuntimeEvent[] {
  const many = Array.isArray(body);
  const alerts: unknown[] = many ? body : [body];
  if (alerts.length === 0) {
    throw new RuntimeError("RUNTIME_INPUT_INVALID", "malformed Falco alerts: the list is empty");
  }
  if (alerts.length > RUNTIME_LIMITS.alertsPerRequest) {
    throw tooLarge(
      `${alerts.length} Falco alerts in one request (at most ${RUNTIME_LIMITS.alertsPerRequest})`,
    );
  }
  return alerts.map((raw, i) => {
    const where = many ? `[${i}]` : "";
    const result = falcoAlertSchema.safeParse(raw);
    if (!result.success) {
      throw new RuntimeError(
        isOverLimit(result.error) ? "RUNTIME_INPUT_TOO_LARGE" : "RUNTIME_INPUT_INVALID",
        `malformed Falco alert: ${describeIssues(result.error, where)}`,
      );
    }
    return toEvent(result.data, where === "" ? "alert" : `alert ${where}`);
  });
}
