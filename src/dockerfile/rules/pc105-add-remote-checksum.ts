import { isGitSource, isRemoteUrl, sourcesOf } from "./sources.js";
import type { Rule } from "./types.js";
import { instructionsOf } from "./util.js";

export const pc105: Rule = {
  id: "PC105",
  name: "add-remote-checksum",
  severity: "warning",
  rationale:
    "`ADD https://...` downloads whatever the server returns at build time. Without `--checksum` " +
    "nothing verifies the bytes, so a compromised or changed server (or a man in the middle on a " +
    "misconfigured mirror) silently changes the image. A checksum makes the download reproducible and " +
    "tamper-evident, the same as pinning a base image by digest.",
  fix:
    "Add `--checksum=sha256:<hex>` to the ADD (BuildKit Dockerfile syntax 1.6+), or download in a RUN " +
    "step and verify with `sha256sum -c`.",
  equivalents: {},
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "ADD")) {
      if (instruction.flags.some((f) => f.name === "checksum")) continue;
      for (const source of sourcesOf(instruction)) {
        if (isRemoteUrl(source) && !isGitSource(source)) {
          context.report(at, `ADD downloads "${source}" without --checksum`);
        }
      }
    }
  },
};
