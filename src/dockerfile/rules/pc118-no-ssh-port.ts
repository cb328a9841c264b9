import type { Rule } from "./types.js";
import { instructionsOf, unquote } from "./util.js";

/** The port range of an EXPOSE word (`22`, `22/tcp`, `20-25/udp`), or undefined when not numeric. */
export function portRange(
  word: string,
): { from: number; to: number; protocol: string | undefined } | undefined {
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(unquote(word));
  if (m === null) return undefined;
  const from = Number(m[1]);
  return { from, to: m[2] === undefined ? from : Number(m[2]), protocol: m[3] };
}

export const pc118: Rule = {
  id: "PC118",
  name: "no-ssh-port",
  severity: "warning",
  rationale:
    "Exposing port 22 means the image runs an SSH server: another long-lived daemon, more keys to " +
    "manage and a remote login path that bypasses the orchestrator's access control and audit. " +
    "Containers are inspected with `docker exec`/`kubectl exec`, not SSH.",
  fix: "Remove `EXPOSE 22` and the SSH server; use `kubectl exec` or `docker exec` for debugging.",
  equivalents: { trivy: "DS004" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "EXPOSE")) {
      for (const word of instruction.args) {
        const range = portRange(word);
        if (
          range !== undefined &&
          range.from <= 22 &&
          22 <= range.to &&
          range.protocol?.toLowerCase() !== "udp"
        ) {
          context.report(at, `EXPOSE ${word} exposes the SSH port`);
        }
      }
    }
  },
};
