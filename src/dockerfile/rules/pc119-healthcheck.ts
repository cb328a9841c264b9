import type { Rule } from "./types.js";
import { finalChain, ownInstructions } from "./util.js";

export const pc119: Rule = {
  id: "PC119",
  name: "healthcheck",
  severity: "info",
  rationale:
    "A service image without a HEALTHCHECK can only be seen as running or exited: a process that " +
    "deadlocks, loses its database or stops answering keeps receiving traffic. A HEALTHCHECK lets " +
    "Docker and Swarm mark the container unhealthy and replace it (Kubernetes uses its own probes, " +
    "so `HEALTHCHECK NONE` is an explicit, accepted choice).",
  fix:
    'Add a cheap check of the service, e.g. `HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/healthcheck"]`, ' +
    "or `HEALTHCHECK NONE` when the orchestrator probes the container itself.",
  equivalents: { hadolint: "DL3057", trivy: "DS026", cis: "4.6" },
  check(context) {
    const chain = finalChain(context.stages);
    const final = chain[0];
    if (final === undefined) return;
    if (chain.some((stage) => ownInstructions(stage, "HEALTHCHECK").length > 0)) return;
    const starts = [...ownInstructions(final, "CMD"), ...ownInstructions(final, "ENTRYPOINT")];
    const last = starts.sort((a, b) => a.range.startLine - b.range.startLine)[starts.length - 1];
    if (last !== undefined) {
      context.report(last, `the final stage runs a service (${last.keyword}) but defines no HEALTHCHECK`);
    }
  },
};
