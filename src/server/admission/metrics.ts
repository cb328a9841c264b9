import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry as PromRegistry } from "prom-client";
import type { Decision } from "../../policy/index.js";

/**
 * Prometheus metrics of the admission webhook, on a registry of its own (the registry server's
 * ServerMetrics is another process's, or another port's, business). Names follow ServerMetrics:
 * `portcullis_` prefix, `_total` counters, seconds. Labels are closed sets only — never an image,
 * namespace or user, which would make one series per workload. Every labelled series is bound once
 * here, so the review path costs a counter increment and a histogram observation, nothing more.
 */

export type ReviewOperation = "validate" | "mutate";
/** Why the deadline guard replaced a decision: it came too late, or the gate threw. */
export type DecisionFailureReason = "deadline" | "error";
/**
 * What turned a failing verdict into the effect: the break-glass annotation (effect warn), dry-run
 * enforcement (effect allow, "would deny"), or nothing. Named as the policy engine names them.
 */
export type DecisionOverride = "none" | "break-glass" | "dry-run";

export interface AdmissionMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC) on this registry too; default true. */
  readonly defaultMetrics?: boolean;
}

/** Buckets from 0.5 ms (a cached decision) to 10 s (the API server's default webhook timeout). */
export const REVIEW_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type CounterChild = Counter.Internal;
type HistogramChild = Histogram.Internal<"operation">;
type Effect = Decision["effect"];

const OPERATIONS: readonly ReviewOperation[] = ["validate", "mutate"];
const EFFECTS: readonly Effect[] = ["allow", "warn", "deny"];
const OVERRIDES: readonly DecisionOverride[] = ["none", "break-glass", "dry-run"];
/** The combinations the engine produces (policy/evaluate.ts): these series start at 0. */
const KNOWN_DECISIONS: readonly (readonly [Effect, DecisionOverride])[] = [
  ["allow", "none"],
  ["warn", "none"],
  ["deny", "none"],
  ["warn", "break-glass"],
  ["allow", "dry-run"],
];
/** Statuses Fastify and the handler answer /validate and /mutate with; others fold into a class. */
const ERROR_STATUSES = ["400", "413", "415", "500", "4xx", "5xx"] as const;
type ErrorStatus = (typeof ERROR_STATUSES)[number];

function errorStatus(status: number): ErrorStatus {
  if (status === 400 || status === 413 || status === 415 || status === 500)
    return String(status) as ErrorStatus;
  return status < 500 ? "4xx" : "5xx";
}

/** Binds one child per combination of label values, so counting never builds a label object. */
function bind<K extends string, V>(keys: readonly K[], child: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((k) => [k, child(k)])) as Record<K, V>;
}

export function overrideOf(decision: Decision): DecisionOverride {
  if (decision.verdict !== "fail") return "none";
  if (decision.breakGlass !== undefined && decision.effect === "warn") return "break-glass";
  return decision.mode === "dry-run" ? "dry-run" : "none";
}

export class AdmissionMetrics {
  readonly registry = new PromRegistry();
  private readonly answered: Record<ReviewOperation, Record<"true" | "false", CounterChild>>;
  private readonly errors: Record<ReviewOperation, Record<ErrorStatus, CounterChild>>;
  private readonly durations: Record<ReviewOperation, HistogramChild>;
  private readonly decisions: Record<Effect, Record<DecisionOverride, CounterChild>>;
  private readonly failures: Record<DecisionFailureReason, CounterChild>;
  private readonly policyInfo: Gauge<"policy_digest">;
  private readonly reloads: Record<"ok" | "error", CounterChild>;
  private readonly checks: Counter;

