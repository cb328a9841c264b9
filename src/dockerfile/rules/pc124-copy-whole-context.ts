import { sourcesOf } from "./sources.js";
import type { Rule } from "./types.js";
import { instructionsOf } from "./util.js";

const WHOLE_CONTEXT = new Set([".", "./", "/", "./*", "*"]);

export const pc124: Rule = {
  id: "PC124",
  name: "copy-whole-context",
  severity: "info",
  rationale:
    "Copying the whole build context (`COPY . .`) brings in everything that is not excluded by " +
    ".dockerignore: `.git`, local `.env` files, credentials, test data and build output can end up in " +
    "the image, and any change to any file invalidates the layer cache. Copying only what the build " +
    "needs keeps secrets out and builds fast.",
  fix: "Copy specific paths (`COPY package.json package-lock.json ./`, `COPY src/ ./src/`), and keep a strict .dockerignore.",
  equivalents: {},
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "COPY", "ADD")) {
      if (instruction.flags.some((f) => f.name === "from")) continue;
      const whole = sourcesOf(instruction).find((s) => WHOLE_CONTEXT.has(s));
      if (whole !== undefined) {
        context.report(at, `${instruction.keyword} ${whole} copies the whole build context`);
      }
    }
  },
};
