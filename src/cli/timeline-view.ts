import type { TimelinePage } from "./api-client.js";

type Payload = Record<string, unknown>;

function obj(value: unknown): Payload {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Payload) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Severity counts as `critical 1, high 2` (zeros left out), or "none". */
export function countsLine(counts: unknown): string {
  const c = obj(counts);
  const parts = ["critical", "high", "medium", "low", "unknown"]
    .filter((s) => typeof c[s] === "number" && (c[s] as number) > 0)
    .map((s) => `${s} ${c[s]}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/**
 * The one-line detail of an entry beyond its summary, by kind: who built it from what (H5's
 * build.provenance payload: builderId, source {uri, digest}, dockerfileDigest, verified), the findings
 * a scan had then, which gate and rule decided. Plain text only: a payload is data, never markup.
 */
export function detailOf(kind: string, payload: unknown): string {
  const p = obj(payload);
  switch (kind) {
    case "build.provenance": {
      const source = obj(p.source);
      const parts = [
        str(p.builderId) && `builder ${p.builderId}`,
        str(source.uri) && `source ${source.uri}${str(source.digest) ? `@${source.digest}` : ""}`,
        str(p.dockerfileDigest) && `Dockerfile ${p.dockerfileDigest}`,
        typeof p.verified === "boolean" && (p.verified ? "verified" : "NOT verified"),
        str(p.signedBy) && `signed by ${p.signedBy}`,
      ];
      return parts.filter(Boolean).join("; ");
    }
    case "image.scanned":
      return p.status === "done"
        ? `findings then: ${countsLine(p.counts)}`
        : `scan ${String(p.status ?? "")}`;
    case "gate.decision": {
      const rules = Array.isArray(p.rules) ? p.rules.map(obj) : [];
      const failed = rules.find((r) => r.effect === "deny" || r.passed === false || r.outcome === "fail");
      const rule = str(failed?.id) ?? str(failed?.rule) ?? str(failed?.name);
      return [
        str(p.gate) && `gate ${p.gate}`,
        str(p.effect),
        str(p.workload) && `workload ${p.workload}`,
        rule && `rule ${rule}`,
      ]
        .filter(Boolean)
        .join("; ");
    }
    case "runtime.alert":
      return [str(p.rule) && `rule ${p.rule}`, str(p.priority)].filter(Boolean).join("; ");
    default:
      return "";
  }
}

/** "What it might have done", as lines for people. */
export function mightHaveDoneLines(page: Pick<TimelinePage, "mightHaveDone">): string[] {
  const lines: string[] = [];
  const exposure = page.mightHaveDone.exposure;
  if (exposure) {
    const spec = obj(exposure.spec);
    lines.push(`  workload spec (entry ${exposure.index}, ${new Date(exposure.at).toISOString()}):`);
    const host = ["hostNetwork", "hostPID", "hostIPC"].filter((k) => spec[k] === true);
    if (host.length > 0) lines.push(`    host namespaces: ${host.join(", ")}`);
    if (str(spec.serviceAccount)) lines.push(`    service account: ${spec.serviceAccount}`);
    const paths = Array.isArray(spec.hostPaths) ? spec.hostPaths.map(obj) : [];
    if (paths.length > 0) lines.push(`    hostPath mounts: ${paths.map((v) => String(v.path)).join(", ")}`);
    for (const c of Array.isArray(spec.containers) ? spec.containers.map(obj) : []) {
      const sc = obj(c.securityContext);
      const bits = [
        sc.privileged === true && "privileged",
        sc.allowPrivilegeEscalation === true && "allowPrivilegeEscalation",
        sc.runAsNonRoot === true
          ? "runAsNonRoot"
          : typeof sc.runAsUser === "number"
            ? `runAsUser ${sc.runAsUser}`
            : "may run as root",
        sc.readOnlyRootFilesystem === true ? "read-only root" : "writable root",
        Array.isArray(sc.capabilitiesAdd) &&
          sc.capabilitiesAdd.length > 0 &&
          `caps +${sc.capabilitiesAdd.join(",+")}`,
        ...(Array.isArray(c.ports)
          ? c.ports
              .map(obj)
              .map(
                (port) => `port ${port.containerPort}${port.hostPort ? ` (hostPort ${port.hostPort})` : ""}`,
              )
          : []),
      ].filter(Boolean);
      lines.push(`    container ${String(c.name ?? "")}: ${bits.join("; ")}`);
    }
  } else lines.push("  workload spec: none recorded (no Kubernetes audit event with its spec)");
  const risky = page.mightHaveDone.riskyPackages;
  if (risky.length === 0) lines.push("  risky packages: none in the stored SBOM (or no SBOM)");
  for (const kind of ["shell", "package-manager", "compiler"] as const) {
    const names = risky
      .filter((r) => r.kind === kind)
      .map((r) => (r.version ? `${r.name} ${r.version}` : r.name));
    if (names.length > 0) lines.push(`  ${kind}s: ${[...new Set(names)].join(", ")}`);
  }
  return lines;
}