  constructor(options: AdmissionMetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "portcullis_" });

    // Series that can occur start at 0, so rate() and alerts see them before the first event.
    const reviews = new Counter({
      name: "portcullis_admission_reviews_total",
      help: "AdmissionReviews answered, by operation and whether the answer allowed the object",
      labelNames: ["operation", "allowed"],
      registers,
    });
    this.answered = bind(OPERATIONS, (op) => bind(["true", "false"] as const, (a) => reviews.labels(op, a)));
    for (const op of OPERATIONS) for (const a of ["true", "false"] as const) this.answered[op][a].inc(0);

    const errors = new Counter({
      name: "portcullis_admission_review_errors_total",
      help: "Requests to /validate or /mutate answered with an HTTP error instead of a review (400: not an AdmissionReview)",
      labelNames: ["operation", "status"],
      registers,
    });
    this.errors = bind(OPERATIONS, (op) => bind(ERROR_STATUSES, (s) => errors.labels(op, s)));
    for (const op of OPERATIONS) for (const s of ["400", "500"] as const) this.errors[op][s].inc(0);

    const duration = new Histogram({
      name: "portcullis_admission_review_duration_seconds",
      help: "Time from a parsed request to its answer, by operation",
      labelNames: ["operation"],
      buckets: REVIEW_DURATION_BUCKETS,
      registers,
    });
    this.durations = bind(OPERATIONS, (op) => duration.labels(op));

    const decisions = new Counter({
      name: "portcullis_admission_image_decisions_total",
      help: "Policy decisions in answered reviews, one per container image, by effect and what overrode a failing verdict",
      labelNames: ["effect", "override"],
      registers,
    });
    this.decisions = bind(EFFECTS, (e) => bind(OVERRIDES, (o) => decisions.labels(e, o)));
    for (const [e, o] of KNOWN_DECISIONS) this.decisions[e][o].inc(0);

    const failures = new Counter({
      name: "portcullis_admission_decision_failures_total",
      help: "Reviews whose decision the failure policy replaced: it missed the deadline, or it threw",
      labelNames: ["reason"],
      registers,
    });
    this.failures = bind(["deadline", "error"] as const, (r) => failures.labels(r));
    this.failures.deadline.inc(0);
    this.failures.error.inc(0);

    this.policyInfo = new Gauge({
      name: "portcullis_admission_policy_info",
      help: "1 for the policy in force, labelled by the sha256 of its file",
      labelNames: ["policy_digest"],
      registers,
    });
    const reloads = new Counter({
      name: "portcullis_admission_policy_reloads_total",
      help: "Policy file reloads, by result (error: the policy in force stays)",
      labelNames: ["result"],
      registers,
    });
    this.reloads = bind(["ok", "error"] as const, (r) => reloads.labels(r));
    this.reloads.ok.inc(0);
    this.reloads.error.inc(0);
    this.checks = new Counter({
      name: "portcullis_admission_policy_checks_total",
      help: "Looks at the policy and its key files for a change (every --policy-reload, and on SIGHUP), whatever they found",
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format, for GET /metrics. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** One AdmissionReview answered (HTTP 200), whatever it said. */
  reviewAnswered(operation: ReviewOperation, allowed: boolean, seconds: number): void {
    this.answered[operation][allowed ? "true" : "false"].inc();
    this.durations[operation].observe(seconds);
  }

  /** /validate or /mutate answered with an HTTP error; `seconds` when the request reached the handler. */
  reviewFailed(operation: ReviewOperation, status: number, seconds?: number): void {
    this.errors[operation][errorStatus(status)].inc();
    if (seconds !== undefined) this.durations[operation].observe(seconds);
  }

  /** One image's decision, as it went into an answer. */
  imageDecided(decision: Decision): void {
    this.decisions[decision.effect][overrideOf(decision)].inc();
  }

  decisionFailed(reason: DecisionFailureReason): void {
    this.failures[reason].inc();
  }

  /** The policy now in force: its digest replaces the previous one's series. */
  setPolicy(digest: string): void {
    this.policyInfo.reset();
    this.policyInfo.set({ policy_digest: digest }, 1);
  }

  /** One look for a change to the policy's files: says the watcher is alive, and when it last looked. */
  policyChecked(): void {
    this.checks.inc();
  }

  /** One reload of the policy file: ok, or refused (the policy in force stays). */
  policyReloaded(ok: boolean): void {
    this.reloads[ok ? "ok" : "error"].inc();
  }
}
