import { fail, pass, type RequirementRule } from "./rule.js";

/** Whether an image config `User` ("", "root", "0", "0:0", "root:wheel") means uid 0. */
export function isRootUser(user: string | undefined): boolean {
  const name = (user ?? "").trim().split(":")[0]!;
  return name === "" || name === "root" || /^0+$/.test(name);
}

/**
 * Not root, as the kubelet decides it: the container's (else the pod's) securityContext runAsUser
 * wins over the image's User; runAsNonRoot alone makes the kubelet refuse a root image at start.
 */
export const nonRootRule: RequirementRule<"nonRoot"> = {
  id: "nonRoot",
  rationale: "A process running as root turns any container escape into root on the node.",
  fix: "Set USER to a non-zero uid in the Dockerfile, or runAsUser in the securityContext.",
  needs: () => ["config"],
  check(_required, { input }) {
    const security = input.request.podSecurity;
    if (security?.runAsUser !== undefined) {
      return security.runAsUser === 0
        ? [fail("nonRoot", "securityContext runAsUser is 0 (root)")]
        : [pass("nonRoot", `securityContext runAsUser is ${security.runAsUser}`)];
    }
    const config = input.evidence.config;
    if (!config) {
      if (security?.runAsNonRoot === true) {
        return [
          pass("nonRoot", "image config unknown; securityContext runAsNonRoot makes the kubelet refuse root"),
        ];
      }
      return [fail("nonRoot", "the image config is unknown, so its user cannot be told")];
    }
    const shown = JSON.stringify(config.user ?? "");
    if (isRootUser(config.user)) {
      const hint =
        security?.runAsNonRoot === true ? " (runAsNonRoot would stop it starting; set runAsUser)" : "";
      return [fail("nonRoot", `the image runs as root (config User ${shown})${hint}`)];
    }
    return [pass("nonRoot", `the image runs as user ${shown}`)];
  },
};
