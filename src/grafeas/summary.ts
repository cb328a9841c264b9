import type { GrafeasOccurrence, GrafeasSeverity, VulnerabilitySummary } from "./model.js";

const ORDER: readonly GrafeasSeverity[] = [
  "CRITICAL",
  "HIGH",
  "MEDIUM",
  "LOW",
  "MINIMAL",
  "SEVERITY_UNSPECIFIED",
];

/**
 * VulnerabilityOccurrencesSummary over VULNERABILITY occurrences: per resource, a fixable and total
 * count per severity. Grafeas spells "across all severities" SEVERITY_UNSPECIFIED, so each resource
 * has one such total row and findings without a severity are counted only there. Counts are int64,
 * which proto3 JSON spells as strings.
 */
export function vulnerabilitySummary(occurrences: readonly GrafeasOccurrence[]): VulnerabilitySummary {
  const byResource = new Map<string, Map<GrafeasSeverity, { fixable: number; total: number }>>();
  for (const o of occurrences) {
    if (o.kind !== "VULNERABILITY") continue;
    const v = (o.vulnerability ?? {}) as {
      effectiveSeverity?: GrafeasSeverity;
      severity?: GrafeasSeverity;
      fixAvailable?: boolean;
    };
    const severity = v.effectiveSeverity ?? v.severity ?? "SEVERITY_UNSPECIFIED";
    const counts = byResource.get(o.resourceUri) ?? new Map();
    byResource.set(o.resourceUri, counts);
    for (const key of severity === "SEVERITY_UNSPECIFIED"
      ? [severity]
      : [severity, "SEVERITY_UNSPECIFIED" as const]) {
      const c = counts.get(key) ?? { fixable: 0, total: 0 };
      c.total += 1;
      if (v.fixAvailable === true) c.fixable += 1;
      counts.set(key, c);
    }
  }
  const rows: Array<VulnerabilitySummary["counts"][number]> = [];
  for (const uri of [...byResource.keys()].sort()) {
    const counts = byResource.get(uri)!;
    for (const severity of ORDER) {
      const c = counts.get(severity);
      if (c)
        rows.push({
          resourceUri: uri,
          severity,
          fixableCount: String(c.fixable),
          totalCount: String(c.total),
        });
    }
  }
  return { counts: rows };
}
