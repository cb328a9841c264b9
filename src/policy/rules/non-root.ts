import { MAX_RUNTIME_ID, parseUserSpec } from "../../oci/index.js";
import type { RuleResult } from "../decision.js";
import type { ConfigFacts, ImageUserFacts, PodSecurityFacts } from "../facts.js";
import { fail, pass, type RequirementRule } from "./rule.js";

const RULE = "nonRoot";

/** The image's own User, judged as runc would run it (moby/sys/user GetExecUser). */
function judgeImageUser(config: ConfigFacts, resolved: ImageUserFacts | undefined): RuleResult {
  const user = config.user ?? "";
  const shown = JSON.stringify(user);
  const part = parseUserSpec(user).user;
  switch (part.kind) {
    case "default":
      return fail(RULE, `the image runs as root (config User ${shown})`);
    case "out-of-range":
      return fail(
        RULE,
        `config User ${shown} is not a uid in 0-${MAX_RUNTIME_ID}; runc refuses it, so it is not provably non-root`,
      );
    case "id":
      return part.id === 0
        ? fail(RULE, `the image runs as root (config User ${shown})`)
        : pass(RULE, `the image runs as user ${shown} (uid ${part.id})`);
    case "name":
      if (resolved === undefined || resolved.user !== user) {
        return fail(RULE, `config User ${shown} is a name and the image's /etc/passwd was not read`);
      }
      if (resolved.uid === undefined) {
        return fail(
          RULE,
          `config User ${shown} is not provably non-root: ${resolved.unresolved ?? "unresolved"}`,
        );
      }
      return resolved.uid === 0
        ? fail(RULE, `the image runs as root: config User ${shown} is uid 0 in the image's /etc/passwd`)
        : pass(RULE, `the image runs as user ${shown} (uid ${resolved.uid} in the image's /etc/passwd)`);
  }
}

/**
 * With runAsNonRoot and no runAsUser the kubelet checks the image's User itself before starting it
 * (kuberuntime verifyRunAsNonRoot): it reads the user part as an int64, refuses uid 0, and refuses a
 * non-numeric user outright ("image has non-numeric user ..., cannot verify user is non-root").
 * Undefined when the kubelet would start it: the image's User is then judged as runc runs it.
 */
function kubeletRefusal(config: ConfigFacts): RuleResult | undefined {
  const user = config.user ?? "";
  const part = parseUserSpec(user).user;
  const fix = "; set runAsUser";
  if (part.kind === "default" || (part.kind === "id" && part.id === 0)) {
    return fail(
      RULE,
      `the image runs as root (config User ${JSON.stringify(user)}) (runAsNonRoot would stop it starting${fix})`,
    );
  }
  if (part.kind === "name") {
    return fail(
      RULE,
      `runAsNonRoot: the kubelet refuses to start it: image has non-numeric user (${part.name}), cannot verify user is non-root${fix}`,
    );
  }
  return undefined;
}

function securityContextResult(security: PodSecurityFacts): RuleResult | undefined {
  const uid = security.runAsUser;
  if (uid === undefined) return undefined;
  if (uid === 0) return fail(RULE, "securityContext runAsUser is 0 (root)");
  if (uid < 0 || uid > MAX_RUNTIME_ID) {
    return fail(RULE, `securityContext runAsUser ${uid} is not a uid in 0-${MAX_RUNTIME_ID}`);
  }
  return pass(RULE, `securityContext runAsUser is ${uid}`);
}

/**
 * Not root, as the kubelet and runc decide it. The container's (else the pod's) securityContext
 * runAsUser wins over the image's User; runAsNonRoot makes the kubelet check the image's User; else
 * the User runs as runc resolves it, names through the image's final /etc/passwd (uid 0 is root
 * whatever its name, and a name that does not resolve is not provably non-root). Only the uid counts,
 * as for runAsNonRoot: a group of 0 (runAsGroup, "1000:0") does not make a process root.
 */
export const nonRootRule: RequirementRule<"nonRoot"> = {
  id: RULE,
  rationale: "A process running as root turns any container escape into root on the node.",
  fix: "Set USER to a non-zero uid in the Dockerfile, or runAsUser in the securityContext.",
  needs: () => ["config", "users"],
  check(_required, { input }) {
    const security = input.request.podSecurity;
    const explicit = security ? securityContextResult(security) : undefined;
    if (explicit) return [explicit];
    const config = input.evidence.config;
    if (!config) {
      if (security?.runAsNonRoot === true) {
        return [
          pass(RULE, "image config unknown; securityContext runAsNonRoot makes the kubelet refuse root"),
        ];
      }
      return [fail(RULE, "the image config is unknown, so its user cannot be told")];
    }
    if (security?.runAsNonRoot === true) {
      const refused = kubeletRefusal(config);
      if (refused) return [refused];
    }
    return [judgeImageUser(config, input.evidence.user)];
  },
};
