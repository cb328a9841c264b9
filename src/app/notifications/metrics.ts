import { Counter, Gauge, Histogram, type Registry as PromRegistry } from "prom-client";

/**
 * Prometheus metrics of webhook deliveries, registered on the server's registry by `server/` (one set
 * per platform, so several test servers in one process do not share them). Labels are the event type
 * and the outcome only: never a URL, project or webhook id (unbounded, and a URL may carry a token).
 */
export class NotificationMetrics {
  /** Attempts by event type and outcome: delivered, retry (failed, will be tried again), failed (gave up). */
  readonly attempts = new Counter<"event_type" | "outcome">({
    name: "portcullis_webhook_deliveries_total",
    help: "Webhook delivery attempts by CloudEvents type and outcome (delivered, retry, failed)",
    labelNames: ["event_type", "outcome"],
    registers: [],
  });
  readonly duration = new Histogram<"event_type">({
    name: "portcullis_webhook_delivery_duration_seconds",
    help: "Webhook delivery attempt duration by CloudEvents type",
    labelNames: ["event_type"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  readonly depth: Gauge;

  constructor(pending: () => Promise<number>) {
    this.depth = new Gauge({
      name: "portcullis_webhook_queue_depth",
      help: "Webhook deliveries waiting for their first attempt or a retry",
      registers: [],
      async collect() {
        this.set(await pending());
      },
    });
  }

  registerOn(registry: PromRegistry): void {
    for (const metric of [this.attempts, this.duration, this.depth]) registry.registerMetric(metric);
  }
}
