/**
 * Turns the raw results into docs/benchmarks.md: a header describing the machine and the run, how to
 * reproduce it, and one table comparing Portcullis with Distribution against the targets from the issue.
 */
import type { TargetName } from "./targets.js";
import type { BenchConfig, Phase, WORKLOADS, WorkloadName } from "./workloads.js";

export type Outcome<T> =
  | { readonly ok: true; readonly result: T }
  | { readonly ok: false; readonly error: string };

export type WorkloadResults = {
  [K in WorkloadName]?: Outcome<Awaited<ReturnType<(typeof WORKLOADS)[K]>>>;
};

export type TargetStatus = "ok" | "failed to start" | "not installed" | "skipped";

export interface TargetResult {
  readonly name: TargetName;
  readonly label: string;
  readonly status: TargetStatus;
  readonly reason: string | null;
  readonly version: string | null;
  readonly url: string | null;
  readonly idleRssMiB: number | null;
  /** The last few KiB the server wrote to stdout/stderr (warnings, crash traces). */
  readonly outputTail: string | null;
  readonly workloads: WorkloadResults;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** os.loadavg() (1, 5, 15 min) when the run started and when it ended. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
}

export interface BenchResults {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly config: BenchConfig;
  readonly only: TargetName | null;
  readonly targets: readonly TargetResult[];
}

type Better = "higher" | "lower";

type Rule =
  | { readonly kind: "vs-peer"; readonly factor: number }
  | { readonly kind: "below"; readonly limit: number; readonly unit: string }
  | { readonly kind: "none" };

interface Row {
  readonly metric: string;
  readonly better: Better;
  readonly digits: number;
  readonly workload: WorkloadName | null;
  readonly value: (t: TargetResult) => number | null | undefined;
  readonly rule: Rule;
}

function result<K extends WorkloadName>(
  t: TargetResult,
  k: K,
): Awaited<ReturnType<(typeof WORKLOADS)[K]>> | undefined {
  const outcome = t.workloads[k];
  return outcome?.ok ? (outcome.result as Awaited<ReturnType<(typeof WORKLOADS)[K]>>) : undefined;
}

function maxOf(...values: (number | null | undefined)[]): number | null | undefined {
  const present = values.filter((v): v is number => typeof v === "number");
  return present.length > 0 ? Math.max(...present) : undefined;
}

const RSS_LIMIT: Rule = { kind: "below", limit: 150, unit: "MiB" };
const TAGS_LIMIT: Rule = { kind: "below", limit: 50, unit: "ms" };

