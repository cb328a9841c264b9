import { portRange } from "./pc118-no-ssh-port.js";
import type { Rule } from "./types.js";
import { expandedWords, instructionsOf } from "./util.js";

const PROTOCOLS = new Set(["tcp", "udp", "sctp"]);

/** Why an EXPOSE word is invalid, or undefined when it is a valid port or range. */
export function exposeProblem(word: string): string | undefined {
  const range = portRange(word);
  if (range === undefined) return `"${word}" is not a port number (expected port[/tcp|udp|sctp] or from-to)`;
  if (range.protocol !== undefined && !PROTOCOLS.has(range.protocol.toLowerCase())) {
    return `"${word}" has an unknown protocol "${range.protocol}"`;
  }
  for (const port of [range.from, range.to]) {
    if (port < 1 || port > 65535) return `"${word}": port ${port} is outside 1-65535`;
  }
  if (range.to < range.from) return `"${word}": the range ends before it starts`;
  return undefined;
}

export const pc130: Rule = {
  id: "PC130",
  name: "expose-valid-ports",
  severity: "error",
  rationale:
    "EXPOSE documents which ports the container listens on, and tools read it to publish ports and " +
    "generate service definitions. A value outside 1-65535, an unknown protocol or a host mapping " +
    "(`8080:80`, which belongs to `docker run -p`) fails the build or produces wrong metadata.",
  fix: "Use `EXPOSE <port>[/tcp|/udp|/sctp]` with a port between 1 and 65535; publish host ports at run time.",
  equivalents: { hadolint: "DL3011", trivy: "DS008", buildkit: "ExposeInvalidFormat" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "EXPOSE")) {
      for (const { written, values } of expandedWords(context, instruction)) {
        for (const word of values ?? []) {
          const problem = exposeProblem(word);
          if (problem !== undefined)
            context.report(at, `EXPOSE ${problem}${written === word ? "" : ` (from ${written})`}`);
        }
      }
    }
  },
};
