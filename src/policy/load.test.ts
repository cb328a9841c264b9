import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withinBudget } from "../../test/support/budget.js";
import { thrownBy } from "../../test/support/errors.js";
import { PolicyError } from "./errors.js";
import { parsePolicy } from "./load.js";

const EXAMPLES = new URL("../../examples/policies/", import.meta.url);
const HEAD = "apiVersion: portcullis.dev/v1\nkind: Policy\n";

const loadError = (text: string) => thrownBy(PolicyError, () => parsePolicy(text, "p.yaml"));

/**
 * A fuzzed policy loads, or is refused, within 500 ms of CPU plus 50 µs per byte (YAML with positions,
 * then the schema, then CEL compiled and its cost estimated) and a peak of 8 MiB plus 256 bytes per
 * byte: aliases (`&a [*a, *a]`) must not expand into the billion laughs (test/support/budget.ts).
 */
function loadWithinBudget(text: string): void {
  const { value: thrown } = withinBudget(
    { what: "parsePolicy", size: text.length },
    { cpuMs: { fixed: 500, perUnit: 0.05 }, memoryBytes: { fixed: 8 * 2 ** 20, perUnit: 256 } },
    () => {
      try {
        parsePolicy(text, "fuzz.yaml");
        return undefined;
      } catch (err) {
        return err;
      }
    },
    { quick: true },
  );
  if (thrown !== undefined) expect(thrown).toBeInstanceOf(PolicyError);
}