function rows(config: BenchConfig): Row[] {
  const big = `${config.bigMiB} MiB, median of ${config.bigRounds} rounds`;
  const n = config.smallCount.toLocaleString("en-US");
  const tags = config.tags.toLocaleString("en-US");
  return [
    {
      metric: `Big blob (${big}) push, MiB/s`,
      better: "higher",
      digits: 1,
      workload: "big-blob",
      value: (t) => result(t, "big-blob")?.push.mibPerSec,
      rule: { kind: "vs-peer", factor: 1 },
    },
    {
      metric: `Big blob (${big}) pull, MiB/s`,
      better: "higher",
      digits: 1,
      workload: "big-blob",
      value: (t) => result(t, "big-blob")?.pull.mibPerSec,
      rule: { kind: "vs-peer", factor: 1 },
    },
    {
      metric: "Peak server RSS during big blob push, MiB",
      better: "lower",
      digits: 1,
      workload: "big-blob",
      value: (t) => result(t, "big-blob")?.push.peakRssMiB,
      rule: RSS_LIMIT,
    },
    {
      metric: "Peak server RSS during big blob pull, MiB",
      better: "lower",
      digits: 1,
      workload: "big-blob",
      value: (t) => result(t, "big-blob")?.pull.peakRssMiB,
      rule: RSS_LIMIT,
    },
    {
      metric: `Small blob push (${n} × 1–16 KiB), ops/s`,
      better: "higher",
      digits: 0,
      workload: "small-blobs",
      value: (t) => result(t, "small-blobs")?.push.opsPerSec,
      rule: { kind: "vs-peer", factor: 1.5 },
    },
    {
      metric: "Small blob pull, ops/s",
      better: "higher",
      digits: 0,
      workload: "small-blobs",
      value: (t) => result(t, "small-blobs")?.pull.opsPerSec,
      rule: { kind: "vs-peer", factor: 1.5 },
    },
    {
      metric: `Manifest push by tag (${n}), ops/s`,
      better: "higher",
      digits: 0,
      workload: "manifests",
      value: (t) => result(t, "manifests")?.push.opsPerSec,
      rule: { kind: "vs-peer", factor: 1.5 },
    },
    {
      metric: "Manifest pull by digest, ops/s",
      better: "higher",
      digits: 0,
      workload: "manifests",
      value: (t) => result(t, "manifests")?.pull.opsPerSec,
      rule: { kind: "vs-peer", factor: 1.5 },
    },
    {
      metric: `Tags list (${tags} tags) median, ms`,
      better: "lower",
      digits: 1,
      workload: "tags-list",
      value: (t) => result(t, "tags-list")?.list.medianMs,
      rule: TAGS_LIMIT,
    },
    {
      metric: `Tags list (${tags} tags) p95, ms`,
      better: "lower",
      digits: 1,
      workload: "tags-list",
      value: (t) => result(t, "tags-list")?.list.p95Ms,
      rule: TAGS_LIMIT,
    },
    {
      metric: "Peak server RSS during small blobs, MiB",
      better: "lower",
      digits: 1,
      workload: "small-blobs",
      value: (t) => {
        const r = result(t, "small-blobs");
        return maxOf(r?.push.peakRssMiB, r?.pull.peakRssMiB);
      },
      rule: RSS_LIMIT,
    },
    {
      metric: "Peak server RSS during manifests, MiB",
      better: "lower",
      digits: 1,
      workload: "manifests",
      value: (t) => {
        const r = result(t, "manifests");
        return maxOf(r?.push.peakRssMiB, r?.pull.peakRssMiB);
      },
      rule: RSS_LIMIT,
    },
    {
      metric: "Peak server RSS during tags list (incl. tagging), MiB",
      better: "lower",
      digits: 1,
      workload: "tags-list",
      value: (t) => {
        const r = result(t, "tags-list");
        return maxOf(r?.setup.peakRssMiB, r?.list.peakRssMiB);
      },
      rule: RSS_LIMIT,
    },
    {
      metric: "Idle server RSS after start, MiB",
      better: "lower",
      digits: 1,
      workload: null,
      value: (t) => t.idleRssMiB,
      rule: { kind: "none" },
    },
  ];
}

