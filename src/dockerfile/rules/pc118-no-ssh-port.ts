import type { Rule } from "./types.js";
import { expandedWords, instructionsOf, unquote } from "./util.js";

/** The port range of an EXPOSE word (`22`, `22/tcp`, `20-25/udp`), or undefined when not numeric. */
export function portRange(
  word: string,
): { from: number; to: number; protocol: string | undefined } | undefined {
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(unquote(word));
  if (m === null) return undefined;
  const from = Number(m[1]);
  return { from, to: m[2] === undefined ? from : Number(m[2]), protocol: m[3] };
}

/** `$PORT (= 22)` when a variable was expanded, else the word as written. */
export function shown(written: string, value: string): string {
  return written === value || unquote(written) === value ? written : `${written} (= ${value})`;
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
      for (const { written, values } of expandedWords(context, instruction)) {
        for (const word of values ?? []) {
          const range = portRange(word);
          if (
            range !== undefined &&
            range.from <= 22 &&
            22 <= range.to &&
            range.protocol?.toLowerCase() !== "udp"
          ) {
            context.report(at, `EXPOSE ${shown(written, word)} exposes the SSH port`);
          }
        }
      }
    }
  },
};
