/**
 * What ingestion produces: events in the shape of the record's `RecordEventInput` (audit/, issue 15).
 * `audit/` is in the same row, so this domain cannot import it; the types are restated here and
 * `app/` passes them on, where TypeScript checks that the two shapes agree.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type RuntimeEventKind = "runtime.alert" | "k8s.audit";

export interface RuntimeEvent {
  readonly kind: RuntimeEventKind;
  /** When it happened at the source (epoch ms). */
  readonly at: number;
  readonly actor?: string;
  readonly digest?: string;
  readonly namespace?: string;
  readonly pod?: string;
  /** Lowercase hex, 12 (Falco's short id) or 64 characters. */
  readonly containerId?: string;
  readonly summary: string;
  readonly payload: { [key: string]: JsonValue };
}
