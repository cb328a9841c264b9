import type { Instruction } from "../ast.js";
import type { Rule } from "./types.js";
import { finalChain, hasVariable, ownInstructions, unquote } from "./util.js";

/** True for `root`, `0`, `root:root`, `0:0`, `root:staff`, ...: the user part is root. */
export function isRootUser(spec: string): boolean {
  const user = unquote(spec).split(":")[0] ?? "";
  return user === "root" || /^0+$/.test(user);
}

export const pc104: Rule = {
  id: "PC104",
  name: "non-root-user",
  severity: "warning",
  rationale:
    "A container whose process runs as root turns any code-execution bug into root inside the " +
    "container, one kernel or runtime flaw away from root on the node, and lets it write anywhere in " +
    "its own filesystem. Images run as root unless the final stage says otherwise, so the last USER of " +
    "the final stage decides what the container runs as.",
  fix:
    "Create an unprivileged user and switch to it at the end of the final stage: " +
    "`RUN useradd --uid 10001 app` then `USER 10001` (a numeric UID lets Kubernetes verify runAsNonRoot).",
  equivalents: { hadolint: "DL3002", trivy: "DS002", cis: "4.1" },
  check(context) {
    const chain = finalChain(context.stages);
    const final = chain[0];
    if (final === undefined) return;
    let last: Instruction | undefined;
    for (const stage of chain) {
      const users = ownInstructions(stage, "USER");
      last = users[users.length - 1];
      if (last !== undefined) break;
    }
    if (last === undefined) {
      context.report(final.from, "the final stage sets no USER, so the container runs as root");
      return;
    }
    const written = last.args[0] ?? "";
    // `USER $APP_UID`: judge the value the ARG/ENV gives it; skip when that value is unknown.
    const spec = hasVariable(written) ? context.envAt(last).expand(written) : written;
    if (spec === undefined) return;
    const shown = spec === written ? written : `${written} = ${spec}`;
    if (isRootUser(spec)) context.report(last, `the final stage runs as root (USER ${shown})`);
  },
};
