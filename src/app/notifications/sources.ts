import type { Logger } from "pino";
import type { AuditEntry } from "../../audit/index.js";
import { projectOf } from "../../auth/index.js";
import type { Decision } from "../../policy/index.js";
import type { EventBus } from "../../registry/index.js";
import type { DecisionContext, DecisionRecorder } from "../gates/audit.js";
import type { ScanStore } from "../scanning/index.js";
import type { Notice } from "./events.js";
import type { Notifications } from "./service.js";

/**
 * Where notices come from: the registry's events (push, delete), the scan store's changes (a scan
 * finished, criticals not seen before on that digest), gate decisions (a denial) and runtime alerts
 * (`runtimeAlert`, for the runtime ingestion to call). Publishing never delays or fails the action it
 * reports: failures are logged.
 */
export interface NotificationSources {
  /** Wraps the recorder the gates use, so a recorded denial is announced too. */
  recorder(inner: DecisionRecorder): DecisionRecorder;
  /** Announces a runtime alert (Falco and the like) about an image of a project. */
  runtimeAlert(alert: RuntimeAlert): Promise<void>;
  /** Stops listening. */
  close(): void;
}

export interface RuntimeAlert {
  readonly repository: string;
  readonly digest?: string;
  /** The rule or alert name (`Terminal shell in container`). */
  readonly rule: string;
  readonly priority: string;
  readonly output: string;
  readonly time?: string;
  readonly source?: string;
}

export interface SourceOptions {
  readonly notifications: Notifications;
  readonly events: EventBus;
  readonly scans: ScanStore;
  /** HOST:PORT the gates write in front of repository names (`host/repository@digest`). */
  readonly registryHost: string;
  readonly logger: Logger;
}

export function notificationSources(options: SourceOptions): NotificationSources {
  const { notifications, logger } = options;
  const publish = (notice: Notice) => {
    notifications
      .publish(notice)
      .catch((err) => logger.error({ err, type: notice.type }, "queueing a webhook notification failed"));
  };
  const image = (repository: string, digest: string) => ({
    source: repository,
    subject: `${repository}@${digest}`,
  });

  const scanning = new Map<string, Promise<void>>();
  const stops = [
    options.events.on("manifest.pushed", (event) =>
      publish({
        project: projectOf(event.repository),
        type: "dev.portcullis.image.pushed",
        ...image(event.repository, event.digest),
        data: {
          repository: event.repository,
          digest: event.digest,
          mediaType: event.mediaType,
          size: event.size,
          tags: event.tags,
          ...(event.subject !== undefined ? { subjectDigest: event.subject } : {}),
          actor: event.actor.subject,
        },
      }),
    ),
    options.events.on("manifest.deleted", (event) =>
      publish({
        project: projectOf(event.repository),
        type: "dev.portcullis.image.deleted",
        ...image(event.repository, event.digest),
        data: {
          repository: event.repository,
          digest: event.digest,
          tags: event.tags,
          actor: event.actor.subject,
        },
      }),
    ),
    options.scans.onChange((digest) => {
      // One digest's changes are announced in order: a re-match right after a scan must see the
      // criticals the scan recorded, or both would count as the first.
      const next = (scanning.get(digest) ?? Promise.resolve())
        .then(() => scanChanged(digest))
        .catch((err) => logger.error({ err, digest }, "announcing a scan failed"))
        .finally(() => {
          if (scanning.get(digest) === next) scanning.delete(digest);
        });
      scanning.set(digest, next);
    }),
  ];

  const scanChanged = async (digest: string) => {
    const scan = await options.scans.get(digest);
    if (scan?.status !== "done" || !scan.report) return;
    const { repository } = scan;
    const project = projectOf(repository);
    const { summary } = scan.report;
    publish({
      project,
      type: "dev.portcullis.scan.completed",
      ...image(repository, digest),
      data: {
        repository,
        digest,
        counts: {
          critical: summary.critical,
          high: summary.high,
          medium: summary.medium,
          low: summary.low,
          unknown: summary.unknown,
        },
        suppressed: summary.suppressed,
        violations: summary.violations,
        complete: scan.report.complete,
        ...(scan.advisoryRevision ? { advisoryRevision: scan.advisoryRevision } : {}),
      },
    });
    const criticals = scan.report.findings.filter((f) => f.severity === "CRITICAL" && !f.suppressed);
    const { first, fresh } = await notifications.criticalsNotSeen(
      digest,
      criticals.map((f) => `${f.id} ${f.package.purl}`),
    );
    // The first scan's criticals are in its scan.completed; "new" means found by a later re-scan.
    if (first || fresh.length === 0) return;
    const wanted = new Set(fresh);
    publish({
      project,
      type: "dev.portcullis.finding.critical",
      ...image(repository, digest),
      data: {
        repository,
        digest,
        findings: criticals
          .filter((f) => wanted.has(`${f.id} ${f.package.purl}`))
          .map((f) => ({
            id: f.id,
            package: f.package.name,
            purl: f.package.purl,
            installedVersion: f.installedVersion,
            ...(f.fixedVersion !== undefined ? { fixedVersion: f.fixedVersion } : {}),
          })),
      },
    });
  };

  const denied = (decision: Decision, context: DecisionContext, entry: AuditEntry) => {
    const prefix = `${options.registryHost}/`;
    // Only images of this registry belong to a project here (admission and CI name any registry).
    if (!context.image.startsWith(prefix)) return;
    const reference = context.image.slice(prefix.length);
    const repository = reference.split("@")[0]!.replace(/:[^/:]+$/, "");
    const digest = context.digest;
    publish({
      project: projectOf(repository),
      type: "dev.portcullis.policy.denied",
      source: repository,
      ...(digest !== undefined ? { subject: `${repository}@${digest}` } : {}),
      data: {
        gate: context.gate,
        image: context.image,
        ...(digest !== undefined ? { digest } : {}),
        ...(context.actor !== undefined ? { actor: context.actor } : {}),
        reason: decision.reason,
        rules: decision.rules.filter((r) => !r.passed).map((r) => ({ rule: r.rule, reason: r.reason })),
        mode: decision.mode,
        ...(decision.policyDigest !== undefined ? { policyDigest: decision.policyDigest } : {}),
        auditEntry: entry.id,
      },
    });
  };

  return {
    recorder: (inner) => ({
      record: async (decision, context) => {
        const entry = await inner.record(decision, context);
        if (decision.effect === "deny") denied(decision, context, entry);
        return entry;
      },
    }),
    runtimeAlert: async (alert) => {
      await notifications.publish({
        project: projectOf(alert.repository),
        type: "dev.portcullis.runtime.alert",
        source: alert.repository,
        ...(alert.digest !== undefined ? { subject: `${alert.repository}@${alert.digest}` } : {}),
        data: { ...alert },
      });
    },
    close: () => {
      for (const stop of stops) stop();
    },
  };
}
