import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../policy/index.js";
import type { LoadedPolicy } from "../policies.js";
import { exceptionsFor } from "./exceptions.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;

function loaded(name: string, text: string): LoadedPolicy {
  const policy = parsePolicy(`apiVersion: portcullis.dev/v1\nkind: Policy\n${text}`, `${name}.yaml`);
  return { name, kind: "registry-pull", path: `${name}.yaml`, policy, text };
}

const PULL = loaded(
  "pull",
  `defaultRule:
  require:
    scan:
      maxSeverity: high
      exceptions:
        - { id: CVE-2024-1, repository: "127.0.0.1:5000/team/**", until: 2026-12-31, reason: "no fix upstream" }
        - { id: GHSA-xxxx-yyyy-zzzz, digest: "${DIGEST}", until: 2026-01-01, reason: "old one" }
        - { id: CVE-2024-2, repository: "127.0.0.1:5000/other/**", until: 2026-12-31, reason: "not ours" }
namespaceRules:
  prod:
    require:
      scan:
        exceptions:
          - { id: CVE-2024-1, digest: "${OTHER}", until: 2026-12-31, reason: "another image" }
`,
);
const PUSH = loaded(
  "push",
  `defaultRule:
  require:
    scan:
      exceptions:
        - { id: CVE-2024-1, repository: "127.0.0.1:5000/team/app", until: 2027-06-30, reason: "accepted risk" }
`,
);

describe("the policies' vulnerability exceptions for an image's findings", () => {
  const image = { registry: "127.0.0.1:5000", repository: "team/app", digest: DIGEST };
  const now = Date.parse("2026-12-07T12:00:00Z");
  const lookup = exceptionsFor([PUSH, PULL], image, now);

  it("names every policy and rule whose exception covers the finding's id, for this repository", () => {
    expect(lookup({ id: "CVE-2024-1", aliases: [] })).toEqual([
      {
        policy: "push",
        rule: "defaultRule",
        id: "CVE-2024-1",
        reason: "accepted risk",
        until: "2027-06-30",
        inForce: true,
      },
      {
        policy: "pull",
        rule: "defaultRule",
        id: "CVE-2024-1",
        reason: "no fix upstream",
        until: "2026-12-31",
        inForce: true,
      },
    ]);
  });

  it("matches by alias and digest, and marks an expired exception", () => {
    expect(lookup({ id: "CVE-2024-9", aliases: ["GHSA-xxxx-yyyy-zzzz"] })).toMatchObject([
      { policy: "pull", id: "GHSA-xxxx-yyyy-zzzz", reason: "old one", inForce: false },
    ]);
  });

  it("leaves out exceptions for other repositories and digests, and unknown ids", () => {
    expect(lookup({ id: "CVE-2024-2", aliases: [] })).toEqual([]);
    expect(lookup({ id: "CVE-2030-1", aliases: [] })).toEqual([]);
    const other = exceptionsFor([PULL], { ...image, repository: "lib/x", digest: OTHER }, now);
    expect(other({ id: "CVE-2024-1", aliases: [] })).toMatchObject([{ rule: "namespaceRules.prod" }]);
  });
});
