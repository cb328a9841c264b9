// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell `${...}` syntax under test
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "./parser/index.js";
import { buildStages } from "./stages.js";

const text = [
  "ARG BASE=alpine",
  "ARG TAG=3.19",
  "ARG PLAT",
  "FROM --platform=${PLAT:-linux/amd64} ${BASE}:${TAG} AS Build",
  "RUN make",
  "FROM scratch",
  "COPY --from=build /out /",
  "FROM build as Final",
  "ARG TAG",
  "RUN true",
].join("\n");

describe("buildStages", () => {
  it("splits at FROM and expands global ARGs", () => {
    const stages = buildStages(parseDockerfile(text));
    expect(stages.map((s) => [s.index, s.name, s.baseRaw, s.base, s.baseIsStage, s.platform])).toEqual([
      [0, "build", "${BASE}:${TAG}", "alpine:3.19", false, "linux/amd64"],
      [1, undefined, "scratch", "scratch", true, undefined],
      [2, "final", "build", "build", true, undefined],
    ]);
    expect(stages[0]?.instructions.map((i) => i.keyword)).toEqual(["RUN"]);
    expect(stages[2]?.instructions.map((i) => i.keyword)).toEqual(["ARG", "RUN"]);
    expect(stages[1]?.from.range.startLine).toBe(6);
  });

  it("lets build args override declared global ARGs only", () => {
    const stages = buildStages(parseDockerfile(text), { TAG: "edge", PLAT: "linux/arm64", OTHER: "x" });
    expect(stages[0]?.base).toBe("alpine:edge");
    expect(stages[0]?.platform).toBe("linux/arm64");
    const undeclared = buildStages(parseDockerfile("FROM ${OTHER:-busybox}"), { OTHER: "x" });
    expect(undeclared[0]?.base).toBe("busybox");
  });

  it("expands ARG defaults with earlier ARGs and strips quotes", () => {
    const stages = buildStages(parseDockerfile('ARG A=x\nARG B="${A}y"\nFROM $B'));
    expect(stages[0]?.base).toBe("xy");
  });

  it("returns no stages without FROM", () => {
    expect(buildStages(parseDockerfile("ARG A=1\n"))).toEqual([]);
  });

  it("reports a failing expansion with the FROM line", () => {
    expect(() => buildStages(parseDockerfile("ARG A\nFROM ${A:?required}"))).toThrow("line 2: A: required");
  });
});
