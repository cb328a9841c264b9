import { fail, pass, type RequirementRule } from "./rule.js";

/**
 * A subset of the Kubernetes Pod Security Standards' baseline profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/): privileged containers, host
 * networking, hostPath volumes and added capabilities, each refused unless the rule allows it.
 * Only admission requests carry these facts; other gates have no workload to check.
 */
export const podSecurityRule: RequirementRule<"podSecurity"> = {
  id: "podSecurity",
  rationale: "Privileged containers, host networking and hostPath volumes reach straight into the node.",
  fix: "Drop privileged, hostNetwork, hostPath volumes and added capabilities, or allow them in the rule.",
  needs: () => [],
  check(required, { input }) {
    const facts = input.request.podSecurity;
    if (!facts)
      return [
        pass("podSecurity", `no pod security facts in this ${input.request.kind} request: nothing to check`),
      ];
    const problems: string[] = [];
    if (facts.privileged && !required.allowPrivileged) problems.push("privileged: true");
    if (facts.hostNetwork && !required.allowHostNetwork) problems.push("hostNetwork: true");
    const hostPaths = facts.hostPathVolumes ?? [];
    if (hostPaths.length > 0 && !required.allowHostPath)
      problems.push(`hostPath volumes ${hostPaths.join(", ")}`);
    const allowed = new Set(required.allowedCapabilities);
    const added = (facts.addedCapabilities ?? []).map((c) => c.toUpperCase().replace(/^CAP_/, ""));
    const extra = allowed.has("ALL") ? [] : added.filter((c) => !allowed.has(c));
    if (extra.length > 0) problems.push(`added capabilities ${extra.join(", ")}`);
    if (problems.length > 0) return [fail("podSecurity", `not allowed: ${problems.join("; ")}`)];
    return [pass("podSecurity", "no privileged mode, host networking, hostPath volume or extra capability")];
  },
};
