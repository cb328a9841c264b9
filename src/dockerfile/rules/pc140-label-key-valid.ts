import type { Rule } from "./types.js";
import { expandedWord, instructionsOf } from "./util.js";

const RESERVED = ["com.docker.", "io.docker.", "org.dockerproject."];

/** Why a label key breaks Docker's label key guidelines, or undefined when it follows them. */
export function labelKeyProblem(key: string): string | undefined {
  if (RESERVED.some((ns) => key.startsWith(ns))) return "uses a namespace reserved for Docker";
  if (!/^[a-z]/.test(key)) return "does not start with a lower-case letter";
  if (!/[a-z0-9]$/.test(key)) return "does not end with a lower-case letter or digit";
  if (/[^a-z0-9.-]/.test(key)) return "has characters other than a-z, 0-9, '.' and '-'";
  if (key.includes("..") || key.includes("--")) return "has consecutive separators";
  return undefined;
}

export const pc140: Rule = {
  id: "PC140",
  name: "label-key-valid",
  severity: "style",
  rationale:
    "Docker's object label guidelines ask for lower-case, reverse-DNS keys (`org.opencontainers.image.source`) " +
    "and reserve the com.docker.*, io.docker.* and org.dockerproject.* namespaces. Tools that read " +
    "labels (registries, scanners, the OCI annotations mapping) match keys exactly, so `Version` and " +
    "`version` are different labels and only the conventional one is found.",
  fix: "Use lower-case reverse-DNS keys, preferably the OCI ones: `LABEL org.opencontainers.image.version=1.2.3`.",
  equivalents: { hadolint: "DL3048" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "LABEL")) {
      for (const arg of instruction.args) {
        const eq = arg.indexOf("=");
        const written = eq === -1 ? arg : arg.slice(0, eq);
        const key = expandedWord(context, instruction, written);
        if (key === undefined) continue;
        const problem = labelKeyProblem(key);
        if (problem !== undefined) context.report(at, `label key "${key}" ${problem}`);
      }
    }
  },
};
