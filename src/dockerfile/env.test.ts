// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile `${...}` syntax under test
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Instruction } from "./ast.js";
import { Environments } from "./env.js";
import { lintText } from "./lint/index.js";
import { parseDockerfile } from "./parser/index.js";
import { buildStages } from "./stages.js";

function envs(text: string, buildArgs: Record<string, string> = {}) {
  const dockerfile = parseDockerfile(text);
  const stages = buildStages(dockerfile, buildArgs);
  const environments = new Environments(dockerfile, stages, buildArgs);
  /** The expansion of `word` at the instruction starting on `line`. */
  return (line: number, word: string): string | undefined => {
    const ins = dockerfile.instructions.find((i) => i.range.startLine === line) as Instruction;
    return environments.at(ins).expand(word);
  };
}

describe("Environments", () => {
  const text = [
    "ARG UID=1001", // 1
    "ARG BASE=debian:12", // 2
    "FROM ${BASE} AS build", // 3
    "USER $UID", // 4: global ARG not re-declared: unknown in the stage
    "ARG UID", // 5
    "USER $UID", // 6
    "ENV APP=/srv/app HOME=/root", // 7
    "ENV APP=/opt BIN=$APP/bin", // 8: BIN sees the APP from before the instruction
    "WORKDIR $BIN", // 9
    "ARG APP=/ignored", // 10: ENV wins over ARG
    "WORKDIR ${APP}", // 11
    "FROM build AS final", // 12
    "WORKDIR $APP", // 13: ENV inherited from the parent stage
    "USER ${UID:-0}", // 14: ARGs are not inherited
    "ARG PORT=8080", // 15
    "EXPOSE ${PORT}/tcp", // 16
    "FROM alpine:3.19", // 17
    "WORKDIR $APP", // 18: external base: unknown
    "ONBUILD WORKDIR /x", // 19
  ].join("\n");

  it.each([
    [3, "${BASE}", "debian:12"],
    [4, "$UID", undefined],
    [6, "$UID", "1001"],
    [6, '"$UID"', "1001"],
    [6, "'$UID'", "$UID"],
    [9, "$BIN", "/srv/app/bin"],
    [11, "${APP}", "/opt"],
    [13, "$APP", "/opt"],
    [14, "${UID:-0}", undefined],
    [16, "${PORT}/tcp", "8080/tcp"],
    [18, "$APP", undefined],
    [18, "/plain", "/plain"],
    [18, "${APP", undefined],
  ])("line %i: %s → %s", (line, word, expected) => {
    expect(envs(text)(line, word)).toBe(expected);
  });

  it("takes build args over defaults, in FROM and in stages", () => {
    const at = envs(text, { UID: "0", BASE: "ubuntu:24.04" });
    expect(at(3, "$BASE")).toBe("ubuntu:24.04");
    expect(at(6, "$UID")).toBe("0");
  });

  it("expands a stage ARG default against what came before", () => {
    const at = envs("FROM a:1\nENV V=2\nARG TAG=v${V}\nRUN echo $TAG\n");
    expect(at(4, "$TAG")).toBe("v2");
  });

  it("gives ONBUILD-wrapped instructions an empty environment", () => {
    const dockerfile = parseDockerfile("FROM a:1\nENV D=/x\nONBUILD WORKDIR $D\n");
    const environments = new Environments(dockerfile, buildStages(dockerfile));
    const onbuild = dockerfile.instructions[2] as Instruction;
    expect(environments.at(onbuild).expand("$D")).toBe("/x");
    expect(environments.at(onbuild.onbuild as Instruction).expand("$D")).toBeUndefined();
  });
});

describe("Environments on arbitrary input", () => {
  const word = fc.constantFrom(
    "$A",
    "${A}",
    "${A:-x}",
    "${B",
    "'$A'",
    '"$A"',
    "\\$A",
    "x",
    "=",
    " ",
    "$",
    "${A:?}",
  );
  const line = fc.oneof(
    fc.array(word, { maxLength: 4 }).map((w) => `ENV A=${w.join("")} B=${w.reverse().join("")}`),
    fc.array(word, { maxLength: 3 }).map((w) => `ARG A=${w.join("")}`),
    fc.array(word, { maxLength: 3 }).map((w) => `USER ${w.join("")}`),
    fc.constantFrom("FROM a:1", "FROM a:1 AS s", "FROM s", "ARG A", "EXPOSE $A", "WORKDIR ${A}"),
  );

  it("never throws and lints every rule without internal errors", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const text = `${lines.join("\n")}\n`;
        const result = lintText(text, { file: "Dockerfile" });
        expect(result.findings.filter((f) => f.message.startsWith("internal error"))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
