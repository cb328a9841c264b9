import type { Rule } from "./types.js";

export const pc129: Rule = {
  id: "PC129",
  name: "unique-stage-names",
  severity: "error",
  rationale:
    "Stage names are how `COPY --from`, `FROM <stage>` and `docker build --target` find a stage. Two " +
    "stages with the same name make those references ambiguous: BuildKit rejects the file, and older " +
    "builders silently pick one of them.",
  fix: "Give every stage a distinct `AS` name.",
  equivalents: { hadolint: "DL3024", trivy: "DS012", buildkit: "DuplicateStageName" },
  check(context) {
    const seen = new Map<string, number>();
    for (const stage of context.stages) {
      if (stage.name === undefined) continue;
      const first = seen.get(stage.name);
      if (first === undefined) seen.set(stage.name, stage.from.range.startLine);
      else context.report(stage.from, `stage name "${stage.name}" is already used on line ${first}`);
    }
  },
};
