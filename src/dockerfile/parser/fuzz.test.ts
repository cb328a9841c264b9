// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell `${...}` syntax under test
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DockerfileError } from "./errors.js";
import { parseDockerfile } from "./parse.js";

/** Parses, accepting only success or a DockerfileError, and checks it took no time to speak of. */
function parsesOrRefuses(text: string): void {
  const started = performance.now();
  try {
    const df = parseDockerfile(text);
    for (const ins of df.instructions) {
      expect(ins.range.startLine).toBeLessThanOrEqual(ins.range.endLine);
      expect(ins.keyword).toBe(ins.keyword.toUpperCase());
    }
  } catch (err) {
    if (!(err instanceof DockerfileError)) throw err;
    expect(err.message).toMatch(/^line \d+: /);
  }
  expect(performance.now() - started).toBeLessThan(1000);
}

const keyword = fc.constantFrom(
  "FROM",
  "from",
  "RUN",
  "CMD",
  "COPY",
  "ADD",
  "ENV",
  "LABEL",
  "ARG",
  "ONBUILD",
  "ONBUILD RUN",
  "ONBUILD ONBUILD",
  "HEALTHCHECK",
  "HEALTHCHECK CMD",
  "SHELL",
  "VOLUME",
  "EXPOSE",
  "USER",
  "WORKDIR",
  "MAINTAINER",
  "STOPSIGNAL",
  "ENTRYPOINT",
  "BOGUS",
  "# escape=`",
  "# syntax=x",
  "#",
  "",
);
const fragment = fc.constantFrom(
  " ",
  "\t",
  "\\",
  "`",
  "<<EOF",
  "<<-EOF",
  '<<"EOF"',
  "<<'X'",
  "EOF",
  "\tEOF",
  "X",
  '"',
  "'",
  "[",
  "]",
  '["a", "b"]',
  "[1]",
  ",",
  "=",
  "a=b",
  "--mount=type=cache",
  "--",
  "--link",
  "$VAR",
  "${a:-b}",
  "\r",
  "\uFEFF",
  "é",
  "😀",
);
const line = fc.tuple(keyword, fc.array(fc.oneof(fragment, fc.string({ maxLength: 5 })), { maxLength: 8 }));
const dockerfile = fc
  .array(line, { maxLength: 15 })
  .map((lines) => lines.map(([k, parts]) => [k, ...parts].join(" ")).join("\n"));

describe("parseDockerfile fuzz", () => {
  it("never throws anything but DockerfileError on arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), parsesOrRefuses), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), parsesOrRefuses), { numRuns: 500 });
  });

  it("never throws anything but DockerfileError on line-structured inputs", () => {
    fc.assert(fc.property(dockerfile, parsesOrRefuses), { numRuns: 500 });
  });

  it("stays fast on pathological inputs", () => {
    for (const text of [
      `# escape=${" ".repeat(200_000)}x`,
      `RUN ${"\\ ".repeat(200_000)}`,
      `ENV ${'a="'.repeat(100_000)}`,
      `COPY ${"<<a ".repeat(20_000)}\n`,
      `${"RUN x \\\n".repeat(50_000)}`,
      `RUN ${"--a ".repeat(100_000)}`,
    ]) {
      parsesOrRefuses(text);
    }
  });
});
