import type { Logger } from "pino";
import type { AccountStore, KeyRing } from "../auth/index.js";
import { type EventBus, type RegistryEvent, SYSTEM_ACTOR } from "../registry/index.js";
import type { InvalidationBus } from "../storage/index.js";
import { affectedBy } from "./gates/pull-cache.js";
import type { Notifications } from "./notifications/index.js";

/** The bus's topics: one per kind of remembered state another replica's change makes stale. */
const ACCOUNTS = "accounts";
const REGISTRY = "registry";
const SCANS = "scans";
const WEBHOOKS = "webhooks";
const TOKEN_KEYS = "token-keys";

/** What a registry event changes for the pull verdicts, small enough for one NOTIFY. */
type SharedEvent =
  | {
      type: "manifest.pushed";
      repository: string;
      digest: string;
      mediaType: string;
      tags: string[];
      subject?: string;
    }
  | { type: "tag.changed"; repository: string; tag: string };

export interface SharedChanges {
  /** The registry events the pull gate forgets verdicts by: this process's and the other replicas'. */
  readonly gateEvents: { on(type: "*", listener: (event: RegistryEvent) => void): () => void };
  /** Scan reports stored here or on another replica. */
  readonly scanChanges: (listener: (digest: string) => void) => () => void;
  /** Every remembered verdict must go (a change missed while the bus was reconnecting). */
  readonly forgetAll: (listener: () => void) => () => void;
  /** Stops publishing and listening (the bus itself is closed by its owner). */
  close(): void;
}

/**
 * Shares what several `serve` replicas on one PostgreSQL must see of each other's changes (issue 16):
 * each change this process makes is published on the invalidation bus, and each other replica's drops
 * what it names here. Accounts (users, robots, tokens, grants, project settings): the AccountStore's
 * listeners run as for a local write, so a revoked robot's next request fails on every replica.
 * Pull verdicts: the registry events and scans that forget them here forget them there. Webhook
 * subscriptions: a project's, by name. On SQLite the bus is a no-op and nothing changes.
 */
export function shareChanges(parts: {
  readonly bus: InvalidationBus;
  readonly events: EventBus;
  readonly scans: { onChange(listener: (digest: string) => void): () => void };
  readonly accounts?: AccountStore;
  /** The token signing keys: a rotation here makes the others sign with the new key at once. */
  readonly keys?: KeyRing;
  readonly notifications?: Notifications;
  readonly logger: Logger;
}): SharedChanges {
  const { bus, logger } = parts;
  const stops: Array<() => void> = [];
  const publish = (topic: string, key?: string) => {
    bus
      .publish(topic, key)
      .catch((err: unknown) => logger.error({ err, topic }, "telling the replicas failed"));
  };

  if (parts.accounts) {
    const accounts = parts.accounts;
    // Inside the write's transaction: delivered with the commit, before the API call that made it answers.
    accounts.announceWith((trx) => bus.publish(ACCOUNTS, undefined, trx));
    stops.push(bus.subscribe(ACCOUNTS, () => accounts.changedElsewhere()));
  }
  if (parts.keys) {
    const keys = parts.keys;
    stops.push(keys.onRotated(() => publish(TOKEN_KEYS)));
    stops.push(bus.subscribe(TOKEN_KEYS, () => keys.forget()));
  }
  if (parts.notifications) {
    const notifications = parts.notifications;
    stops.push(notifications.onSubscriptionsChanged((project) => publish(WEBHOOKS, project)));
    stops.push(bus.subscribe(WEBHOOKS, (project) => notifications.forgetSubscriptions(project)));
  }

  const allListeners = new Set<() => void>();
  const forgetEverything = () => {
    for (const listener of allListeners) listener();
  };
  stops.push(
    parts.events.on("*", (event) => {
      const affected = affectedBy(event);
      if (affected.all) publish(REGISTRY);
      else if (affected.digests.length > 0 || affected.index !== undefined) {
        publish(REGISTRY, JSON.stringify(sharedEvent(event)));
      }
    }),
  );
  stops.push(parts.scans.onChange((digest) => publish(SCANS, digest)));

  return {
    gateEvents: {
      on: (_type, listener) => {
        const local = parts.events.on("*", listener);
        const remote = bus.subscribe(REGISTRY, (key) => {
          const event = key === undefined ? undefined : registryEventOf(key);
          if (event) listener(event);
          else forgetEverything();
        });
        return () => {
          local();
          remote();
        };
      },
    },
    scanChanges: (listener) => {
      const local = parts.scans.onChange(listener);
      const remote = bus.subscribe(SCANS, (digest) =>
        digest === undefined ? forgetEverything() : listener(digest),
      );
      return () => {
        local();
        remote();
      };
    },
    forgetAll: (listener) => {
      allListeners.add(listener);
      return () => allListeners.delete(listener);
    },
    close: () => {
      for (const stop of stops.splice(0)) stop();
    },
  };
}

function sharedEvent(event: RegistryEvent): SharedEvent | undefined {
  if (event.type === "manifest.pushed") {
    return {
      type: event.type,
      repository: event.repository,
      digest: event.digest,
      mediaType: event.mediaType,
      tags: event.tags,
      ...(event.subject !== undefined ? { subject: event.subject } : {}),
    };
  }
  if (event.type === "tag.changed") return { type: event.type, repository: event.repository, tag: event.tag };
  return undefined;
}

/**
 * Another replica's event, rebuilt for the verdict cache only (never re-emitted on this process's
 * EventBus: scanning, webhooks and the record already ran where it happened). Anything malformed is
 * undefined, which forgets every verdict: a payload read here fails toward dropping, never keeping.
 */
function registryEventOf(key: string): RegistryEvent | undefined {
  let shared: SharedEvent;
  try {
    shared = JSON.parse(key) as SharedEvent;
  } catch {
    return undefined;
  }
  if (typeof shared !== "object" || shared === null || typeof shared.repository !== "string")
    return undefined;
  if (shared.type === "manifest.pushed") {
    if (
      typeof shared.digest !== "string" ||
      typeof shared.mediaType !== "string" ||
      !Array.isArray(shared.tags)
    ) {
      return undefined;
    }
    return {
      type: "manifest.pushed",
      repository: shared.repository,
      digest: shared.digest,
      mediaType: shared.mediaType,
      size: 0,
      tags: shared.tags.filter((t): t is string => typeof t === "string"),
      ...(typeof shared.subject === "string" ? { subject: shared.subject } : {}),
      actor: SYSTEM_ACTOR,
    };
  }
  if (shared.type === "tag.changed" && typeof shared.tag === "string") {
    return {
      type: "tag.changed",
      repository: shared.repository,
      tag: shared.tag,
      from: null,
      to: null,
      actor: SYSTEM_ACTOR,
    };
  }
  return undefined;
}
