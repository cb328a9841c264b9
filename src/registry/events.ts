/**
 * What the registry tells the rest of the platform. Scanning, policy and the audit log subscribe
 * through `app/`; the registry does not know who listens. Listeners run after the change has
 * committed; a listener that throws is logged by the sink, never undoes the change.
 */
export type RegistryEvent =
  | { type: "blob.uploaded"; repository: string; digest: string; size: number; actor: Actor }
  | { type: "blob.mounted"; repository: string; from: string; digest: string; actor: Actor }
  | { type: "blob.deleted"; repository: string; digest: string; actor: Actor }
  | {
      type: "manifest.pushed";
      repository: string;
      digest: string;
      mediaType: string;
      size: number;
      tags: string[];
      subject?: string;
      /** A referrer's artifactType (or config media type) and annotations: what kind of artifact it is. */
      artifactType?: string;
      annotations?: Readonly<Record<string, string>>;
      actor: Actor;
    }
  | { type: "manifest.pulled"; repository: string; digest: string; reference: string; actor: Actor }
  | { type: "manifest.deleted"; repository: string; digest: string; tags: string[]; actor: Actor }
  | {
      type: "tag.changed";
      repository: string;
      tag: string;
      from: string | null;
      to: string | null;
      actor: Actor;
    };

export type RegistryEventType = RegistryEvent["type"];

/** Who did it: filled by the authentication step; anonymous until auth lands. */
export interface Actor {
  readonly subject: string;
  readonly kind: "anonymous" | "user" | "robot" | "workload" | "system";
  readonly remoteAddress?: string;
}

export const SYSTEM_ACTOR: Actor = { subject: "system", kind: "system" };

export interface EventSink {
  emit(event: RegistryEvent): void;
}

/** A fan-out sink: listeners by event type, errors reported to `onError` and otherwise swallowed. */
export class EventBus implements EventSink {
  private readonly listeners = new Map<string, Array<(event: RegistryEvent) => void | Promise<void>>>();

  constructor(private readonly onError: (err: unknown, event: RegistryEvent) => void = () => {}) {}

  on<T extends RegistryEventType>(
    type: T | "*",
    listener: (event: Extract<RegistryEvent, { type: T }>) => void | Promise<void>,
  ): () => void {
    const list = this.listeners.get(type) ?? [];
    const wrapped = listener as (event: RegistryEvent) => void | Promise<void>;
    list.push(wrapped);
    this.listeners.set(type, list);
    return () => {
      const at = list.indexOf(wrapped);
      if (at >= 0) list.splice(at, 1);
    };
  }

  emit(event: RegistryEvent): void {
    for (const listener of [...(this.listeners.get(event.type) ?? []), ...(this.listeners.get("*") ?? [])]) {
      try {
        const result = listener(event);
        if (result && typeof result.then === "function")
          result.then(undefined, (err) => this.onError(err, event));
      } catch (err) {
        this.onError(err, event);
      }
    }
  }
}
