import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry as PromRegistry } from "prom-client";
import type { Registry } from "../registry/index.js";
import type { Database } from "../storage/index.js";

/** Prometheus metrics for one server: requests and latency by route, bytes in and out, uploads, storage. */
export class ServerMetrics {
  readonly registry = new PromRegistry();
  readonly requests: Counter<"method" | "route" | "status">;
  readonly latency: Histogram<"method" | "route">;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;
  readonly connectionsRefused: Counter<"reason">;
  readonly bodiesCut: Counter<"reason">;

  constructor(registry: Registry, database?: Pick<Database, "statements">) {
    collectDefaultMetrics({ register: this.registry, prefix: "portcullis_" });
    this.requests = new Counter({
      name: "portcullis_http_requests_total",
      help: "HTTP requests by method, route and status",
      labelNames: ["method", "route", "status"],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: "portcullis_http_request_duration_seconds",
      help: "HTTP request latency by method and route",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.bytesIn = new Counter({
      name: "portcullis_registry_bytes_received_total",
      help: "Blob and manifest bytes received",
      registers: [this.registry],
    });
    this.bytesOut = new Counter({
      name: "portcullis_registry_bytes_sent_total",
      help: "Blob and manifest bytes sent",
      registers: [this.registry],
    });
    this.connectionsRefused = new Counter({
      name: "portcullis_http_connections_refused_total",
      help: "Connections refused at a cap (reason: total or address)",
      labelNames: ["reason"],
      registers: [this.registry],
    });
    this.bodiesCut = new Counter({
      name: "portcullis_http_bodies_cut_total",
      help: "Request bodies cut off (reason: idle or slow)",
      labelNames: ["reason"],
      registers: [this.registry],
    });
    const statements = database?.statements;
    if (statements) {
      let counted = 0;
      new Counter({
        name: "portcullis_database_statements_total",
        help: "Statements sent to PostgreSQL (its round trips, BEGIN and COMMIT included)",
        registers: [this.registry],
        collect() {
          const now = statements();
          this.inc(now - counted);
          counted = now;
        },
      });
    }
    new Gauge({
      name: "portcullis_registry_open_uploads",
      help: "Blob uploads in progress",
      registers: [this.registry],
      async collect() {
        this.set(await registry.openUploads());
      },
    });
    new Gauge({
      name: "portcullis_registry_stored_bytes",
      help: "Bytes held by committed blobs",
      registers: [this.registry],
      async collect() {
        this.set(await registry.storedBytes());
      },
    });
  }
}
