import { describe, expect, it } from "vitest";
import { Environments } from "../env.js";
import { parseDockerfile } from "../parser/index.js";
import { buildStages } from "../stages.js";
import type { RuleContext } from "./types.js";
import { cacheMountTargets, finalChain, instructionsOf, operands, runCommands } from "./util.js";

function runOf(text: string) {
  const instruction = parseDockerfile(text).instructions.find((i) => i.keyword === "RUN");
  if (instruction === undefined) throw new Error("no RUN");
  return instruction;
}

function names(text: string): string[] {
  return runCommands(runOf(text)).map((c) => c.name);
}

describe("runCommands", () => {
  it.each([
    [
      "shell form",
      "FROM a\nRUN apt-get update && apt-get install -y x | tee log\n",
      ["apt-get", "apt-get", "tee"],
    ],
    ["exec form", 'FROM a\nRUN ["/usr/bin/make", "install"]\n', ["make"]],
    ["exec form sh -c", 'FROM a\nRUN ["/bin/sh", "-c", "cd /x && make"]\n', ["cd", "make"]],
    ["wrappers", "FROM a\nRUN sudo -u app env A=1 /usr/bin/npm ci\n", ["npm"]],
    ["bare heredoc", "FROM a\nRUN <<EOF\napk add x\nrm -rf y\nEOF\n", ["apk", "rm"]],
    ["heredoc fed to a shell", "FROM a\nRUN bash -e <<'EOF'\napk add x\nEOF\n", ["apk"]],
    ["heredoc fed to python is not shell", "FROM a\nRUN python3 <<EOF\nimport os\nEOF\n", ["python3"]],
  ])("%s", (_name, text, expected) => {
    expect(names(text)).toEqual(expected);
  });
});

describe("helpers", () => {
  it("reads cache mount targets", () => {
    const run = runOf(
      "FROM a\nRUN --mount=type=cache,target=/var/cache/apk/ --mount=type=secret,id=x apk add y\n",
    );
    expect(cacheMountTargets(run)).toEqual(["/var/cache/apk"]);
  });

  it("skips flag values in operands", () => {
    const [command] = runCommands(runOf("FROM a\nRUN apt-get -o Debug=1 install -y x\n"));
    expect(command && operands(command, ["-o"])).toEqual(["install", "x"]);
  });

  it("walks instructions with their stage, unwrapping ONBUILD", () => {
    const dockerfile = parseDockerfile("ARG V=1\nFROM a AS one\nONBUILD RUN x\nFROM one\nRUN y\n");
    const stages = buildStages(dockerfile);
    const context: RuleContext = {
      file: "Dockerfile",
      dockerfile,
      stages,
      config: { approvedBases: [], rules: {} },
      envAt: (instruction) => new Environments(dockerfile, stages).at(instruction),
      report: () => {},
    };
    const runs = instructionsOf(context, "RUN");
    expect(runs.map((r) => [r.at.keyword, r.instruction.keyword, r.stage?.index, r.onbuild])).toEqual([
      ["ONBUILD", "RUN", 0, true],
      ["RUN", "RUN", 1, false],
    ]);
    expect(instructionsOf(context, "ARG")[0]?.stage).toBeUndefined();
    expect(finalChain(stages).map((s) => s.index)).toEqual([1, 0]);
  });
});
