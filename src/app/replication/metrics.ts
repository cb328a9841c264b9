import { Counter, Gauge, type Registry as PromRegistry } from "prom-client";

/**
 * Prometheus metrics of replication, registered on the server's registry by `server/` (one set per
 * platform). Labels are bounded: direction, trigger, state and outcome, never a rule name, remote or
 * repository.
 */
export class ReplicationMetrics {
  readonly runs = new Counter<"direction" | "trigger" | "state">({
    name: "portcullis_replication_runs_total",
    help: "Replication runs finished, by direction, trigger and state (succeeded, failed, error)",
    labelNames: ["direction", "trigger", "state"],
    registers: [],
  });
  readonly artifacts = new Counter<"direction" | "outcome">({
    name: "portcullis_replication_artifacts_total",
    help: "Replicated artifacts by direction and outcome (copied, present, skipped, deleted, failed)",
    labelNames: ["direction", "outcome"],
    registers: [],
  });
  readonly bytes = new Counter<"direction">({
    name: "portcullis_replication_bytes_total",
    help: "Manifest and blob bytes sent by replication, by direction",
    labelNames: ["direction"],
    registers: [],
  });
  readonly running = new Gauge({
    name: "portcullis_replication_runs_running",
    help: "Replication runs in progress in this process",
    registers: [],
  });

  registerOn(registry: PromRegistry): void {
    for (const metric of [this.runs, this.artifacts, this.bytes, this.running])
      registry.registerMetric(metric);
  }
}