function cellText(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function fmt(value: number, digits: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

interface Measured {
  readonly value: number | null;
  readonly text: string;
}

function measured(row: Row, t: TargetResult | undefined): Measured {
  if (!t) return { value: null, text: "—" };
  if (t.status !== "ok") return { value: null, text: t.status };
  if (row.workload !== null) {
    const outcome = t.workloads[row.workload];
    if (!outcome) return { value: null, text: "not run" };
    if (!outcome.ok) return { value: null, text: "error (see notes)" };
  }
  const v = row.value(t);
  return typeof v === "number" && Number.isFinite(v)
    ? { value: v, text: fmt(v, row.digits) }
    : { value: null, text: "n/a" };
}

function statusText(t: TargetResult | undefined): string {
  if (!t) return "—";
  if (t.status === "ok") return "ok";
  if (!t.reason) return t.status;
  return `${t.status}: ${t.reason.length > 200 ? `${t.reason.slice(0, 200)}…` : t.reason}`;
}

function ruleText(rule: Rule): string {
  switch (rule.kind) {
    case "vs-peer":
      return rule.factor === 1 ? "≥ Distribution" : `≥ ${rule.factor}× Distribution`;
    case "below":
      return `< ${rule.limit} ${rule.unit}`;
    case "none":
      return "";
  }
}

function verdict(rule: Rule, p: Measured, d: Measured, portcullis: TargetResult | undefined): string {
  if (rule.kind === "none") return "—";
  if (!portcullis || portcullis.status === "skipped") return `${ruleText(rule)}: not evaluated`;
  if (p.value === null) return `${ruleText(rule)}: ❌ (not measured)`;
  if (rule.kind === "below") return `${ruleText(rule)}: ${p.value < rule.limit ? "✅" : "❌"}`;
  if (d.value === null || d.value === 0) return `${ruleText(rule)}: — (no Distribution figure)`;
  return `${ruleText(rule)}: ${p.value / d.value >= rule.factor ? "✅" : "❌"}`;
}

export function renderMarkdown(r: BenchResults): string {
  const byName = new Map(r.targets.map((t) => [t.name, t]));
  const p = byName.get("portcullis");
  const d = byName.get("distribution");
  const out: string[] = [];
  const line = (s = ""): void => {
    out.push(s);
  };

  line("# Benchmarks");
  line();
  line(
    "Portcullis and CNCF Distribution measured side by side over HTTP in the same run, with the same client code",
  );
  line("on the same machine. This file is generated by `npm run bench`; do not edit it by hand.");
  line();
  line(`- **Date:** ${r.startedAt} (run took ${fmt(r.durationSeconds, 0)} s)`);
  line(
    `- **Machine:** ${r.machine.cpus} CPUs (nproc; ${r.machine.cpuModel}), ${fmt(r.machine.totalMemoryGiB, 1)} GiB RAM, ${r.machine.os}`,
  );
  line(
    `- **Load average (1/5/15 min):** ${r.machine.loadAverageStart.map((v) => fmt(v, 2)).join(" / ")} at start, ` +
      `${r.machine.loadAverageEnd.map((v) => fmt(v, 2)).join(" / ")} at end (other work on the machine skews the figures)`,
  );
  line(`- **Node.js:** ${r.machine.node}`);
  line(
    `- **Distribution:** ${d?.version ?? "not installed"}${d && d.status !== "ok" ? ` — ${d.status}` : ""} (\`docker-registry --version\`, filesystem storage)`,
  );
  line(`- **Portcullis:** ${p?.version ?? "unknown"}${p && p.status !== "ok" ? ` — ${p.status}` : ""}`);
  line(
    `- **Settings:** big blob ${r.config.bigMiB} MiB, ${r.config.smallCount} small blobs / manifests, ` +
      `${r.config.tags} tags, concurrency ${r.config.concurrency}${r.only ? `, only ${r.only}` : ""}`,
  );
  line();
  line("## Reproduce");
  line();
  line("```sh");
  line("npm run build   # Portcullis is started from bin/portcullis.js, which loads dist/");
  line(
    "npm run bench   # needs /usr/bin/docker-registry (Debian package docker-registry) for the comparison",
  );
  line("```");
  line();
  line("| Environment variable | Default | Meaning |");
  line("| --- | --- | --- |");
  line("| `BENCH_ONLY` | both | `portcullis` or `distribution` to bench a single target |");
  line("| `BENCH_BIG_MIB` | 1024 | size of the big blob in MiB (e.g. 64 for a quick run) |");
  line(
    "| `BENCH_BIG_ROUNDS` | 3 | big-blob rounds per target (distinct blobs, targets alternating; the median is reported) |",
  );
  line("| `BENCH_LINT_FILES` | 10000 | Dockerfiles to lint (0 skips the lint benchmark) |");
  line("| `BENCH_TRIVY` | 1 | 0 skips the Trivy side of the lint benchmark |");
  line(
    "| `BENCH_PARTS` | registry,lint,scan,trust,admission,sbom,auth,console,record | the parts to measure; the others keep their previous section in this file |",
  );
  line("| `BENCH_SBOM_COMPONENTS` | 1000000 | components of the large-SBOM document (`sbom` part) |");
  line("| `BENCH_SMALL_COUNT` | 1000 | number of small blobs, and of manifests |");
  line("| `BENCH_TAGS` | 10000 | number of tags for the tags-list workload |");
  line("| `BENCH_CONCURRENCY` | 16 | concurrent client workers for small blobs, manifests and tagging |");
  line();
  line(
    "Raw results (every phase, RSS sample counts, all tag-list latencies) are written to `.bench/results.json`.",
  );
  line();
  line("## Method");
  line();
  line(
    "- Each server gets a fresh temp data directory and a free loopback port; readiness is `GET /v2/` → 200.",
  );
  line("  Both are started before the first workload; each workload runs against each server in turn,");
  line("  after `sync` so that no phase pays for the previous one's dirty pages.");
  line("- Portcullis runs with its defaults, which fsync every blob before it becomes visible;");
  line("  Distribution never fsyncs. Portcullis is started as users start it (`bin/portcullis.js`), with");
  line(
    "  scan on push off (`PORTCULLIS_SCAN_ON_PUSH=false`): Distribution does not scan; the scanner is measured below.",
  );
  line("- `big-blob`: one deterministic pseudo-random blob streamed as POST → a single chunked PATCH");
  line(
    "  (no Content-Length) → PUT `?digest=`, then pulled with GET; MiB/s = size / wall time. The timed pull",
  );
  line(
    "  is curl into /dev/null (a hashing Node client tops out near 800 MiB/s here and would measure itself);",
  );
  line("  a second, untimed pull re-hashes the bytes against the digest.");
  line(
    "- `small-blobs`: distinct 1–16 KiB blobs, monolithic POST → PUT `?digest=` with the body; pulled and",
  );
  line("  verified; ops/s = blobs / wall time with the configured number of concurrent workers.");
  line(
    "- `manifests`: distinct OCI image manifests (shared config and layer, unique annotation) PUT by tag,",
  );
  line("  then GET by digest with the body verified against the digest.");
  line(
    "- `tags-list`: one manifest tagged N times (untimed setup), then `GET /v2/<repo>/tags/list` (no `n`)",
  );
  line("  3 warm-ups + 20 timed requests; every response must contain exactly N tags.");
  line("- Peak RSS is the largest `VmRSS` of the server process (and any children) sampled from");
  line("  `/proc/<pid>/status` every 50 ms during the phase. Timings use `performance.now()`.");
  line();
  line("## Results");
  line();
  line("| Metric | Portcullis | Distribution | Ratio (Portcullis / Distribution) | Target (issue) |");
  line("| --- | ---: | ---: | ---: | --- |");
  line(`| Server status | ${cellText(statusText(p))} | ${cellText(statusText(d))} | — | — |`);
  for (const row of rows(r.config)) {
    const pm = measured(row, p);
    const dm = measured(row, d);
    let ratio = "—";
    if (pm.value !== null && dm.value !== null && dm.value !== 0) {
      ratio = `${fmt(pm.value / dm.value, 2)}×${row.better === "lower" ? " (lower is better)" : ""}`;
    }
    const cells = [row.metric, pm.text, dm.text, ratio, verdict(row.rule, pm, dm, p)];
    line(`| ${cells.map(cellText).join(" | ")} |`);
  }
  line();
  line(
    "Throughput and ops/s: higher is better. Latency and RSS: lower is better (a ratio below 1 favours Portcullis).",
  );

  line();
  line(
    "Server CPU time (user + system, seconds) per phase — steadier than wall-clock rates on a busy machine:",
  );
  line();
  line("| Phase | Portcullis | Distribution |");
  line("| --- | ---: | ---: |");
  const cpuCell = (t: TargetResult | undefined, phase: (t: TargetResult) => Phase | undefined): string => {
    if (t?.status !== "ok") return t?.status ?? "—";
    const v = phase(t)?.serverCpuSeconds;
    return typeof v === "number" ? fmt(v, 2) : "n/a";
  };
  const cpuRows: [string, (t: TargetResult) => Phase | undefined][] = [
    ["big blob push", (t) => result(t, "big-blob")?.push],
    ["big blob pull", (t) => result(t, "big-blob")?.pull],
    ["small blob push", (t) => result(t, "small-blobs")?.push],
    ["small blob pull", (t) => result(t, "small-blobs")?.pull],
    ["manifest push", (t) => result(t, "manifests")?.push],
    ["manifest pull", (t) => result(t, "manifests")?.pull],
    ["tagging (tags-list setup)", (t) => result(t, "tags-list")?.setup],
    ["tags list, 20 requests", (t) => result(t, "tags-list")?.list],
  ];
  for (const [label, phase] of cpuRows) line(`| ${label} | ${cpuCell(p, phase)} | ${cpuCell(d, phase)} |`);

  const notes: string[] = [];
  for (const t of r.targets) {
    if (t.status !== "ok" && t.reason) notes.push(`${t.label} ${t.status}: ${t.reason}`);
    for (const [name, outcome] of Object.entries(t.workloads)) {
      if (outcome && !outcome.ok) notes.push(`${t.label} \`${name}\` failed: ${outcome.error}`);
    }
    const tagsList = result(t, "tags-list");
    if (tagsList && tagsList.list.pages > 1) {
      notes.push(`${t.label} paginated the tag list (${tagsList.list.pages} requests per full listing).`);
    }
  }
  if (notes.length > 0) {
    line();
    line("### Notes");
    line();
    for (const n of notes) line(`- ${cellText(n.length > 600 ? `${n.slice(0, 600)}…` : n)}`);
  }
  line();
  return out.join("\n");
}