describe("parsePolicy", () => {
  it("loads the issue's example as written", () => {
    const bytes = readFileSync(new URL("full.yaml", EXAMPLES));
    const policy = parsePolicy(bytes, "full.yaml");
    expect(policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const rule = policy.defaultRule;
    expect(rule).toMatchObject({
      evaluationMode: "require",
      enforcementMode: "enforce",
      failurePolicy: "fail",
    });
    expect(rule.require.registries?.map((p) => p.source)).toEqual([
      "localhost:*/**",
      "127.0.0.1:*/**",
      "registry.example.com/**",
    ]);
    expect(rule.require.digest).toBe(true);
    expect(rule.require.signedBy).toEqual([{ kind: "key", key: "keys/release.pub" }]);
    expect(rule.require.attestations?.[0]).toMatchObject({
      type: "https://slsa.dev/provenance/v1",
      signer: { kind: "key", key: "keys/builder.pub" },
    });
    expect(rule.require.scan).toMatchObject({
      maxAgeMs: 86_400_000,
      maxSeverity: "high",
      ignoreUnfixed: false,
      // Fail closed unless the policy says otherwise (issue 11, items 3 and 11).
      allowIncomplete: false,
      unknownSeverity: "fail",
    });
    expect(rule.require.nonRoot).toBe(true);
    expect(policy.namespaceRules.get("kube-system")?.evaluationMode).toBe("always-allow");
    expect(policy.allowlist.map((p) => p.source)).toEqual(["registry.k8s.io/pause:*"]);
    expect(policy.breakGlass).toEqual({ annotation: "portcullis.dev/break-glass" });
  });

  it.each([
    "allow-all-audit.yaml",
    "require-signature.yaml",
    "require-approval.yaml",
    "block-critical.yaml",
    "require-labels.yaml",
  ])("loads %s", (file) => {
    expect(() => parsePolicy(readFileSync(new URL(file, EXAMPLES)), file)).not.toThrow();
  });

  it("digests the bytes exactly", () => {
    const a = parsePolicy(`${HEAD}defaultRule: {}\n`, "a.yaml");
    const b = parsePolicy(`${HEAD}defaultRule: {}\n# comment\n`, "a.yaml");
    expect(a.digest).not.toBe(b.digest);
    expect(parsePolicy(new TextEncoder().encode(`${HEAD}defaultRule: {}\n`), "a.yaml").digest).toBe(a.digest);
  });

  it("lets specific rules inherit the default key by key, and drop requirements with false", () => {
    const policy = parsePolicy(
      `${HEAD}defaultRule:
  enforcementMode: warn
  require:
    digest: true
    nonRoot: true
    scan: { maxSeverity: high }
namespaceRules:
  payments:
    require:
      scan: { maxSeverity: medium }
      nonRoot: false
serviceAccountRules:
  ci:deployer: { enforcementMode: enforce }
`,
      "p.yaml",
    );
    const payments = policy.namespaceRules.get("payments")!;
    expect(payments.enforcementMode).toBe("warn");
    expect(payments.require.digest).toBe(true);
    expect(payments.require.nonRoot).toBeUndefined();
    expect(payments.require.scan?.maxSeverity).toBe("medium");
    expect(policy.serviceAccountRules.get("ci:deployer")).toMatchObject({ enforcementMode: "enforce" });
  });

  it.each([
    ["unknown top-level key", `${HEAD}defaultRule: {}\nallowList: []\n`, "p.yaml:4: allowList: unknown key"],
    [
      "unknown requirement",
      `${HEAD}defaultRule:\n  require:\n    signed: true\n`,
      "p.yaml:5: defaultRule.require.signed: unknown key",
    ],
    [
      "CEL that does not compile",
      `${HEAD}defaultRule:\n  require:\n    attestations:\n      - type: https://slsa.dev/provenance/v1\n        condition: "predicate.runDetails. =="\n`,
      "p.yaml:7: defaultRule.require.attestations[0].condition: CEL expression does not compile",
    ],
    [
      "CEL with an unknown variable",
      `${HEAD}defaultRule:\n  require:\n    custom:\n      - name: team\n        expression: "labels.team == 'x'"\n`,
      "p.yaml:7: defaultRule.require.custom[0].expression: CEL expression does not type check: Unknown variable: labels",
    ],
    [
      "CEL that is not a bool",
      `${HEAD}defaultRule:\n  require:\n    custom:\n      - { name: n, expression: "1 + 2" }\n`,
      "p.yaml:6: defaultRule.require.custom[0].expression: CEL expression must yield a bool, not int",
    ],
    [
      "bad duration",
      `${HEAD}defaultRule:\n  require:\n    scan: { maxAge: 1 day }\n`,
      'p.yaml:5: defaultRule.require.scan.maxAge: invalid duration "1 day"',
    ],
    [
      "duration without a unit",
      `${HEAD}defaultRule:\n  require:\n    scan:\n      maxAge: "24"\n`,
      'p.yaml:6: defaultRule.require.scan.maxAge: duration "24" needs a unit',
    ],
    [
      "bad evaluation mode",
      `${HEAD}defaultRule:\n  evaluationMode: always\n`,
      "p.yaml:4: defaultRule.evaluationMode: expected an evaluation mode: always-allow | always-deny | require",
    ],
    [
      "bad severity",
      `${HEAD}defaultRule: {}\nnamespaceRules:\n  prod:\n    require:\n      scan: { maxSeverity: severe }\n`,
      "p.yaml:7: namespaceRules.prod.require.scan.maxSeverity: expected a severity",
    ],
    [
      "bad unknownSeverity",
      `${HEAD}defaultRule:\n  require:\n    scan: { unknownSeverity: allow }\n`,
      "p.yaml:5: defaultRule.require.scan.unknownSeverity: expected fail, warn or ignore",
    ],
    [
      "allowIncomplete that is not a boolean",
      `${HEAD}defaultRule:\n  require:\n    scan: { allowIncomplete: "yes" }\n`,
      "p.yaml:5: defaultRule.require.scan.allowIncomplete",
    ],
    [
      "allowIncomplete misspelt",
      `${HEAD}defaultRule:\n  require:\n    scan: { allowIncompete: true }\n`,
      "p.yaml:5: defaultRule.require.scan.allowIncompete: unknown key",
    ],
    [
      "bad registry pattern",
      `${HEAD}defaultRule:\n  require:\n    registries: ["ok.io/**", "bad.io/a**"]\n`,
      'p.yaml:5: defaultRule.require.registries[1]: image pattern "bad.io/a**": "**" must be a whole path segment',
    ],
    [
      "key and identity together",
      `${HEAD}defaultRule:\n  require:\n    signedBy:\n      - key: k.pub\n        issuer: https://accounts.google.com\n`,
      "p.yaml:6: defaultRule.require.signedBy[0].key: give either key, or issuer with identity",
    ],
    [
      "issuer without identity",
      `${HEAD}defaultRule:\n  require:\n    signedBy:\n      - issuer: https://accounts.google.com\n`,
      "p.yaml:6: defaultRule.require.signedBy[0].identity: keyless signers need exactly one of identity or identityRegExp",
    ],
    [
      "bad identity regexp",
      `${HEAD}defaultRule:\n  require:\n    signedBy:\n      - { issuer: https://i, identityRegExp: "(" }\n`,
      "p.yaml:6: defaultRule.require.signedBy[0].identityRegExp: invalid regular expression",
    ],
    [
      "CEL comprehensions nested three deep over input lists (issue 22)",
      `${HEAD}defaultRule:\n  require:\n    custom:\n      - name: n\n        expression: "evidence.scan.findings.all(a, evidence.scan.findings.all(b, evidence.scan.findings.all(c, a == c)))"\n`,
      "p.yaml:7: defaultRule.require.custom[0].expression: CEL expression nests comprehensions over input lists 3 deep",
    ],
    [
      "a CEL matches() pattern RE2 refuses (issue 22)",
      `${HEAD}defaultRule:\n  require:\n    custom:\n      - name: n\n        expression: 'image.repository.matches("a(?=b)")'\n`,
      "p.yaml:7: defaultRule.require.custom[0].expression: CEL matches(): invalid regular expression (RE2 syntax",
    ],
    [
      "identity regexp with a backreference (RE2 refuses it, as cosign's Go regexp does)",
      `${HEAD}defaultRule:\n  require:\n    signedBy:\n      - { issuer: https://i, identityRegExp: "(a)\\\\1" }\n`,
      "p.yaml:6: defaultRule.require.signedBy[0].identityRegExp: invalid regular expression (RE2 syntax",
    ],
    [
      "unknown predicate alias",
      `${HEAD}defaultRule:\n  require:\n    attestations:\n      - type: slsaprovenace\n`,
      'p.yaml:6: defaultRule.require.attestations[0].type: unknown predicate type "slsaprovenace"',
    ],
    [
      "exception without a scope",
      `${HEAD}defaultRule:\n  require:\n    scan:\n      exceptions:\n        - { id: CVE-2024-1, until: 2026-01-01, reason: r }\n`,
      "p.yaml:7: defaultRule.require.scan.exceptions[0]: an exception names a repository (pattern) or a digest",
    ],
    [
      "exception with a bad date",
      `${HEAD}defaultRule:\n  require:\n    scan:\n      exceptions:\n        - id: CVE-2024-1\n          digest: sha256:${"a".repeat(64)}\n          until: next year\n          reason: r\n`,
      'p.yaml:9: defaultRule.require.scan.exceptions[0].until: invalid expiry "next year"',
    ],
    [
      "exception without a reason",
      `${HEAD}defaultRule:\n  require:\n    scan:\n      exceptions:\n        - { id: CVE-2024-1, repository: "a.io/**", until: 2026-01-01 }\n`,
      "p.yaml:7: defaultRule.require.scan.exceptions[0].reason: expected reason (a string)",
    ],
    [
      "service account rule key",
      `${HEAD}defaultRule: {}\nserviceAccountRules:\n  deployer: {}\n`,
      'p.yaml:5: serviceAccountRules.deployer: service account rules are keyed "namespace:name"',
    ],
    [
      "approved base that is not a name",
      `${HEAD}defaultRule:\n  require:\n    baseImage:\n      approved: ["UPPER/Case"]\n`,
      'p.yaml:6: defaultRule.require.baseImage.approved[0]: "UPPER/Case" is not an image name',
    ],
    [
      "duplicate custom name",
      `${HEAD}defaultRule:\n  require:\n    custom:\n      - { name: a, expression: "true" }\n      - { name: a, expression: "false" }\n`,
      'p.yaml:7: defaultRule.require.custom[1].name: duplicate custom name "a"',
    ],
    [
      "unknown key inside a requirement",
      `${HEAD}defaultRule:\n  require:\n    scan:\n      maxAge: 24h\n      maxAgee: 3h\n`,
      "p.yaml:7: defaultRule.require.scan.maxAgee: unknown key",
    ],
    [
      "label of the wrong type",
      `${HEAD}defaultRule:\n  require:\n    labels: [3]\n`,
      "p.yaml:5: defaultRule.require.labels[0]: expected a label name, or a mapping with name, value and from",
    ],
    ["missing defaultRule", HEAD, "p.yaml:1: defaultRule: expected a rule"],
    [
      "wrong apiVersion",
      "apiVersion: v1\nkind: Policy\ndefaultRule: {}\n",
      "p.yaml:1: apiVersion: expected apiVersion: portcullis.dev/v1",
    ],
    ["YAML syntax", `${HEAD}defaultRule: {\n`, "p.yaml:4: invalid YAML"],
    ["duplicate key", `${HEAD}defaultRule: {}\ndefaultRule: {}\n`, "p.yaml:4: invalid YAML"],
    ["empty file", "", "p.yaml: policy file is empty"],
    ["not a mapping", "- a\n- b\n", "p.yaml:1: expected a mapping with apiVersion, kind and defaultRule"],
  ])("refuses %s with file:line: key", (_name, text, message) => {
    const err = loadError(text);
    expect(err.code).toBe("POLICY_INVALID");
    expect(err.message.startsWith(message)).toBe(true);
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(loadError(new Uint8Array([0xff, 0xfe, 0x00]) as unknown as string).message).toContain("not UTF-8");
  });

  it("never throws anything but a PolicyError, within budget (fuzzed text)", () => {
    const fragments = fc.constantFrom(
      "apiVersion: portcullis.dev/v1\n",
      "kind: Policy\n",
      "defaultRule:\n",
      "  require:\n",
      "    registries: [",
      '"**"',
      "]\n",
      "    scan: { maxAge: ",
      "24h }\n",
      "    custom:\n      - { name: a, expression: ",
      '"size(image.reference) > 1" }\n',
      '"(((" }\n',
      "&a [*a, *a]\n",
      "!!binary AAAA\n",
      "  evaluationMode: require\n",
      ": : :\n",
      "\t",
      "- x\n",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(fragments, { maxLength: 20 }).map((parts) => parts.join("")),
        ),
        (text) => loadWithinBudget(text),
      ),
      { numRuns: 1500 },
    );
  });

  it("never throws anything but a PolicyError, within budget (fuzzed documents)", () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(false));
    const doc = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("value"), { maxLength: 3 }), tie("map")),
      map: fc.dictionary(
        fc.constantFrom(
          "defaultRule",
          "require",
          "scan",
          "registries",
          "signedBy",
          "custom",
          "key",
          "name",
          "expression",
          "until",
          "exceptions",
          "x",
        ),
        tie("value"),
        { maxKeys: 4 },
      ),
    }));
    fc.assert(
      fc.property(doc.map, (body) =>
        loadWithinBudget(JSON.stringify({ apiVersion: "portcullis.dev/v1", kind: "Policy", ...body })),
      ),
      { numRuns: 1500 },
    );
  });
});

