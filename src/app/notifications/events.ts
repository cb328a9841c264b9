import { randomUUID } from "node:crypto";

/**
 * The notifications Portcullis sends, as CloudEvents 1.0 in the structured JSON mode
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md): one JSON
 * object holding the context attributes and `data`, sent as `application/cloudevents+json`.
 */
export const EVENT_TYPES = [
  "dev.portcullis.image.pushed",
  "dev.portcullis.image.deleted",
  "dev.portcullis.scan.completed",
  "dev.portcullis.finding.critical",
  "dev.portcullis.policy.denied",
  "dev.portcullis.runtime.alert",
  "dev.portcullis.webhook.test",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** What a source hands the notifier: the project it concerns, and the event's parts. */
export interface Notice {
  readonly project: string;
  readonly type: EventType;
  /** The repository (or other resource) in the project the event is about. */
  readonly source: string;
  /** `repository@digest` when the event is about an image. */
  readonly subject?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface CloudEvent {
  readonly specversion: "1.0";
  readonly id: string;
  readonly source: string;
  readonly type: EventType;
  readonly subject?: string;
  readonly time: string;
  readonly datacontenttype: "application/json";
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The CloudEvent of a notice. `source` is a URI reference naming the registry and repository
 * (`//host:port/repository`); `id` is unique per event, so a receiver drops a retried copy by
 * `source` + `id` as the specification says.
 */
export function cloudEvent(notice: Notice, host: string, at: Date): CloudEvent {
  return {
    specversion: "1.0",
    id: randomUUID(),
    source: `//${host}/${notice.source}`,
    type: notice.type,
    ...(notice.subject !== undefined ? { subject: notice.subject } : {}),
    time: at.toISOString(),
    datacontenttype: "application/json",
    data: notice.data,
  };
}
