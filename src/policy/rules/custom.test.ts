import { describe, expect, it } from "vitest";
import { resultsOf } from "../testing.js";

const evidence = {
  config: { user: "1000", labels: { team: "payments" } },
  scan: { scannedAt: "2026-06-01T10:00:00Z", findings: [{ id: "CVE-1", severity: "LOW" as const }] },
};

describe("custom", () => {
  it.each([
    [
      "image.registry == 'registry.example.com'",
      undefined,
      true,
      "\"image.registry == 'registry.example.com'\" holds",
    ],
    [
      "request.namespace.startsWith('team-')",
      "namespaces start with team-",
      false,
      "namespaces start with team-",
    ],
    ["evidence.config.labels.team == 'payments'", undefined, true, "holds"],
    ["size(evidence.scan.findings) == 0", undefined, false, '"size(evidence.scan.findings) == 0" is false'],
    ["now - timestamp(evidence.scan.scannedAt) < duration('6h')", undefined, true, "holds"],
    ["evidence.signatures.size() > 0", undefined, false, "could not be evaluated: No such key: signatures"],
    ["has(request.annotations) && request.annotations['x'] == 'y'", undefined, false, "is false"],
  ])("%s", (expression, message, passed, reason) => {
    const [result] = resultsOf(
      { custom: [{ name: "check", expression, ...(message ? { message } : {}) }] },
      { evidence },
      "custom",
    );
    expect(result).toMatchObject({ rule: "custom.check", passed });
    expect(result!.reason).toContain(reason);
  });
});
