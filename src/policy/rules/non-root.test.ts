import { describe, expect, it } from "vitest";
import type { ConfigFacts, PodSecurityFacts } from "../facts.js";
import { resultsOf } from "../testing.js";
import { isRootUser } from "./non-root.js";

describe("nonRoot", () => {
  it.each([
    ["", true],
    ["root", true],
    ["0", true],
    ["0:0", true],
    ["root:wheel", true],
    ["000", true],
    ["1000", false],
    ["1000:0", false],
    ["nobody", false],
    ["app:app", false],
  ])("isRootUser(%j) is %s", (user, root) => {
    expect(isRootUser(user)).toBe(root);
  });

  it.each<[string, ConfigFacts | undefined, PodSecurityFacts | undefined, boolean, string]>([
    ["image user 1000", { user: "1000" }, undefined, true, 'the image runs as user "1000"'],
    ["image user empty", { user: "" }, undefined, false, 'the image runs as root (config User "")'],
    ["image user absent", {}, undefined, false, 'the image runs as root (config User "")'],
    [
      "root image with runAsUser",
      { user: "root" },
      { runAsUser: 1000 },
      true,
      "securityContext runAsUser is 1000",
    ],
    [
      "runAsUser 0 over a non-root image",
      { user: "1000" },
      { runAsUser: 0 },
      false,
      "securityContext runAsUser is 0 (root)",
    ],
    [
      "root image with runAsNonRoot only",
      { user: "" },
      { runAsNonRoot: true },
      false,
      "runAsNonRoot would stop it starting",
    ],
    [
      "unknown config with runAsNonRoot",
      undefined,
      { runAsNonRoot: true },
      true,
      "runAsNonRoot makes the kubelet refuse root",
    ],
    ["unknown config", undefined, undefined, false, "the image config is unknown"],
  ])("%s", (_name, config, podSecurity, passed, reason) => {
    const overrides = { evidence: config ? { config } : {}, request: podSecurity ? { podSecurity } : {} };
    const [result] = resultsOf({ nonRoot: true }, overrides, "nonRoot");
    expect(result).toMatchObject({ rule: "nonRoot", passed });
    expect(result!.reason).toContain(reason);
  });
});
