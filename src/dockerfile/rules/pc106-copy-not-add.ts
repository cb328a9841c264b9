import { isGitSource, isLocalArchive, isRemoteUrl, sourcesOf } from "./sources.js";
import type { Rule } from "./types.js";
import { instructionsOf } from "./util.js";

export const pc106: Rule = {
  id: "PC106",
  name: "copy-not-add",
  severity: "warning",
  rationale:
    "ADD has implicit behaviour COPY lacks: it fetches URLs and auto-extracts local tar archives. Used " +
    "for ordinary local files it does the same as COPY, but a reader (and a reviewer) cannot tell " +
    "whether an extraction or download is intended, and a file that later becomes an archive changes " +
    "meaning. COPY does exactly one thing, so it is the safe default for local files.",
  fix: "Replace `ADD` with `COPY` for local files; keep ADD only to extract a local tar archive.",
  equivalents: { hadolint: "DL3020", trivy: "DS005", cis: "4.9" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "ADD")) {
      const sources = sourcesOf(instruction);
      if (sources.length === 0) continue;
      if (sources.some((s) => isRemoteUrl(s) || isGitSource(s) || isLocalArchive(s) || s.includes("$")))
        continue;
      context.report(at, `use COPY instead of ADD for local files (${sources.join(", ")})`);
    }
  },
};