// Issue 22, item 14: user keys became object keys, and a `__proto__` namespace vanished silently.
describe("rule names that are Object.prototype's keys", () => {
  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])(
    "honours a namespace rule named %s",
    (name) => {
      const policy = parsePolicy(
        `${HEAD}defaultRule:\n  evaluationMode: always-allow\nnamespaceRules:\n  ${name}:\n    evaluationMode: always-deny\n  other:\n    evaluationMode: always-deny\n`,
        "p.yaml",
      );
      expect([...policy.namespaceRules.keys()]).toEqual([name, "other"]);
      expect(policy.namespaceRules.get(name)?.evaluationMode).toBe("always-deny");
    },
  );

  it("honours __proto__ as a cluster and a service-account rule name", () => {
    const policy = parsePolicy(
      `${HEAD}defaultRule: {}\nclusterRules:\n  __proto__: { evaluationMode: always-deny }\nserviceAccountRules:\n  "__proto__:__proto__": { evaluationMode: always-deny }\n`,
      "p.yaml",
    );
    expect([...policy.clusterRules.keys()]).toEqual(["__proto__"]);
    expect([...policy.serviceAccountRules.keys()]).toEqual(["__proto__:__proto__"]);
  });

  it("refuses a __proto__ key where only known keys belong, naming it", () => {
    expect(() =>
      parsePolicy(`${HEAD}defaultRule:\n  require:\n    __proto__: { digest: true }\n`, "p.yaml"),
    ).toThrow(/p\.yaml:5: defaultRule\.require\.__proto__: unknown key/);
  });
});
