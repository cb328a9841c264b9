import { describe, expect, it } from "vitest";
import type { PodSecurityFacts } from "../facts.js";
import { resultsOf } from "../testing.js";

describe("podSecurity", () => {
  it.each<[string, unknown, PodSecurityFacts | undefined, boolean, string]>([
    [
      "a plain pod",
      true,
      {},
      true,
      "no privileged mode, host networking, hostPath volume or extra capability",
    ],
    ["privileged", true, { privileged: true }, false, "not allowed: privileged: true"],
    ["privileged, allowed", { allowPrivileged: true }, { privileged: true }, true, "no privileged"],
    ["host network", true, { hostNetwork: true }, false, "hostNetwork: true"],
    [
      "hostPath",
      true,
      { hostPathVolumes: ["/var/run/docker.sock"] },
      false,
      "hostPath volumes /var/run/docker.sock",
    ],
    ["hostPath, allowed", { allowHostPath: true }, { hostPathVolumes: ["/data"] }, true, "no privileged"],
    [
      "added capability",
      true,
      { addedCapabilities: ["NET_ADMIN", "SYS_ADMIN"] },
      false,
      "added capabilities NET_ADMIN, SYS_ADMIN",
    ],
    [
      "allowed capability, CAP_ prefix",
      { allowedCapabilities: ["net_bind_service"] },
      { addedCapabilities: ["CAP_NET_BIND_SERVICE"] },
      true,
      "no privileged",
    ],
    [
      "everything wrong",
      true,
      { privileged: true, hostNetwork: true, addedCapabilities: ["ALL"] },
      false,
      "privileged: true; hostNetwork: true; added capabilities ALL",
    ],
    [
      "no workload (CI)",
      true,
      undefined,
      true,
      "no pod security facts in this admission request: nothing to check",
    ],
  ])("%s", (_name, require, podSecurity, passed, reason) => {
    const [result] = resultsOf(
      { podSecurity: require },
      { request: podSecurity ? { podSecurity } : {} },
      "podSecurity",
    );
    expect(result).toMatchObject({ rule: "podSecurity", passed });
    expect(result!.reason).toContain(reason);
  });
});
