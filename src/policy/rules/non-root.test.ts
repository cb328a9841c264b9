import { describe, expect, it } from "vitest";
import type { ConfigFacts, EvidenceError, ImageUserFacts, PodSecurityFacts } from "../facts.js";
import { decide, policyWith, resultsOf } from "../testing.js";

type Row = [
  string,
  ConfigFacts | undefined,
  ImageUserFacts | undefined,
  PodSecurityFacts | undefined,
  boolean,
  string,
];

function check(
  config: ConfigFacts | undefined,
  user: ImageUserFacts | undefined,
  podSecurity?: PodSecurityFacts,
) {
  const evidence = { ...(config ? { config } : {}), ...(user ? { user } : {}) };
  const [result] = resultsOf(
    { nonRoot: true },
    { evidence, request: podSecurity ? { podSecurity } : {} },
    "nonRoot",
  );
  return result!;
}

describe("nonRoot: the image's User as runc runs it", () => {
  it.each<[string, boolean, string]>([
    ["", false, 'the image runs as root (config User "")'],
    ["0", false, "the image runs as root"],
    ["00", false, "the image runs as root"],
    ["+0", false, "the image runs as root"],
    ["0:0", false, "the image runs as root"],
    [":0", false, "the image runs as root"],
    [":1000", false, "the image runs as root"],
    ["1000", true, 'the image runs as user "1000" (uid 1000)'],
    // Only the uid counts, as for Kubernetes' runAsNonRoot: group 0 does not make the process root.
    ["1000:0", true, "uid 1000"],
    ["+1000", true, "uid 1000"],
    ["2147483647", true, "uid 2147483647"],
    ["2147483648", false, "is not a uid in 0-2147483647; runc refuses it"],
    ["4294967296", false, "is not a uid in 0-2147483647"],
    ["99999999999999999999999999999", false, "is not a uid in 0-2147483647"],
    ["-1", false, "is not a uid in 0-2147483647"],
  ])("numeric User %j: passed %s, needs no lookup", (user, passed, reason) => {
    const result = check({ user }, undefined);
    expect(result).toMatchObject({ rule: "nonRoot", passed });
    expect(result.reason).toContain(reason);
  });

  it.each<Row>([
    [
      "named root",
      { user: "svc" },
      { user: "svc", uid: 0, gid: 0 },
      undefined,
      false,
      'config User "svc" is uid 0',
    ],
    [
      "root:1000",
      { user: "root:1000" },
      { user: "root:1000", uid: 0, gid: 1000 },
      undefined,
      false,
      "is uid 0",
    ],
    [
      "named user",
      { user: "app" },
      { user: "app", uid: 1000, gid: 1000 },
      undefined,
      true,
      "uid 1000 in the image's /etc/passwd",
    ],
    [
      "unresolved name",
      { user: "ghost" },
      { user: "ghost", unresolved: 'no user "ghost" in the image\'s /etc/passwd' },
      undefined,
      false,
      'config User "ghost" is not provably non-root: no user "ghost"',
    ],
    [
      " 0 is a name",
      { user: " 0" },
      { user: " 0", unresolved: "no user" },
      undefined,
      false,
      "not provably non-root",
    ],
    [
      "0 with a trailing space",
      { user: "0 " },
      { user: "0 ", unresolved: "no user" },
      undefined,
      false,
      "not provably",
    ],
    ["name never looked up", { user: "app" }, undefined, undefined, false, "/etc/passwd was not read"],
    [
      "lookup of another User",
      { user: "app" },
      { user: "other", uid: 1000 },
      undefined,
      false,
      "was not read",
    ],
  ])("%s", (_name, config, user, podSecurity, passed, reason) => {
    const result = check(config, user, podSecurity);
    expect(result).toMatchObject({ rule: "nonRoot", passed });
    expect(result.reason).toContain(reason);
  });
});

describe("nonRoot: the securityContext over the image, as the kubelet applies it", () => {
  it.each<Row>([
    [
      "runAsUser over a root image",
      { user: "root" },
      undefined,
      { runAsUser: 1000 },
      true,
      "runAsUser is 1000",
    ],
    [
      "runAsUser over a named root",
      { user: "svc" },
      { user: "svc", uid: 0 },
      { runAsUser: 1000 },
      true,
      "runAsUser is 1000",
    ],
    [
      "runAsUser 0 over a non-root image",
      { user: "1000" },
      undefined,
      { runAsUser: 0 },
      false,
      "runAsUser is 0 (root)",
    ],
    ["runAsUser out of range", { user: "1000" }, undefined, { runAsUser: 2 ** 32 }, false, "is not a uid"],
    // runAsGroup does not change the uid, and neither does runAsNonRoot's false.
    ["runAsGroup 0 with a non-root uid", { user: "1000" }, undefined, { runAsGroup: 0 }, true, "uid 1000"],
    [
      "runAsNonRoot false",
      { user: "svc" },
      { user: "svc", uid: 0 },
      { runAsNonRoot: false },
      false,
      "is uid 0",
    ],
    [
      "runAsNonRoot, root image",
      { user: "" },
      undefined,
      { runAsNonRoot: true },
      false,
      "runAsNonRoot would stop it starting",
    ],
    [
      "runAsNonRoot, +0",
      { user: "+0" },
      undefined,
      { runAsNonRoot: true },
      false,
      "runAsNonRoot would stop it",
    ],
    [
      "runAsNonRoot, named user",
      { user: "app" },
      { user: "app", uid: 1000 },
      { runAsNonRoot: true },
      false,
      "the kubelet refuses to start it: image has non-numeric user (app), cannot verify user is non-root",
    ],
    ["runAsNonRoot, numeric user", { user: "1000" }, undefined, { runAsNonRoot: true }, true, "uid 1000"],
    [
      "runAsNonRoot, unknown config",
      undefined,
      undefined,
      { runAsNonRoot: true },
      true,
      "kubelet refuse root",
    ],
    ["unknown config", undefined, undefined, undefined, false, "the image config is unknown"],
  ])("%s", (_name, config, user, podSecurity, passed, reason) => {
    const result = check(config, user, podSecurity);
    expect(result).toMatchObject({ rule: "nonRoot", passed });
    expect(result.reason).toContain(reason);
  });

  it("fails closed when the image's /etc/passwd could not be read, unless failurePolicy ignore", () => {
    const errors: EvidenceError[] = [{ source: "users", message: "the image has 300 layers" }];
    const input = { evidence: { config: { user: "app" }, errors } };
    const failed = decide(policyWith({ nonRoot: true }), input).rules.find((r) => r.rule === "nonRoot");
    expect(failed).toMatchObject({
      passed: false,
      reason: expect.stringContaining("users: the image has 300 layers"),
    });
    const ignored = decide(policyWith({ nonRoot: true }, { failurePolicy: "ignore" }), input).rules.find(
      (r) => r.rule === "nonRoot",
    );
    expect(ignored).toMatchObject({ passed: true });
  });
});
